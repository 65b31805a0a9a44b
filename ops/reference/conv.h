// Scalar INT8 references of Conv and ConvTranspose: DESIGN section 2 and the INT8 form in
// schema/saturn.fbs, written for clarity, not speed. Tensors are plain row-major [N, C, spatial...]
// with 1 to 3 spatial dims (ONNX logical order, no NHWC).
//
// Two stages, as the contract states them:
//   1. accumulate: acc[n, m, o...] = bias_q[m] + sum over the window of x_q * w_q, in int32.
//   2. requantize: real = acc * alpha_x * alpha_w[m] + alpha_r * r_q (the residual, if any);
//      y = activation(real); a U8/S8 output is y_q = sat(round_half_even(y / alpha_y)), an F32 output
//      is y itself. The real value is computed in double, so the reference is exact up to the final
//      rounding; kernels computing in float may differ by 1 LSB where y / alpha_y is near a tie.
#pragma once

#include <cstdint>
#include <vector>

#include "ops/reference/activation.h"

namespace saturn::reference {

struct ConvShape {
  std::vector<int64_t> x;  // [N, C, spatial...], 1 to 3 spatial dims
  int64_t out_channels = 1;  // M
  int64_t group = 1;
  // One value per spatial dim each. dilations use the ONNX convention (1 = dense).
  std::vector<int64_t> kernel, strides, dilations, pad_begin, pad_end;
  std::vector<int64_t> output_padding;  // ConvTranspose only; empty means zeros
};

// [N, M, spatial...]: floor((in + pads - window) / stride) + 1 for Conv;
// stride * (in - 1) + output_padding + window - pads for ConvTranspose.
std::vector<int64_t> conv_output_dims(const ConvShape& s);
std::vector<int64_t> conv_transpose_output_dims(const ConvShape& s);

// Stage 1. Conv W is [M, C/group, kernel...]; ConvTranspose W is [C, M/group, kernel...] (ONNX).
// bias (M values) may be null. Returns the accumulators in the output dims above.
std::vector<int32_t> conv_accumulate(const ConvShape& s, const uint8_t* x, const int8_t* w, const int32_t* bias);
std::vector<int32_t> conv_accumulate(const ConvShape& s, const int8_t* x, const int8_t* w, const int32_t* bias);
std::vector<int32_t> conv_transpose_accumulate(const ConvShape& s, const uint8_t* x, const int8_t* w,
                                               const int32_t* bias);
std::vector<int32_t> conv_transpose_accumulate(const ConvShape& s, const int8_t* x, const int8_t* w,
                                               const int32_t* bias);

struct Requant {
  float alpha_x = 1.f;
  std::vector<float> alpha_w;  // M values (per output channel) or 1 (per tensor)
  float alpha_r = 1.f;         // the residual's scale; 1 for an F32 residual
  float alpha_y = 1.f;         // the output's scale; unused for an F32 output
  Activation activation;
};

// Stage 2 for output dims `y_dims` ([N, M, ...]). `residual` (y_dims elements of type R) may be null.
// Y is uint8_t, int8_t or float; R is float for a float Y, else uint8_t or int8_t.
template <typename Y, typename R = Y>
std::vector<Y> requantize(const std::vector<int32_t>& acc, const std::vector<int64_t>& y_dims, const Requant& q,
                          const R* residual);

}  // namespace saturn::reference
