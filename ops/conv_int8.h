// The operand plan shared by Conv and ConvTranspose (FP32 and INT8 forms, schema/saturn.fbs and
// DESIGN section 2): which dtypes the operands must have, the oneDNN data types of the constant
// weights and bias, and the primitive attributes that implement the fused epilogue.
//
// FP32 (X is F32): W and B are F32, the residual R (Conv only) is F32 with Y's dims, Y is F32.
//   post-ops: sum(1) when R is present, then the activation.
// INT8 (X is U8 or S8, with one scale alpha_x):
//   W is S8 with per-tensor scales (1 value) or per-output-channel scales (M values on `w_axis`);
//   B is S32 (M values); Y takes the dtype preset from the model (PrepareContext::output): U8 or S8
//   with one scale alpha_y, or F32. R, when present, has Y's dims; it is F32 when Y is F32, else U8
//   or S8 (not necessarily Y's type: a U8 block output after Relu may add an S8 shortcut) with one
//   scale alpha_r.
//   oneDNN computes: output_scales alpha_x * alpha_w[m] (mask 1 << 1, also per tensor) turn
//   acc = sum(x_q * w_q) + bias_q into the real value; sum(alpha_r) adds the residual, which run()
//   has first copied into Y (oneDNN's sum reads the destination, reinterpreted as R's type); then
//   the requantizing epilogue of ops/int8_epilogue.h: where the activation commutes with a positive
//   factor (None, Relu, LeakyRelu, Clip), both scales are divided by alpha_y and the activation
//   clamps in Y's units (one multiply per value); otherwise the activation, then its affine tail
//   and 1 / alpha_y as one linear. For S8, clip(-127, 127) (the symmetric range). oneDNN's
//   conversion to U8/S8 rounds half to even and saturates.
//
// Exactness without VNNI. On CPUs without VNNI (AVX2, AVX-512 before VNNI) oneDNN's fast INT8
// convolutions multiply u8 x s8 pairs with vpmaddubsw, whose int16 pair sums saturate (a U8 X near
// 255 against weights beyond +-64), and for an S8 X they halve the weights (oneDNN's
// scale_adjust = 0.5); both break the int32 accumulation of DESIGN section 2 by far more than 1 LSB.
// Whether a fast implementation is exact depends on how it treats an S8 X:
//   - oneDNN's jit convolutions (jit_uni_int8*, ...) halve the weights (scale_adjust = 0.5) and shift
//     X by 128 to u8: exact when every w_q is even with |w_q| <= 126 (the shifted u8 times
//     |w_q / 2| <= 63 cannot reach 2^15);
//   - gemm-based ones (gemm_s8s8s32, gemm_x8s8s32x) shift X without halving: exact when |w_q| <= 64;
//   - for a U8 X both are exact when |w_q| <= 64 (2 * 255 * 64 = 32640 < 2^15).
// select_exact_impl() therefore keeps oneDNN's first implementation only when it is exact for the
// operands: the CPU has VNNI, or the conv is depthwise (oneDNN's depthwise kernels multiply in 32
// bits, whatever their name: "jit_uni_int8:avx2" on AVX2; they too halve the weights for an S8 X,
// so these need even weights), or the weights meet
// the bound above; otherwise it walks to the next implementation, ending at oneDNN's reference INT8
// implementation (exact, scalar, slow), whose name the profile shows. The converter's reduced-range
// weights (converter/quantize/weights.h) meet these bounds for oneDNN's jit convolutions.
#pragma once

#include <cstdint>
#include <string>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "ops/dnnl_step.h"
#include "ops/kernel.h"

namespace saturn::conv_int8 {

struct Plan {
  bool int8 = false;
  DType x_dtype = DType::kF32;
  dnnl::memory::data_type weights_type = dnnl::memory::data_type::f32;
  dnnl::memory::data_type bias_type = dnnl::memory::data_type::f32;
  DType y_dtype = DType::kF32;
  bool residual = false;  // input `residual_input` is present
  // Scale and post-op inputs to attributes(); see the header comment.
  int scale_mask = 0;
  std::vector<float> output_scales;  // empty for FP32
  float sum_scale = 1.f;
  float y_scale = 1.f;  // alpha_y (U8/S8 Y only)
  DType residual_dtype = DType::kF32;
  bool depthwise = false;     // one input and one output channel per group (group == C == M)
  int max_abs_weight = 127;   // max |w_q| (of the constant weights)
  bool even_weights = false;  // every w_q is even
};

// Validates the operands' dtypes and scales as above for an op with `out_channels` M, whose W
// carries per-channel scales on `w_axis` (0 for Conv, 1 for ConvTranspose), its bias at input 2 and
// its residual at input `residual_input` (-1: the op has none). `y_dims` are the output's dims.
// Fills `plan` and sets ctx.output(0).dtype. Does not touch oneDNN.
Status make_plan(PrepareContext& ctx, int w_axis, int64_t out_channels, int residual_input,
                 const std::vector<int64_t>& y_dims, Plan* plan);

// Sets plan->max_abs_weight and plan->even_weights from the `count` constant weights at `w`.
void scan_weights(const int8_t* w, int64_t count, Plan* plan);

// The primitive attributes (user scratchpad, output scales, post-ops) of `plan` with the fused
// `activation` (may be null). Throws dnnl::error: call inside dnnl_util::guard().
dnnl::primitive_attr attributes(const Plan& plan, const fb::Activation* activation);

// True when the CPU oneDNN runs on has VNNI (avx2_vnni, avx512_core_vnni and later).
bool cpu_has_vnni();

// For an INT8 plan, moves `pd` to the first of oneDNN's implementations that is exact for these
// operands (see the header comment) and whose name starts with none of `refused` (implementations
// known to be wrong for the caller's geometry); returns false when none is. FP32 plans are left
// alone. Throws dnnl::error: call inside dnnl_util::guard().
bool select_exact_impl(const Plan& plan, dnnl::primitive_desc& pd, const std::vector<std::string>& refused = {});

// Copies the residual (node input `input`) into node output 0 before the primitive runs, converting
// the layout when they differ (e.g. a Plain residual into an Nhwc Y). In the same layout it lets the
// Session place Y in R's bytes (PrepareContext::output_may_reuse_input), and copies nothing when it
// did.
class ResidualCopy {
 public:
  // Call after ctx.output(0) is set; a reorder's scratchpad is reserved in `scratch`.
  // Throws dnnl::error: call inside dnnl_util::guard().
  void prepare(PrepareContext& ctx, int input, ScratchPlan& scratch);
  void run(RunContext& ctx) const;

 private:
  int input_ = -1;
  size_t bytes_ = 0;
  bool reorder_ = false;
  DnnlStep step_;
};

}  // namespace saturn::conv_int8
