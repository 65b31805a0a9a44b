// ConvTranspose (FP32 and INT8): oneDNN deconvolution_forward over 1 to 3 spatial dims with groups,
// strides, dilations, asymmetric pads, output_padding, optional bias and a fused activation.
// INT8 follows Conv's form (ops/conv_int8.h) without a residual; W's per-output-channel scales lie
// on axis 1, which holds all M output channels only when group is 1 (grouped: per-tensor scales).
// X is Nhwc when rank 4 (registry policy kNhwc), Plain otherwise; Y has the same layout.
// ONNX weights W [C, M/group, kernel...] are viewed as oneDNN's [group, M/group, C/group, kernel...]
// through strides and reordered once into the layout oneDNN picks. Bias B [M] is a constant.
// oneDNN takes output_padding as extra end padding only when it is smaller than the stride; larger
// values are rejected in prepare().
// INT8 implementations of oneDNN 2.6 known to be wrong, which build() steps past (found by the
// ConvTranspose cases of tests/ops/conv_int8_test.cc, then probed against a scalar loop):
//   - jit_uni_deconv (AVX2), always: X [2, 7, 7, 7], kernel 5x4, strides 3, pads (0, 1, 2, 0),
//     output_padding (1, 1) had one output column off;
//   - jit_deconvolution (AVX-512 VNNI) when, along a spatial dim other than the last, some output
//     rows receive no kernel tap (e.g. kernel 1 with stride 2), or when output_padding exceeds the
//     end pad along any dim (oneDNN's right padding becomes negative). Probed over 2660 random 1D,
//     2D and 3D geometries on NWC/NHWC/NDHWC data: 285 gave wrong outputs, all of them under these
//     two conditions, and none of the 1770 others outside them did.
#include <algorithm>
#include <string>
#include <vector>

#include "ops/conv_int8.h"
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

class ConvTransposeKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override;
  void run(RunContext& ctx) const override { step_.run(ctx); }

 private:
  Status build(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs, const std::vector<int64_t>& output_padding,
               int64_t group, bool with_bias, const fb::Activation* activation);
  static std::vector<std::string> refused_impls(const dnnl_util::SpatialAttrs& attrs,
                                                const std::vector<int64_t>& output_padding);
  conv_int8::Plan plan_;
  DnnlStep step_;
};

Status ConvTransposeKernel::prepare(PrepareContext& ctx) {
  const fb::ConvTranspose* options = ctx.node().op_as_ConvTranspose();
  if (options == nullptr) return ctx.error("options are not ConvTranspose");
  SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 2, 3, 1));
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
  if (group < 1 || channels % group != 0) {
    return ctx.error("group " + std::to_string(group) + " must be >= 1 and divide the input channels " +
                     std::to_string(channels));
  }
  if (w[0] != channels) {
    return ctx.error(op_util::input_label(ctx, 1) + " has dims " + op_util::dims_string(w) +
                     ", expected dim 0 = C = " + std::to_string(channels));
  }
  for (size_t d = 0; d < spatial; ++d) {
    if (w[2 + d] != attrs.kernel[d]) {
      return ctx.error(op_util::input_label(ctx, 1) + " has dims " + op_util::dims_string(w) +
                       ", expected the kernel shape from attribute 'kernel' in dim " + std::to_string(2 + d) +
                       " (" + std::to_string(attrs.kernel[d]) + ")");
    }
  }
  const auto* output_padding = options->output_padding();
  const size_t op_count = output_padding == nullptr ? 0 : output_padding->size();
  if (op_count != spatial) {
    return ctx.error("attribute 'output_padding' has " + std::to_string(op_count) + " values, expected " +
                     std::to_string(spatial));
  }
  const int64_t out_channels = w[1] * group;
  const bool with_bias = ctx.num_inputs() > 2 && ctx.has_input(2);
  if (with_bias) {
    SATURN_RETURN_IF_ERROR(op_util::check_constant(ctx, 2));
    if (ctx.input(2).dims != std::vector<int64_t>{out_channels}) {
      return ctx.error(op_util::input_label(ctx, 2) + " has dims " + op_util::dims_string(ctx.input(2).dims) +
                       ", expected [" + std::to_string(out_channels) + "]");
    }
  }

  std::vector<int64_t> y = {x[0], out_channels};
  std::vector<int64_t> output_pads;  // attribute 'output_padding', read below
  int64_t macs = x[0] * channels * w[1];
  for (size_t d = 0; d < spatial; ++d) {
    const int64_t op = output_padding->Get(static_cast<flatbuffers::uoffset_t>(d));
    output_pads.push_back(op);
    if (op < 0 || op >= attrs.strides[d]) {
      return ctx.error("attribute 'output_padding'[" + std::to_string(d) + "] is " + std::to_string(op) +
                       ", expected >= 0 and smaller than the stride " + std::to_string(attrs.strides[d]));
    }
    const int64_t size =
        attrs.strides[d] * (x[2 + d] - 1) + op + attrs.window(d) - attrs.pad_begin[d] - attrs.pad_end[d];
    if (size < 1) {
      return ctx.error("output spatial dim " + std::to_string(d) + " would be " + std::to_string(size) +
                       " (pads larger than the output), expected >= 1");
    }
    y.push_back(size);
    macs *= x[2 + d] * attrs.kernel[d];
  }
  SATURN_RETURN_IF_ERROR(conv_int8::make_plan(ctx, /*w_axis=*/1, out_channels, /*residual_input=*/-1, y, &plan_));
  TensorDesc& out = ctx.output(0);
  out.dims = y;
  out.layout = rank == 4 ? Layout::kNhwc : Layout::kPlain;
  ctx.set_macs(macs);
  return dnnl_util::guard(ctx, [&] { return build(ctx, attrs, output_pads, group, with_bias, options->activation()); });
}

Status ConvTransposeKernel::build(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs,
                                  const std::vector<int64_t>& output_padding, int64_t group, bool with_bias,
                                  const fb::Activation* activation) {
  const std::vector<int64_t>& w = ctx.input(1).dims;
  const int64_t in_per_group = w[0] / group;
  const int64_t out_per_group = w[1];
  int64_t kernel_size = 1;
  for (size_t i = 2; i < w.size(); ++i) kernel_size *= w[i];
  // ONNX memory order: [group][C/group][M/group][kernel...]; oneDNN's logical order:
  // [group][M/group][C/group][kernel...] (group dim only when group > 1).
  memory::dims w_dims;
  memory::dims w_strides;
  if (group > 1) {
    w_dims.push_back(group);
    w_strides.push_back(in_per_group * out_per_group * kernel_size);
  }
  w_dims.insert(w_dims.end(), {out_per_group, in_per_group});
  w_strides.insert(w_strides.end(), {kernel_size, out_per_group * kernel_size});
  int64_t stride = kernel_size;
  for (size_t i = 2; i < w.size(); ++i) {
    w_dims.push_back(w[i]);
    stride /= w[i];
    w_strides.push_back(stride);
  }
  const memory::desc w_onnx(w_dims, plan_.weights_type, w_strides);
  const memory::desc w_any(w_dims, plan_.weights_type, memory::format_tag::any);
  const int64_t out_channels = out_per_group * group;
  const memory::desc bias_md = dnnl_util::row_major_desc({out_channels}, plan_.bias_type);
  const memory::desc src_md = dnnl_util::memory_desc(ctx.input(0));
  const memory::desc dst_md = dnnl_util::memory_desc(ctx.output(0));
  const memory::dims strides(attrs.strides.begin(), attrs.strides.end());
  const memory::dims pad_l(attrs.pad_begin.begin(), attrs.pad_begin.end());
  const memory::dims pad_r(attrs.pad_end.begin(), attrs.pad_end.end());
  const auto prop = dnnl::prop_kind::forward_inference;
  const auto alg = dnnl::algorithm::deconvolution_direct;
  const dnnl::deconvolution_forward::desc desc =
      with_bias ? dnnl::deconvolution_forward::desc(prop, alg, src_md, w_any, bias_md, dst_md, strides,
                                                    attrs.dnnl_dilations(), pad_l, pad_r)
                : dnnl::deconvolution_forward::desc(prop, alg, src_md, w_any, dst_md, strides,
                                                    attrs.dnnl_dilations(), pad_l, pad_r);
  dnnl::deconvolution_forward::primitive_desc pd(desc, conv_int8::attributes(plan_, activation),
                                                       ctx.engine());

  if (!conv_int8::select_exact_impl(plan_, pd, refused_impls(attrs, output_padding))) {
    return ctx.error("oneDNN has no exact INT8 implementation for these operands on this CPU (no VNNI; " +
                     dnnl_util::impl_name(pd) + " is not exact)");
  }
  step_.set_primitive(dnnl::deconvolution_forward(pd));
  step_.bind_input(DNNL_ARG_SRC, pd.src_desc(), ctx.engine(), 0);
  step_.bind_owned(DNNL_ARG_WEIGHTS,
                   dnnl_util::reorder_constant(ctx, w_onnx, ctx.constant(1), pd.weights_desc()));
  if (with_bias) {
    step_.bind_owned(DNNL_ARG_BIAS,
                     dnnl_util::reorder_constant(ctx, bias_md, ctx.constant(2), pd.bias_desc()));
  }
  step_.bind_output(DNNL_ARG_DST, pd.dst_desc(), ctx.engine(), 0);
  ScratchPlan scratch;
  step_.bind_scratchpad(pd, ctx.engine(), scratch);
  ctx.request_scratch(scratch.total());
  ctx.set_impl(dnnl_util::impl_name(pd));
  return Status::ok();
}

// See the header comment.
std::vector<std::string> ConvTransposeKernel::refused_impls(const dnnl_util::SpatialAttrs& attrs,
                                                            const std::vector<int64_t>& output_padding) {
  const auto jit_deconvolution_wrong = [&] {
    for (size_t d = 0; d < attrs.kernel.size(); ++d) {
      if (output_padding[d] > attrs.pad_end[d]) return true;
      if (d + 1 == attrs.kernel.size()) break;
      // Output rows o and o + stride see the same taps: some row sees none when the taps' offsets
      // k * dilation do not reach every remainder modulo the stride.
      std::vector<bool> reached(static_cast<size_t>(attrs.strides[d]), false);
      for (int64_t k = 0; k < attrs.kernel[d]; ++k)
        reached[static_cast<size_t>(k * attrs.dilations[d] % attrs.strides[d])] = true;
      if (std::find(reached.begin(), reached.end(), false) != reached.end()) return true;
    }
    return false;
  };
  std::vector<std::string> refused = {"jit_uni_deconv"};
  if (jit_deconvolution_wrong()) refused.push_back("jit_deconvolution");
  return refused;
}

}  // namespace

std::unique_ptr<Kernel> make_conv_transpose_kernel() { return std::make_unique<ConvTransposeKernel>(); }

}  // namespace saturn
