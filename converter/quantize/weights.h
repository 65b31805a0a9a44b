// Weight and bias quantization (DESIGN section 2).
//
//   Weights: s8 in [-127, 127], real = alpha_w[c] * q. Per channel along `axis` (every element whose
//   index on `axis` is c shares alpha_w[c] = max|w_c| / 127) or per tensor (axis -1, one alpha =
//   max|w| / 127). A channel (or tensor) of all zeros gets alpha 1: any positive alpha represents
//   it exactly, and 1 keeps the bias scale alpha_in * alpha_w[c] well away from overflow.
//   Rounding is half-to-even (ops/reference/quantize.h).
//   Bias: s32, bias_q[c] = round(b[c] / (alpha_in * alpha_w[c])), saturated to the int32 range.
#pragma once

#include <cstdint>
#include <vector>

namespace saturn::converter::quantize {

struct QuantizedWeights {
  std::vector<int8_t> values;  // same element order as the input
  std::vector<float> scale;    // dims[axis] values, or one when axis == -1
  int axis = -1;
};

// `values` row-major in `dims`; axis in [0, rank) or -1 for per tensor.
QuantizedWeights quantize_weights(const std::vector<float>& values, const std::vector<int64_t>& dims, int axis);

// b.size() == alpha_w.size(), or alpha_w has one value (per-tensor weights).
std::vector<int32_t> quantize_bias(const std::vector<float>& b, float alpha_in, const std::vector<float>& alpha_w);

}  // namespace saturn::converter::quantize
