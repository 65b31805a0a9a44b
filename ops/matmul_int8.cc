#include "ops/matmul_int8.h"

#include <cmath>
#include <string>
#include <vector>

#include "ops/conv_int8.h"
#include "ops/dnnl/dnnl_util.h"
#include "ops/dnnl/primitive_util.h"
#include "ops/int8_epilogue.h"
#include "ops/op_util.h"

namespace saturn::matmul_int8 {
namespace {

using dnnl::memory;
using dt = memory::data_type;

// alpha_b per column (N values) or per tensor (1 value), checked against B's quant params.
Status b_scales(const PrepareContext& ctx, int64_t n, int n_axis, std::vector<float>* scales) {
  const TensorDesc& b = ctx.input(1);
  const fb::QuantParams* q = b.quant;
  const size_t count = q == nullptr || q->scale() == nullptr ? 0 : q->scale()->size();
  const bool constant = ctx.constant(1) != nullptr;
  const bool per_column = constant && count == static_cast<size_t>(n) && n > 1 && q->axis() == n_axis;
  if (count != 1 && !per_column) {
    return ctx.error(op_util::input_label(ctx, 1) + " has " + std::to_string(count) + " quant scales on axis " +
                     std::to_string(q == nullptr ? -1 : q->axis()) + ", expected 1 (per tensor)" +
                     (constant ? " or " + std::to_string(n) + " (per column, on axis " + std::to_string(n_axis) + ")"
                               : " (a runtime B)"));
  }
  scales->clear();
  for (size_t i = 0; i < count; ++i) {
    const float s = q->scale()->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (!(s > 0.f) || !std::isfinite(s)) {
      return ctx.error(op_util::input_label(ctx, 1) + " has quant scale " + std::to_string(s) + " at " +
                       std::to_string(i) + ", expected a finite value > 0");
    }
    scales->push_back(s);
  }
  return Status::ok();
}

// A 2D product with a row-major A [M, K] and a constant B is a 1x1 convolution over an image of
// 1 x M pixels with K channels: in NHWC its source and destination have exactly A's and Y's bytes.
// oneDNN 2.6's jit 1x1 INT8 convolutions run it several times faster than its int8 matmul (a
// classifier head, M 1, K 1280, N 1000, u8 A: 0.015 vs 0.048 ms on AVX2). Builds that into `step`
// and returns true, or builds nothing and returns false when oneDNN has no exact jit 1x1 kernel for
// these operands (conv_int8::select_exact_impl on `plan`: A's type and B's weight scan).
bool build_as_conv(PrepareContext& ctx, const Operands& o, const dnnl::primitive_attr& attr, DType y_type,
                   const conv_int8::Plan& plan, DnnlStep* step) {
  const int64_t m = o.a[0], k = o.a[1], n = o.b[1];
  const memory::desc src({1, k, 1, m}, dnnl_util::data_type(ctx.input(0).dtype), memory::format_tag::nhwc);
  const memory::desc dst({1, n, 1, m}, dnnl_util::data_type(y_type), memory::format_tag::nhwc);
  const memory::desc weights({n, k, 1, 1}, dt::s8, memory::format_tag::any);
  const memory::desc bias = o.bias_input >= 0 ? memory::desc({n}, dt::s32, memory::format_tag::x) : memory::desc();
  // oneDNN 2.6's implementation iterator keeps a pointer to the op descriptor: keep it alive.
  const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                             src, weights, bias, dst, {1, 1}, {0, 0}, {0, 0});
  dnnl::convolution_forward::primitive_desc pd(desc, attr, ctx.engine());
  if (!conv_int8::select_exact_impl(plan, pd) || dnnl_util::impl_name(pd).find("1x1") == std::string::npos)
    return false;
  // B [K, N] as stored (row-major, or transposed for Gemm's trans_b), read as weights [N, K, 1, 1].
  const dnnl_dim_t* b_strides = o.b_md.data.format_desc.blocking.strides;
  const memory::desc b_as_weights({n, k, 1, 1}, dt::s8, memory::dims{b_strides[1], b_strides[0], 1, 1});
  step->set_primitive(dnnl::convolution_forward(pd));
  step->bind_input(DNNL_ARG_SRC, src, ctx.engine(), 0);
  step->bind_owned(DNNL_ARG_WEIGHTS, dnnl_util::reorder_constant(ctx, b_as_weights, ctx.constant(1), pd.weights_desc()));
  if (o.bias_input >= 0) step->bind_input(DNNL_ARG_BIAS, bias, ctx.engine(), o.bias_input);
  step->bind_output(DNNL_ARG_DST, dst, ctx.engine(), 0);
  step->bind_only_scratchpad(ctx, pd);
  return true;
}

}  // namespace

Status build(PrepareContext& ctx, const Operands& operands, const fb::Activation* activation, DnnlStep* step) {
  const int rank = static_cast<int>(operands.y.size());
  const int64_t n = operands.y[rank - 1];
  float alpha_a = 0.f;
  SATURN_RETURN_IF_ERROR(int8_epilogue::input_scale(ctx, 0, &alpha_a));
  const DType b_type = ctx.input(1).dtype;
  if (b_type != DType::kS8) {
    return ctx.error(op_util::input_label(ctx, 1) + " has dtype " + dtype_name(b_type) + ", expected s8" +
                     (b_type == DType::kU8 ? " (oneDNN's int8 matmul needs signed B; the converter emits s8)" : ""));
  }
  std::vector<float> alpha_b;
  SATURN_RETURN_IF_ERROR(b_scales(ctx, n, operands.b_n_axis, &alpha_b));
  const int bias = operands.bias_input;
  if (bias >= 0) {
    SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, bias, DType::kS32));
    const std::vector<int64_t>& c = ctx.input(bias).dims;
    if (op_util::product(c, 0, c.size()) != n || (!c.empty() && c.back() != n) || c.size() > 2) {
      return ctx.error(op_util::input_label(ctx, bias) + " has dims " + op_util::dims_string(c) + ", expected [" +
                       std::to_string(n) + "] or [1, " + std::to_string(n) + "] (an s32 bias per column)");
    }
  }
  TensorDesc& out = ctx.output(0);
  float alpha_y = 1.f;
  if (is_int8(out.dtype)) {
    SATURN_RETURN_IF_ERROR(int8_epilogue::output_scale(ctx, 0, &alpha_y));
  } else if (out.dtype != DType::kF32) {
    return ctx.error(op_util::output_label(ctx, 0) + " has dtype " + dtype_name(out.dtype) +
                     ", expected u8, s8 or f32");
  }

  return dnnl_util::guard(ctx, [&] {
    const int8_epilogue::Epilogue epilogue = int8_epilogue::make(activation, out.dtype, alpha_y);
    std::vector<float> scales;
    for (float s : alpha_b) scales.push_back(alpha_a * s / epilogue.divisor);
    dnnl::primitive_attr attr = dnnl_util::attr_with_post_ops(epilogue.ops);
    attr.set_output_scales(scales.size() == 1 ? 0 : 1 << (rank - 1), scales);

    const bool b_constant = ctx.constant(1) != nullptr;
    conv_int8::Plan plan;  // A's type and B's weights, for the exactness rules of conv_int8.h
    plan.int8 = true;
    plan.x_dtype = ctx.input(0).dtype;
    if (b_constant) {
      int64_t count = 1;
      for (int64_t d : operands.b) count *= d;
      conv_int8::scan_weights(static_cast<const int8_t*>(ctx.constant(1)), count, &plan);
    }
    const dt a_type = dnnl_util::data_type(ctx.input(0).dtype);
    if (b_constant && rank == 2 && operands.a_md == dnnl_util::row_major_desc(operands.a, a_type) &&
        build_as_conv(ctx, operands, attr, out.dtype, plan, step))
      return Status::ok();
    // Without VNNI, oneDNN's jit kernels can saturate unless B is known to be small (a pair of
    // products with a in [0, 255], u8 or s8 shifted by 128 as oneDNN does, fits 16 bits when
    // |b| <= 64: 2 * 255 * 64 = 32640): take its reference implementation otherwise (exact, slow;
    // the profile shows "ref"), with B as it lies.
    const bool exact = conv_int8::cpu_has_vnni() || (b_constant && plan.max_abs_weight <= 64);
    const memory::desc b_prim =
        b_constant && exact ? memory::desc(operands.b, dt::s8, memory::format_tag::any) : operands.b_md;
    const memory::desc y_md = dnnl_util::row_major_desc(operands.y, dnnl_util::data_type(out.dtype));
    memory::dims bias_dims(rank, 1);
    bias_dims[rank - 1] = n;
    const memory::desc bias_md = bias >= 0 ? dnnl_util::row_major_desc(bias_dims, dt::s32) : memory::desc();
    // oneDNN 2.6's implementation iterator keeps a pointer to the op descriptor: keep it alive.
    const dnnl::matmul::desc desc(operands.a_md, b_prim, bias_md, y_md);
    dnnl::matmul::primitive_desc pd(desc, attr, ctx.engine());
    if (!exact) {
      while (dnnl_util::impl_name(pd).rfind("ref", 0) != 0 && pd.next_impl()) {
      }
    }
    step->set_primitive(dnnl::matmul(pd));
    step->bind_input(DNNL_ARG_SRC, operands.a_md, ctx.engine(), 0);
    if (b_constant) {
      step->bind_owned(DNNL_ARG_WEIGHTS,
                       dnnl_util::reorder_constant(ctx, operands.b_md, ctx.constant(1), pd.weights_desc()));
    } else {
      step->bind_input(DNNL_ARG_WEIGHTS, operands.b_md, ctx.engine(), 1);
    }
    if (bias >= 0) step->bind_input(DNNL_ARG_BIAS, bias_md, ctx.engine(), bias);
    step->bind_output(DNNL_ARG_DST, y_md, ctx.engine(), 0);
    step->bind_only_scratchpad(ctx, pd);
    return Status::ok();
  });
}

}  // namespace saturn::matmul_int8
