// Conv (FP32 and INT8): oneDNN convolution_forward over 1 to 3 spatial dims, any group count
// (depthwise included), strides, dilations, asymmetric pads, optional bias, an optional residual R
// (input 3, Y's dims) and a fused activation. The operands' dtypes, the requantization and the
// epilogue are planned in ops/conv_int8.h.
// Input X is Nhwc when rank 4 (registry policy kNhwc), Plain otherwise; Y has the same layout.
// Weights W [M, C/group, kernel...] and bias B [M] are constants, reordered once in prepare() into
// the blocked layout oneDNN picks (format_tag::any). INT8 2D depthwise and 1x1 convs and 3x3 stride-1
// convs (INT8 and FP32) run on Saturn's own AVX2 kernels instead where those apply
// (ops/depthwise_int8.h, ops/pointwise_int8.h, ops/winograd_int8.h, ops/winograd_f32.h), and INT8
// 2D depthwise convs on its AVX-512 VNNI kernel on such CPUs (ops/depthwise_vnni.h).
//
// Row bands: an FP32 2D convolution with a window larger than one pixel, on one image whose output
// rows split evenly over the threads, runs as one single-threaded primitive per band of output rows,
// all at once, one per thread. Each thread then reads the input rows that the previous layer wrote
// on its own core. oneDNN 2.6's jit:avx2 splits such a convolution by output channels instead, so
// that each thread reads the whole input, half of it from the other core's cache: on the 2-core dev
// VM, 3x3 convolutions over 64-256 channels ran at 66-77 GMAC/s that way and at 88-94 in bands.
// (INT8 convolutions, 4x fewer bytes, ran alike both ways and keep oneDNN's split.)
#include <algorithm>
#include <exception>
#include <memory>

#include <omp.h>

#include "ops/avx512_vnni.h"
#include "ops/conv_int8.h"
#include "ops/depthwise_int8.h"
#include "ops/depthwise_vnni.h"
#include "ops/dnnl/dnnl_util.h"
#include "ops/dnnl/primitive_util.h"
#include "ops/dnnl/spatial_attrs.h"
#include "ops/dnnl_step.h"
#include "ops/op_util.h"
#include "ops/ops.h"
#include "ops/pointwise_int8.h"
#include "ops/scoped_threads.h"
#include "ops/winograd_f32.h"
#include "ops/winograd_int8.h"

namespace saturn {
namespace {

using dnnl::memory;
using dt = memory::data_type;

bool all_equal(const std::vector<int64_t>& v, int64_t value) {
  return std::all_of(v.begin(), v.end(), [value](int64_t d) { return d == value; });
}

// The constant bias B (input 2) as T values, or null without one.
template <typename T>
const T* constant_bias(PrepareContext& ctx) {
  return ctx.num_inputs() > 2 && ctx.has_input(2) ? static_cast<const T*>(ctx.constant(2)) : nullptr;
}

class ConvKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override;
  void run(RunContext& ctx) const override {
    if (depthwise_) {
      depthwise_->run(ctx.input(0), ctx.output(0));
      return;
    }
    if (depthwise_vnni_) {
      depthwise_vnni_->run(ctx.input(0), ctx.output(0), ctx.scratch());
      return;
    }
    if (pointwise_) {
      pointwise_->run(ctx.input(0), ctx.output(0));
      return;
    }
    if (winograd_) {
      winograd_->run(static_cast<const float*>(ctx.input(0)), static_cast<float*>(ctx.output(0)), ctx.scratch());
      return;
    }
    if (winograd_int8_) {
      winograd_int8_->run(ctx.input(0), plan_.residual ? ctx.input(3) : nullptr, ctx.output(0), ctx.scratch());
      return;
    }
    if (plan_.residual) residual_.run(ctx);
    if (bands_.empty()) {
      step_.run(ctx);
      return;
    }
    const int n = static_cast<int>(bands_.size());
    std::exception_ptr error;
    // One band per thread; a smaller team (e.g. inside the caller's own parallel region) takes turns.
#pragma omp parallel num_threads(n)
    for (int i = omp_get_thread_num(); i < n; i += omp_get_num_threads()) {
      try {
        bands_[i].step.run(ctx, bands_[i].stream);
      } catch (...) {
#pragma omp critical
        error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
  }

 private:
  Status build(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs, int64_t group, bool with_bias,
               const fb::Activation* activation);
  // Sets depthwise_ (depthwise_vnni_) when the conv is in depthwise_int8.h's (depthwise_vnni.h's)
  // scope on this CPU.
  void try_depthwise_int8(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs, const fb::Activation* activation);
  // Sets winograd_ when the conv is in winograd_f32.h's scope on this CPU.
  void try_winograd_f32(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs, int64_t group,
                        const fb::Activation* activation);
  // Sets winograd_int8_ when the conv is in winograd_int8.h's scope on this CPU.
  void try_winograd_int8(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs, int64_t group,
                         const fb::Activation* activation);
  // Sets pointwise_ when the conv is in pointwise_int8.h's scope on this CPU.
  void try_pointwise_int8(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs, int64_t group,
                          const fb::Activation* activation);
  // Output rows [oh0, oh1) of a row band (see the top of this file), from input rows [ih0, ih1)
  // with pad_top and pad_bottom rows of padding around them.
  struct RowRange {
    int64_t oh0, oh1, ih0, ih1, pad_top, pad_bottom;
  };
  // The row bands of this conv, one per thread; none when it is not split.
  std::vector<RowRange> row_bands(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs, int64_t group) const;

  conv_int8::Plan plan_;
  std::unique_ptr<depthwise_int8::DepthwiseInt8> depthwise_;
  std::unique_ptr<depthwise_vnni::DepthwiseVnni> depthwise_vnni_;
  std::unique_ptr<pointwise_int8::PointwiseInt8> pointwise_;
  std::unique_ptr<winograd_f32::WinogradF32> winograd_;
  std::unique_ptr<winograd_int8::WinogradInt8> winograd_int8_;
  conv_int8::ResidualCopy residual_;
  DnnlStep step_;  // the whole conv, unless it runs in bands_
  struct Band {
    DnnlStep step;
    dnnl::stream stream;
  };
  std::vector<Band> bands_;
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
  try_pointwise_int8(ctx, attrs, group, options->activation());
  try_winograd_f32(ctx, attrs, group, options->activation());
  try_winograd_int8(ctx, attrs, group, options->activation());
  if (depthwise_ || depthwise_vnni_ || pointwise_ || winograd_ || winograd_int8_) return Status::ok();
  return dnnl_util::guard(ctx, [&] { return build(ctx, attrs, group, with_bias, options->activation()); });
}

void ConvKernel::try_depthwise_int8(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs,
                                    const fb::Activation* activation) {
  const std::vector<int64_t>& x = ctx.input(0).dims;
  const std::vector<int64_t>& y = ctx.output(0).dims;
  const bool dense = all_equal(attrs.dilations, 1);
  const int64_t taps = x.size() == 4 ? attrs.kernel[0] * attrs.kernel[1] : 0;
  if (!plan_.int8 || !plan_.depthwise || plan_.residual || !dense || taps < 1 || !avx2::supports(activation))
    return;
  const depthwise_int8::Geometry g{x[0], x[1], x[2], x[3], attrs.kernel[0], attrs.kernel[1], attrs.strides[0],
                                   attrs.strides[1], attrs.pad_begin[0], attrs.pad_begin[1], y[2], y[3]};
  const auto* weights = static_cast<const int8_t*>(ctx.constant(1));
  const int32_t* bias = constant_bias<int32_t>(ctx);
  if (avx2::available() && taps <= depthwise_int8::kMaxTaps && (taps > 1 || x[1] % 16 == 0)) {
    depthwise_ = std::make_unique<depthwise_int8::DepthwiseInt8>(
        g, weights, bias, plan_.output_scales, activation, plan_.x_dtype, plan_.y_dtype, plan_.y_scale);
    ctx.set_impl("saturn_dw_int8:avx2");
  } else if (const auto kind = activation != nullptr ? activation->kind() : fb::ActivationKind::None;
             avx512_vnni::available() && depthwise_vnni::in_scope(g, plan_.x_dtype, plan_.y_dtype, kind)) {
    depthwise_vnni_ = std::make_unique<depthwise_vnni::DepthwiseVnni>(
        g, weights, bias, plan_.output_scales, activation, plan_.x_dtype, plan_.y_dtype, plan_.y_scale,
        omp_get_max_threads());
    ctx.request_scratch(depthwise_vnni_->scratch_bytes());
    ctx.set_impl("saturn_dw_int8:avx512_vnni");
  }
}

void ConvKernel::try_pointwise_int8(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs, int64_t group,
                                    const fb::Activation* activation) {
  const std::vector<int64_t>& x = ctx.input(0).dims;
  const int64_t k = x[1], m = ctx.output(0).dims[1];
  const bool one = all_equal(attrs.kernel, 1) && all_equal(attrs.strides, 1) && all_equal(attrs.pad_begin, 0) &&
                   all_equal(attrs.pad_end, 0);
  const int64_t taps = x.size() == 4 ? attrs.kernel[0] * attrs.kernel[1] : 0;
  const bool stem = x.size() == 4 && all_equal(attrs.dilations, 1) && k <= pointwise_int8::kMaxGatheredChannels &&
                    k * taps >= pointwise_int8::kMinGatheredK;
  if (depthwise_ || !plan_.int8 || plan_.residual || group != 1 || x.size() != 4 || !(one || stem) ||
      k * taps > pointwise_int8::kMaxK || k * taps * m > pointwise_int8::kMaxWeightBytes ||
      !pointwise_int8::exact_for(plan_.x_dtype, plan_.max_abs_weight, plan_.even_weights) ||
      !avx2::supports(activation) || !avx2::available())
    return;
  const int32_t* bias = constant_bias<int32_t>(ctx);
  const std::vector<int64_t>& y = ctx.output(0).dims;
  const pointwise_int8::Window window{x[1], x[2], x[3], attrs.kernel[0], attrs.kernel[1], attrs.strides[0],
                                      attrs.strides[1], attrs.pad_begin[0], attrs.pad_begin[1], y[2], y[3]};
  pointwise_ = std::make_unique<pointwise_int8::PointwiseInt8>(
      y[0] * y[2] * y[3], k * taps, m, static_cast<const int8_t*>(ctx.constant(1)), bias, plan_.output_scales,
      activation, plan_.x_dtype, plan_.y_dtype, plan_.y_scale, one ? nullptr : &window);
  ctx.set_impl(one ? "saturn_1x1_int8:avx2" : "saturn_im2col_int8:avx2");
}

void ConvKernel::try_winograd_f32(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs, int64_t group,
                                  const fb::Activation* activation) {
  const std::vector<int64_t>& x = ctx.input(0).dims;
  const std::vector<int64_t>& y = ctx.output(0).dims;
  if (plan_.int8 || plan_.residual || group != 1 || x.size() != 4 || !all_equal(attrs.kernel, 3) ||
      !all_equal(attrs.strides, 1) || !all_equal(attrs.dilations, 1) || x[1] % 8 != 0 || y[1] % 8 != 0 ||
      16 * x[1] * y[1] * static_cast<int64_t>(sizeof(float)) > winograd_f32::kMaxWeightBytes ||
      !winograd_f32::supports(activation) || !avx2::available_at_avx2_or_above())
    return;
  const winograd_f32::Geometry g{x[0], x[1], x[2], x[3], attrs.pad_begin[0], attrs.pad_begin[1], y[1], y[2], y[3]};
  winograd_ = std::make_unique<winograd_f32::WinogradF32>(
      g, static_cast<const float*>(ctx.constant(1)), constant_bias<float>(ctx), activation, omp_get_max_threads());
  ctx.request_scratch(winograd_->scratch_bytes());
  ctx.set_impl("saturn_winograd_f32:avx2");
}

void ConvKernel::try_winograd_int8(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs, int64_t group,
                                   const fb::Activation* activation) {
  const std::vector<int64_t>& x = ctx.input(0).dims;
  const std::vector<int64_t>& y = ctx.output(0).dims;
  const bool nhwc_residual = plan_.residual && ctx.input(3).layout == ctx.output(0).layout;
  if (!plan_.int8 || plan_.depthwise || (plan_.residual && !nhwc_residual) || group != 1 || x.size() != 4 ||
      !all_equal(attrs.kernel, 3) || !all_equal(attrs.strides, 1) || !all_equal(attrs.dilations, 1) ||
      !avx2::supports(activation) || !avx2::available())
    return;
  const int32_t* bias = constant_bias<int32_t>(ctx);
  const winograd_int8::Geometry g{x[0], x[1], x[2], x[3], attrs.pad_begin[0], attrs.pad_begin[1], y[1], y[2], y[3]};
  if (!winograd_int8::in_scope(g, bias)) return;
  const winograd_int8::Residual residual{plan_.residual_dtype, plan_.sum_scale};
  winograd_int8_ = std::make_unique<winograd_int8::WinogradInt8>(
      g, static_cast<const int8_t*>(ctx.constant(1)), bias, plan_.output_scales, activation, plan_.x_dtype,
      plan_.y_dtype, plan_.y_scale, omp_get_max_threads(), plan_.residual ? &residual : nullptr);
  // Each output reads its own residual element just before it is written: Y may take R's bytes.
  if (plan_.residual) ctx.output_may_reuse_input(3);
  ctx.request_scratch(winograd_int8_->scratch_bytes());
  ctx.set_impl("saturn_winograd_int8:avx2");
}

std::vector<ConvKernel::RowRange> ConvKernel::row_bands(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs,
                                                        int64_t group) const {
  const std::vector<int64_t>& x = ctx.input(0).dims;
  const int64_t threads = omp_get_max_threads();
  if (plan_.int8 || threads < 2 || x.size() != 4 || x[0] != 1 || group != 1 || attrs.kernel[0] * attrs.kernel[1] == 1)
    return {};
  const int64_t rows = ctx.output(0).dims[2];
  const bool even = rows % threads == 0 ? rows >= 2 * threads : rows >= 8 * threads;  // at most 1/8 idle
  if (!even) return {};
  std::vector<RowRange> bands;
  for (int64_t b = 0; b < threads; ++b) {
    const int64_t oh0 = rows * b / threads, oh1 = rows * (b + 1) / threads;
    // Input rows [first, last) of its windows, pads included.
    const int64_t first = oh0 * attrs.strides[0] - attrs.pad_begin[0];
    const int64_t last = (oh1 - 1) * attrs.strides[0] - attrs.pad_begin[0] + attrs.window(0);
    const int64_t ih0 = std::max<int64_t>(first, 0), ih1 = std::min(last, x[2]);
    if (ih1 <= ih0) return {};  // a band inside the padding (pads larger than the window)
    bands.push_back({oh0, oh1, ih0, ih1, ih0 - first, last - ih1});
  }
  return bands;
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
  const memory::dims strides(attrs.strides.begin(), attrs.strides.end());
  const auto prop = dnnl::prop_kind::forward_inference;
  const auto alg = dnnl::algorithm::convolution_direct;
  // The convolution from X rows [ih0, ih0 + x.dims[2]) to Y rows [oh0, oh0 + y.dims[2]) (all rows
  // when unsplit), with the pads inside them, bound at those rows.
  ScratchPlan scratch;
  dnnl::memory weights, bias;
  std::string impl;
  auto bind = [&](DnnlStep& step, TensorDesc x, TensorDesc y, int64_t ih0, int64_t oh0, memory::dims pad_l,
                  memory::dims pad_r) -> Status {
    const memory::desc src_md = dnnl_util::memory_desc(x), dst_md = dnnl_util::memory_desc(y);
    const dnnl::convolution_forward::desc desc =
        with_bias ? dnnl::convolution_forward::desc(prop, alg, src_md, w_any, bias_md, dst_md, strides,
                                                    attrs.dnnl_dilations(), pad_l, pad_r)
                  : dnnl::convolution_forward::desc(prop, alg, src_md, w_any, dst_md, strides,
                                                    attrs.dnnl_dilations(), pad_l, pad_r);
    dnnl::convolution_forward::primitive_desc pd(desc, conv_int8::attributes(plan_, activation), ctx.engine());
    if (!conv_int8::select_exact_impl(plan_, pd)) {
      return ctx.error("oneDNN has no exact INT8 implementation for these operands on this CPU (no VNNI; " +
                       dnnl_util::impl_name(pd) + " is not exact)");
    }
    step.set_primitive(dnnl::convolution_forward(pd));
    // Byte offset of NHWC row `row` (bands split rank-4 tensors only; the rank-3 X of a 1D conv has
    // no dims[3] to read).
    const auto row_offset = [](const TensorDesc& t, int64_t row) {
      return row == 0 ? size_t{0} : static_cast<size_t>(row * t.dims[1] * t.dims[3]) * dtype_size(t.dtype);
    };
    step.bind_input(DNNL_ARG_SRC, pd.src_desc(), ctx.engine(), 0, row_offset(x, ih0));
    if (!weights || weights.get_desc() != pd.weights_desc())
      weights = dnnl_util::reorder_constant(ctx, w_plain, ctx.constant(1), pd.weights_desc());
    step.bind_owned(DNNL_ARG_WEIGHTS, weights);
    if (with_bias) {
      if (!bias) bias = dnnl_util::reorder_constant(ctx, bias_md, ctx.constant(2), pd.bias_desc());
      step.bind_owned(DNNL_ARG_BIAS, bias);
    }
    step.bind_output(DNNL_ARG_DST, pd.dst_desc(), ctx.engine(), 0, row_offset(y, oh0));
    step.bind_scratchpad(pd, ctx.engine(), scratch);
    impl = dnnl_util::impl_name(pd);
    return Status::ok();
  };
  const memory::dims pad_l(attrs.pad_begin.begin(), attrs.pad_begin.end());
  const memory::dims pad_r(attrs.pad_end.begin(), attrs.pad_end.end());
  const std::vector<RowRange> bands = row_bands(ctx, attrs, group);
  if (bands.empty()) {
    SATURN_RETURN_IF_ERROR(bind(step_, ctx.input(0), ctx.output(0), 0, 0, pad_l, pad_r));
  } else {
    const ScopedThreads one(1);  // each band's primitive runs on one thread
    bands_.resize(bands.size());
    for (size_t b = 0; b < bands.size(); ++b) {
      const RowRange& r = bands[b];
      TensorDesc x = ctx.input(0), y = ctx.output(0);
      x.dims[2] = r.ih1 - r.ih0;
      y.dims[2] = r.oh1 - r.oh0;
      SATURN_RETURN_IF_ERROR(
          bind(bands_[b].step, x, y, r.ih0, r.oh0, {r.pad_top, pad_l[1]}, {r.pad_bottom, pad_r[1]}));
      bands_[b].stream = dnnl::stream(ctx.engine());
    }
    impl += " in " + std::to_string(bands.size()) + " row bands";
  }
  ctx.set_impl(impl);
  if (plan_.residual) residual_.prepare(ctx, 3, scratch);
  ctx.request_scratch(scratch.total());
  return Status::ok();
}

}  // namespace

std::unique_ptr<Kernel> make_conv_kernel() { return std::make_unique<ConvKernel>(); }

}  // namespace saturn
