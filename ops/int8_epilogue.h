// Helpers of the INT8 forms of Gemm, MatMul and Binary Add (DESIGN section 2, schema/saturn.fbs):
// reading per-tensor scales, and the requantizing epilogue that follows a oneDNN primitive which
// already produces the real value through its scales (matmul: output scales alpha_a * alpha_b[n];
// binary: source scales alpha_a, alpha_b).
//
// Epilogue, for Y's dtype:
//   F32:    divisor 1; post-ops: the activation.
//   U8/S8:  y_q = sat(round_half_even(activation(real) / alpha_y)), in two forms:
//     folded  (activation None, Relu, LeakyRelu or Clip, which commute with a positive factor:
//              activation(r) / alpha_y = activation'(r / alpha_y), Clip's bounds divided by alpha_y):
//              divisor alpha_y divides every scale of the primitive, so that a convolution or a
//              matmul requantizes with one multiply, acc * (alpha_in * alpha_w / alpha_y), as DESIGN
//              section 2 writes it and as ONNX Runtime's QLinearConv and QGemm compute it (the same
//              float operations, so a QDQ export runs bit-exact there); post-ops: the activation;
//     general (Sigmoid, HardSigmoid, HardSwish, Tanh, and any activation with an affine tail):
//              divisor 1; post-ops: the activation, then its tail and 1 / alpha_y as one linear
//              (dnnl_util::append_activation).
//   S8 adds clip(-127, 127) (merged into a folded Clip) wherever values below -127 can occur:
//   oneDNN's conversion saturates to [-128, 127], the contract's range is symmetric. oneDNN's
//   conversion to U8/S8 rounds half to even (the default MXCSR mode) and saturates.
// A residual (a convolution's R) is a sum post-op ahead of the activation, its scale divided too.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>
#include <optional>

#include "ops/kernel.h"

namespace saturn::int8_epilogue {

// The single (per-tensor) scale of input i / output i, which must be finite and > 0.
Status input_scale(const PrepareContext& ctx, int i, float* scale);
Status output_scale(PrepareContext& ctx, int i, float* scale);

struct Epilogue {
  float divisor = 1.f;  // divides every scale of the primitive
  dnnl::post_ops ops;
};

// A residual added before the activation: alpha_r (1 for an F32 R) and R's type.
struct Sum {
  float scale;
  dnnl::memory::data_type type;
};

// `y_dtype` is F32, U8 or S8; `alpha_y` is Y's scale (unused for F32). `activation` may be null.
// Throws dnnl::error: call inside dnnl_util::guard().
Epilogue make(const fb::Activation* activation, DType y_dtype, float alpha_y,
              const std::optional<Sum>& sum = std::nullopt);

}  // namespace saturn::int8_epilogue
