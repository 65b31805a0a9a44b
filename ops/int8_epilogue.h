// Helpers of the INT8 forms of Gemm, MatMul and Binary Add (DESIGN section 2, schema/saturn.fbs):
// reading per-tensor scales, and the requantizing epilogue that follows a oneDNN primitive which
// already produces the real value through its scales (matmul: output scales alpha_a * alpha_b[n];
// binary: source scales alpha_a, alpha_b).
//
// Epilogue, for Y's dtype:
//   F32:    scale_factor 1; post-ops: the activation.
//   U8/S8:  y_q = sat(round_half_even(activation(real) / alpha_y)), in two forms:
//     folded  (activation None, Relu, LeakyRelu or Clip, which commute with a positive factor:
//              activation(r) / alpha_y = activation'(r / alpha_y), Clip's bounds divided by alpha_y):
//              scale_factor 1 / alpha_y multiplies the primitive's scales; post-ops: the activation;
//     general (Sigmoid, HardSigmoid, HardSwish, Tanh, and any activation with an affine tail):
//              scale_factor 1; post-ops: the activation, then its tail and 1 / alpha_y as one
//              linear (dnnl_util::append_activation).
//   S8 adds clip(-127, 127) (merged into a folded Clip) wherever values below -127 can occur:
//   oneDNN's conversion saturates to [-128, 127], the contract's range is symmetric. oneDNN's
//   conversion to U8/S8 rounds half to even (the default MXCSR mode) and saturates.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include "ops/kernel.h"

namespace saturn::int8_epilogue {

// The single (per-tensor) scale of input i / output i, which must be finite and > 0.
Status input_scale(const PrepareContext& ctx, int i, float* scale);
Status output_scale(PrepareContext& ctx, int i, float* scale);

struct Epilogue {
  float scale_factor = 1.f;  // multiplies every scale of the primitive
  dnnl::post_ops ops;
};

// `y_dtype` is F32, U8 or S8; `alpha_y` is Y's scale (unused for F32). `activation` may be null.
// Throws dnnl::error: call inside dnnl_util::guard().
Epilogue make(const fb::Activation* activation, DType y_dtype, float alpha_y);

}  // namespace saturn::int8_epilogue
