// Conv (FP32 and INT8): oneDNN convolution_forward over 1 to 3 spatial dims, any group count
// (depthwise included), strides, dilations, asymmetric pads, optional bias, an optional residual R
// (input 3, Y's dims) and a fused activation. The operands' dtypes, the requantization and the
// epilogue are planned in ops/conv_int8.h.
// Input X is Nhwc when rank 4 (registry policy kNhwc), Plain otherwise; Y has the same layout.
// Weights W [M, C/group, kernel...] and bias B [M] are constants, reordered once in prepare() into
// the blocked layout oneDNN picks (format_tag::any). An INT8 2D depthwise conv runs on Saturn's own
// AVX2 kernel instead where that applies (ops/depthwise_int8.h).
#include <algorithm>
#include <memory>

#include "ops/conv_int8.h"
#include "ops/depthwise_int8.h"
#include "ops/dnnl/dnnl_util.h"
#include "ops/dnnl/primitive_util.h"
#include "ops/dnnl/spatial_attrs.h"
#include "ops/dnnl_step.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace saturn {
namespace {

using dnnl::memory;
using dt = memory::data_type;

class ConvKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override;
  void run(RunContext& ctx) const override {
    if (depthwise_) {
      depthwise_->run(ctx.input(0), ctx.output(0));
      return;
    }
    if (plan_.residual) residual_.run(ctx);
    step_.run(ctx);
  }

 private:
  Status build(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs, int64_t group, bool with_bias,
               const fb::Activation* activation);
  // Sets depthwise_ when the conv is in depthwise_int8.h's scope on this CPU.
  void try_depthwise_int8(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs, const fb::Activation* activation);
  conv_int8::Plan plan_;
  std::unique_ptr<depthwise_int8::DepthwiseInt8> depthwise_;
  conv_int8::ResidualCopy residual_;
  DnnlStep step_;
};

Status ConvKernel::prepare(PrepareContext& ctx) {
  const fb::Conv* options = ctx.node().op_as_Conv();
  if (options == nullptr) return ctx.error("options are not Conv");
  SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 2, 4, 1));
  SATURN_RETURN_IF_ERROR(dnnl_util::check_conv_operands(ctx));
  const std::vector<int64_t>& x = ctx.input(0).dims;
  const std::vector<int64_t>& w = ctx.input(1).dims;
  const size_t rank = x.size();
  const size_t spatial = rank - 2;
  dnnl_util::SpatialAttrs attrs;
  SATURN_RETURN_IF_ERROR(dnnl_util::read_spatial_attrs(ctx, spatial, options->kernel(), options->strides(),
                                                       options->dilations(), options->pads(), &attrs));
  const int64_t group = options->group();
  const int64_t channels = x[1];
  const int64_t out_channels = w[0];
  if (group < 1 || channels % group != 0 || out_channels % group != 0) {
    return ctx.error("group " + std::to_string(group) + " must be >= 1 and divide the input channels " +
                     std::to_string(channels) + " and the output channels " + std::to_string(out_channels));
  }
  if (w[1] != channels / group) {
    return ctx.error(op_util::input_label(ctx, 1) + " has dims " + op_util::dims_string(w) +
                     ", expected dim 1 = C/group = " + std::to_string(channels / group));
  }
  for (size_t d = 0; d < spatial; ++d) {
    if (w[2 + d] != attrs.kernel[d]) {
      return ctx.error(op_util::input_label(ctx, 1) + " has dims " + op_util::dims_string(w) +
                       ", expected the kernel shape from attribute 'kernel' in dim " + std::to_string(2 + d) +
                       " (" + std::to_string(attrs.kernel[d]) + ")");
    }
  }
  const bool with_bias = ctx.num_inputs() > 2 && ctx.has_input(2);
  if (with_bias) {
    SATURN_RETURN_IF_ERROR(op_util::check_constant(ctx, 2));
    if (ctx.input(2).dims != std::vector<int64_t>{out_channels}) {
      return ctx.error(op_util::input_label(ctx, 2) + " has dims " + op_util::dims_string(ctx.input(2).dims) +
                       ", expected [" + std::to_string(out_channels) + "]");
    }
  }

  std::vector<int64_t> y = {x[0], out_channels};
  int64_t macs = x[0] * out_channels * (channels / group);
  for (size_t d = 0; d < spatial; ++d) {
    const int64_t span = x[2 + d] + attrs.pad_begin[d] + attrs.pad_end[d] - attrs.window(d);
    if (span < 0) {
      return ctx.error("spatial dim " + std::to_string(d) + " of X " + op_util::dims_string(x) +
                       " plus pads is smaller than the dilated kernel window " +
                       std::to_string(attrs.window(d)));
    }
    y.push_back(span / attrs.strides[d] + 1);
    macs *= y.back() * attrs.kernel[d];
  }
  SATURN_RETURN_IF_ERROR(conv_int8::make_plan(ctx, /*w_axis=*/0, out_channels, /*residual_input=*/3, y, &plan_));
  TensorDesc& out = ctx.output(0);
  out.dims = y;
  out.layout = rank == 4 ? Layout::kNhwc : Layout::kPlain;
  ctx.set_macs(macs);
  try_depthwise_int8(ctx, attrs, options->activation());
  if (depthwise_) return Status::ok();
  return dnnl_util::guard(ctx, [&] { return build(ctx, attrs, group, with_bias, options->activation()); });
}

void ConvKernel::try_depthwise_int8(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs,
                                    const fb::Activation* activation) {
  const std::vector<int64_t>& x = ctx.input(0).dims;
  const std::vector<int64_t>& y = ctx.output(0).dims;
  const bool dense = std::all_of(attrs.dilations.begin(), attrs.dilations.end(), [](int64_t d) { return d == 1; });
  const int64_t taps = x.size() == 4 ? attrs.kernel[0] * attrs.kernel[1] : 0;
  if (!plan_.int8 || !plan_.depthwise || plan_.residual || !dense || taps < 1 || taps > depthwise_int8::kMaxTaps ||
      (taps == 1 && x[1] % 16 != 0) || !depthwise_int8::supports(activation) || !depthwise_int8::available())
    return;
  const depthwise_int8::Geometry g{x[0], x[1], x[2], x[3], attrs.kernel[0], attrs.kernel[1], attrs.strides[0],
                                   attrs.strides[1], attrs.pad_begin[0], attrs.pad_begin[1], y[2], y[3]};
  const bool with_bias = ctx.num_inputs() > 2 && ctx.has_input(2);
  const auto* bias = with_bias ? static_cast<const int32_t*>(ctx.constant(2)) : nullptr;
  depthwise_ = std::make_unique<depthwise_int8::DepthwiseInt8>(g, static_cast<const int8_t*>(ctx.constant(1)), bias,
                                                               plan_.output_scales, activation, plan_.x_dtype,
                                                               plan_.y_dtype, plan_.y_scale);
  ctx.set_impl("saturn_dw_int8:avx2");
}

Status ConvKernel::build(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs, int64_t group,
                         bool with_bias, const fb::Activation* activation) {
  const std::vector<int64_t>& w = ctx.input(1).dims;
  memory::dims w_dims;
  if (group > 1)
    w_dims = {group, w[0] / group};
  else
    w_dims = {w[0]};
  w_dims.insert(w_dims.end(), w.begin() + 1, w.end());
  const memory::desc w_plain = dnnl_util::row_major_desc(w_dims, plan_.weights_type);
  const memory::desc w_any(w_dims, plan_.weights_type, memory::format_tag::any);
  const memory::desc bias_md = dnnl_util::row_major_desc({w[0]}, plan_.bias_type);
  const memory::desc src_md = dnnl_util::memory_desc(ctx.input(0));
  const memory::desc dst_md = dnnl_util::memory_desc(ctx.output(0));
  const memory::dims strides(attrs.strides.begin(), attrs.strides.end());
  const memory::dims pad_l(attrs.pad_begin.begin(), attrs.pad_begin.end());
  const memory::dims pad_r(attrs.pad_end.begin(), attrs.pad_end.end());
  const auto prop = dnnl::prop_kind::forward_inference;
  const auto alg = dnnl::algorithm::convolution_direct;
  const dnnl::convolution_forward::desc desc =
      with_bias ? dnnl::convolution_forward::desc(prop, alg, src_md, w_any, bias_md, dst_md, strides,
                                                  attrs.dnnl_dilations(), pad_l, pad_r)
                : dnnl::convolution_forward::desc(prop, alg, src_md, w_any, dst_md, strides,
                                                  attrs.dnnl_dilations(), pad_l, pad_r);
  dnnl::convolution_forward::primitive_desc pd(desc, conv_int8::attributes(plan_, activation), ctx.engine());

  if (!conv_int8::select_exact_impl(plan_, pd, /*transpose=*/false)) {
    return ctx.error("oneDNN has no exact INT8 implementation for these operands on this CPU (no VNNI; " +
                     dnnl_util::impl_name(pd) + " is not exact)");
  }
  step_.set_primitive(dnnl::convolution_forward(pd));
  step_.bind_input(DNNL_ARG_SRC, pd.src_desc(), ctx.engine(), 0);
  step_.bind_owned(DNNL_ARG_WEIGHTS,
                   dnnl_util::reorder_constant(ctx, w_plain, ctx.constant(1), pd.weights_desc()));
  if (with_bias) {
    step_.bind_owned(DNNL_ARG_BIAS,
                     dnnl_util::reorder_constant(ctx, bias_md, ctx.constant(2), pd.bias_desc()));
  }
  step_.bind_output(DNNL_ARG_DST, pd.dst_desc(), ctx.engine(), 0);
  ScratchPlan scratch;
  step_.bind_scratchpad(pd, ctx.engine(), scratch);
  if (plan_.residual) residual_.prepare(ctx, 3, scratch);
  ctx.request_scratch(scratch.total());
  ctx.set_impl(dnnl_util::impl_name(pd));
  return Status::ok();
}

}  // namespace

std::unique_ptr<Kernel> make_conv_kernel() { return std::make_unique<ConvKernel>(); }

}  // namespace saturn
