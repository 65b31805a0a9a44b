// The INT8 oneDNN matmul shared by Gemm and MatMul (schema/saturn.fbs INT8 forms, DESIGN section 2).
//
// Operands:
//   A (input 0): U8 or S8 with one scale alpha_a.
//   B (input 1): S8. U8 is refused (oneDNN's int8 matmul takes s8 weights; the converter always
//     emits s8). A constant B has N scales on its N dim as stored (per column) or 1 (per tensor);
//     a runtime B (activation x activation) has 1 scale.
//   bias (optional, Gemm's C): S32 holding N values, bias_q[n] = round(c[n] / (alpha_a * alpha_b[n])).
//   Y (output 0): the dtype preset from the model, U8/S8 with one scale alpha_y, or F32.
// oneDNN computes acc = sum(a_q * b_q) + bias_q in int32 (oneDNN 2.x adds an int8 primitive's bias
// before its output scales), then output scales alpha_a * alpha_b[n] (mask on the last dim when per
// column) times the epilogue's factor, then the epilogue's post-ops (int8_epilogue.h).
//
// Primitive: a 2D product with a row-major A and a constant B runs as oneDNN's 1x1 INT8
// convolution over a 1 x M image (the same bytes as A and Y; several times faster than oneDNN 2.6's
// int8 matmul for the small M of classifier heads) when oneDNN has an exact jit 1x1 kernel for the
// operands; anything else runs as oneDNN's int8 matmul.
//
// CPUs without VNNI (e.g. AVX2 only): oneDNN's jit int8 kernels multiply with vpmaddubsw, whose
// 16-bit sum of two u8 x s8 products saturates when |b| > 64 (DESIGN section 7), far beyond 1 LSB.
// There, unless B is a constant with every |b_q| <= 64 (7-bit weights), the kernel takes oneDNN's
// reference matmul: exact but slow (the profile's impl string says "ref"). The fast path on such
// CPUs needs the converter to quantize weights to 7 bits.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include "ops/dnnl_step.h"
#include "ops/kernel.h"

namespace saturn::matmul_int8 {

struct Operands {
  // One rank >= 2 for all three: [batch..., M, K], [batch..., K, N], [batch..., M, N].
  dnnl::memory::dims a, b, y;
  // Where A's and B's data lie (row-major, or strided views for Gemm's transposes), in dims a, b.
  dnnl::memory::desc a_md, b_md;
  int b_n_axis = -1;    // the N dim of B as stored (per-column scales); -1 when B has none (rank 1)
  int bias_input = -1;  // node input of the S32 bias; -1: none
};

// Validates the operands as above, sets ctx.output(0).dtype (the caller sets dims and layout),
// creates the primitive into `step` and requests its scratch. `activation` may be null.
Status build(PrepareContext& ctx, const Operands& operands, const fb::Activation* activation, DnnlStep* step);

}  // namespace saturn::matmul_int8
