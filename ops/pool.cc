// Pool and GlobalPool (FP32) on oneDNN pooling_v2 over 1 to 3 spatial dims. X is Nhwc when rank 4
// (registry policy kNhwc), Plain otherwise; Y has the same layout.
//
// Pool: Max or Average, strides, dilations, asymmetric pads, ceil_mode, count_include_pad.
//   - Output size per spatial dim: floor or ceil((in + pads - window) / stride) + 1, where
//     window = (kernel - 1) * dilation + 1; with ceil_mode a last window that would start in the
//     end padding is dropped (ONNX / PyTorch rule).
//   - oneDNN gets the end padding that makes its floor formula produce that size.
//   - Average with count_include_pad divides by the taps inside [-pad_begin, in + pad_end), the
//     declared pads only. oneDNN's include-padding divides by the whole kernel, so where ceil_mode
//     extends a window past the declared end padding, run() rescales those outputs.
// FP32 max pooling of an Nhwc X without dilation runs as a plain loop over each window, a pixel's
// channels at a time (oneDNN 2.6's AVX2 FP32 max pooling took 0.4-0.85 ms for ResNet-50's
// 112x112x64 stem pool, its u8 one 0.04 ms). Windows are clipped to X: padding never wins a max.
// GlobalPool: one window over all spatial dims.
//
// INT8 (X is U8 or S8; schema/saturn.fbs): Y has X's dtype and X and Y must have the same single
// scale, so oneDNN pools the quantized values directly (average: s32 sum, then a division that
// rounds half to even and saturates). Where the FP32 path rescales (see above), the INT8 path
// instead recomputes those outputs exactly from X in run(), since rescaling a rounded value would
// round twice.
#include <algorithm>
#include <limits>

#include "ops/dnnl/dnnl_util.h"
#include "ops/dnnl/primitive_util.h"
#include "ops/dnnl/spatial_attrs.h"
#include "ops/dnnl_step.h"
#include "ops/op_util.h"
#include "ops/ops.h"
#include "ops/reference/quantize.h"

namespace saturn {
namespace {

using dnnl::memory;

// Builds the pooling primitive for input 0 -> output 0 (dims and layout already set).
Status build_pooling(PrepareContext& ctx, dnnl::algorithm alg, const dnnl_util::SpatialAttrs& attrs,
                     const std::vector<int64_t>& pad_end, DnnlStep* step) {
  const memory::desc src_md = dnnl_util::memory_desc(ctx.input(0));
  const memory::desc dst_md = dnnl_util::memory_desc(ctx.output(0));
  const dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, alg, src_md, dst_md,
                                            memory::dims(attrs.strides.begin(), attrs.strides.end()),
                                            memory::dims(attrs.kernel.begin(), attrs.kernel.end()),
                                            attrs.dnnl_dilations(),
                                            memory::dims(attrs.pad_begin.begin(), attrs.pad_begin.end()),
                                            memory::dims(pad_end.begin(), pad_end.end()));
  const dnnl::pooling_v2_forward::primitive_desc pd(desc, dnnl_util::attr_with_activation(nullptr),
                                                    ctx.engine());
  step->set_primitive(dnnl::pooling_v2_forward(pd));
  step->bind_input(DNNL_ARG_SRC, src_md, ctx.engine(), 0);
  step->bind_output(DNNL_ARG_DST, dst_md, ctx.engine(), 0);
  step->bind_only_scratchpad(ctx, pd);
  return Status::ok();
}

// The single scale of a quantized tensor, or 0 when it has none.
float single_scale(const fb::QuantParams* q) {
  return q == nullptr || q->scale() == nullptr || q->scale()->size() != 1 ? 0.f : q->scale()->Get(0);
}

Status expect_pool_input(PrepareContext& ctx) {
  SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 1, 1, 1));
  const DType x = ctx.input(0).dtype;
  if (x == DType::kU8 || x == DType::kS8) {
    const float x_scale = single_scale(ctx.input(0).quant);
    const float y_scale = single_scale(ctx.output(0).quant);
    if (x_scale <= 0.f) return ctx.error(op_util::input_label(ctx, 0) + " has no single quant scale, expected one");
    if (y_scale != x_scale) {
      return ctx.error(op_util::output_label(ctx, 0) + " has quant scale " + std::to_string(y_scale) +
                       ", expected the input's scale " + std::to_string(x_scale) + " (INT8 pooling keeps it)");
    }
  } else if (x != DType::kF32) {
    return ctx.error(op_util::input_label(ctx, 0) + " has dtype " + dtype_name(x) + ", expected f32, u8 or s8");
  }
  return op_util::check_rank(ctx, 0, 3, 5);
}

void set_output(PrepareContext& ctx, const std::vector<int64_t>& dims) {
  TensorDesc& out = ctx.output(0);
  out.dims = dims;
  out.dtype = ctx.input(0).dtype;
  out.layout = dims.size() == 4 ? Layout::kNhwc : Layout::kPlain;
}

class PoolKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override;
  void run(RunContext& ctx) const override;

 private:
  // Average with count_include_pad where ceil_mode reaches past the declared end padding: the
  // outputs at spatial offsets `rescale_offsets_` (within one channel, in elements) are multiplied
  // by `rescale_factors_` after oneDNN ran.
  void plan_rescale(const std::vector<int64_t>& x, const std::vector<int64_t>& y,
                    const dnnl_util::SpatialAttrs& attrs);
  // The plain FP32 Nhwc max pooling (see the header comment).
  void max_pool_nhwc(const float* x, float* y) const;
  // The INT8 counterpart: the outputs to recompute from X (see the header comment).
  void plan_recompute(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs);
  template <typename Q>
  void recompute(const Q* x, Q* y) const;

  struct Recomputed {
    int64_t y_offset;                 // within one (n, c) plane of Y, in elements
    int64_t divisor;                  // taps inside [-pad_begin, in + pad_end)
    std::vector<int64_t> x_offsets;   // the taps inside X, within one (n, c) plane of X
  };

  DnnlStep step_;
  std::vector<Recomputed> recomputed_;
  DType dtype_ = DType::kF32;
  std::vector<int64_t> x_strides_, y_strides_;  // element strides of X and Y by logical dim
  std::vector<int64_t> rescale_offsets_;
  std::vector<float> rescale_factors_;
  int64_t batch_ = 0, channels_ = 0, batch_stride_ = 0, channel_stride_ = 0;
  bool plain_max_ = false;  // max_pool_nhwc runs instead of step_
  int64_t in_h_ = 0, in_w_ = 0, out_h_ = 0, out_w_ = 0;
  dnnl_util::SpatialAttrs attrs_;
};

Status PoolKernel::prepare(PrepareContext& ctx) {
  const fb::Pool* options = ctx.node().op_as_Pool();
  if (options == nullptr) return ctx.error("options are not Pool");
  SATURN_RETURN_IF_ERROR(expect_pool_input(ctx));
  const std::vector<int64_t>& x = ctx.input(0).dims;
  const size_t spatial = x.size() - 2;
  dnnl_util::SpatialAttrs attrs;
  SATURN_RETURN_IF_ERROR(dnnl_util::read_spatial_attrs(ctx, spatial, options->kernel(), options->strides(),
                                                       options->dilations(), options->pads(), &attrs));
  std::vector<int64_t> y = {x[0], x[1]};
  std::vector<int64_t> pad_end(spatial);
  bool rescale = false;
  for (size_t d = 0; d < spatial; ++d) {
    const int64_t in = x[2 + d];
    const int64_t s = attrs.strides[d];
    const int64_t span = in + attrs.pad_begin[d] + attrs.pad_end[d] - attrs.window(d);
    if (span < 0) {
      return ctx.error("spatial dim " + std::to_string(d) + " of X " + op_util::dims_string(x) +
                       " plus pads is smaller than the dilated kernel window " +
                       std::to_string(attrs.window(d)));
    }
    int64_t out = span / s + 1;
    if (options->ceil_mode()) {
      out = (span + s - 1) / s + 1;
      if ((out - 1) * s >= in + attrs.pad_begin[d]) --out;
    }
    y.push_back(out);
    pad_end[d] = attrs.pad_end[d];
    if (span / s + 1 != out) pad_end[d] = (out - 1) * s + attrs.window(d) - in - attrs.pad_begin[d];
    if (pad_end[d] < 0) {
      return ctx.error("pads " + op_util::dims_string(attrs.pad_begin) + " + " +
                       op_util::dims_string(attrs.pad_end) +
                       " leave no consistent end padding in spatial dim " + std::to_string(d) +
                       ", expected pads smaller than the kernel window");
    }
    if (pad_end[d] > attrs.pad_end[d]) rescale = true;
  }
  set_output(ctx, y);
  dnnl::algorithm alg = dnnl::algorithm::pooling_max;
  if (options->kind() == fb::PoolKind::Average) {
    alg = options->count_include_pad() ? dnnl::algorithm::pooling_avg_include_padding
                                       : dnnl::algorithm::pooling_avg_exclude_padding;
  } else if (options->kind() != fb::PoolKind::Max) {
    return ctx.error("pool kind " + std::to_string(static_cast<int>(options->kind())) + " is unknown");
  }
  rescale_offsets_.clear();
  rescale_factors_.clear();
  recomputed_.clear();
  dtype_ = ctx.input(0).dtype;
  plain_max_ = alg == dnnl::algorithm::pooling_max && dtype_ == DType::kF32 && x.size() == 4 &&
               attrs.dilations[0] == 1 && attrs.dilations[1] == 1;
  if (plain_max_) {
    attrs_ = attrs;
    batch_ = x[0], channels_ = x[1], in_h_ = x[2], in_w_ = x[3], out_h_ = y[2], out_w_ = y[3];
    ctx.set_impl("plain:max_pool_nhwc");
    return Status::ok();
  }
  if (rescale && alg == dnnl::algorithm::pooling_avg_include_padding) {
    if (dtype_ == DType::kF32) {
      plan_rescale(x, y, attrs);
    } else {
      plan_recompute(ctx, attrs);
    }
  }
  return dnnl_util::guard(ctx, [&] { return build_pooling(ctx, alg, attrs, pad_end, &step_); });
}

void PoolKernel::plan_rescale(const std::vector<int64_t>& x, const std::vector<int64_t>& y,
                              const dnnl_util::SpatialAttrs& attrs) {
  const size_t spatial = y.size() - 2;
  // Per spatial dim: kernel / (taps inside [-pad_begin, in + pad_end)) for each output position.
  std::vector<std::vector<float>> factor(spatial);
  for (size_t d = 0; d < spatial; ++d) {
    for (int64_t o = 0; o < y[2 + d]; ++o) {
      const int64_t start = o * attrs.strides[d] - attrs.pad_begin[d];
      int64_t taps = 0;
      for (int64_t k = 0; k < attrs.kernel[d]; ++k)
        taps += start + k * attrs.dilations[d] < x[2 + d] + attrs.pad_end[d];
      factor[d].push_back(static_cast<float>(attrs.kernel[d]) / static_cast<float>(taps));
    }
  }
  // Element strides of the output's spatial dims, channel and batch in its layout.
  const bool nhwc = y.size() == 4;
  std::vector<int64_t> stride(y.size());
  if (nhwc) {
    channel_stride_ = 1;
    stride[3] = y[1];
    stride[2] = y[3] * y[1];
    batch_stride_ = y[2] * y[3] * y[1];
  } else {
    int64_t s = 1;
    for (size_t i = y.size(); i-- > 2;) {
      stride[i] = s;
      s *= y[i];
    }
    channel_stride_ = s;
    batch_stride_ = s * y[1];
  }
  batch_ = y[0];
  channels_ = y[1];
  std::vector<int64_t> pos(spatial, 0);
  for (;;) {
    float f = 1.f;
    int64_t offset = 0;
    for (size_t d = 0; d < spatial; ++d) {
      f *= factor[d][pos[d]];
      offset += pos[d] * stride[2 + d];
    }
    if (f != 1.f) {
      rescale_offsets_.push_back(offset);
      rescale_factors_.push_back(f);
    }
    size_t d = spatial;
    while (d > 0 && ++pos[d - 1] == y[2 + d - 1]) pos[--d] = 0;
    if (d == 0) break;
  }
}

void PoolKernel::plan_recompute(PrepareContext& ctx, const dnnl_util::SpatialAttrs& attrs) {
  const std::vector<int64_t>& x = ctx.input(0).dims;
  const std::vector<int64_t>& y = ctx.output(0).dims;
  x_strides_ = op_util::strides(x, ctx.input(0).layout);
  y_strides_ = op_util::strides(y, ctx.output(0).layout);
  batch_ = y[0];
  channels_ = y[1];
  const size_t spatial = y.size() - 2;
  // Per spatial dim and output index: the tap positions inside X and the taps inside the pads.
  std::vector<std::vector<std::vector<int64_t>>> inside(spatial);
  std::vector<std::vector<int64_t>> declared(spatial);
  int64_t window = 1;
  for (size_t d = 0; d < spatial; ++d) {
    window *= attrs.kernel[d];
    for (int64_t o = 0; o < y[2 + d]; ++o) {
      std::vector<int64_t> taps;
      int64_t count = 0;
      for (int64_t k = 0; k < attrs.kernel[d]; ++k) {
        const int64_t i = o * attrs.strides[d] - attrs.pad_begin[d] + k * attrs.dilations[d];
        if (i >= 0 && i < x[2 + d]) taps.push_back(i);
        count += i < x[2 + d] + attrs.pad_end[d];
      }
      inside[d].push_back(taps);
      declared[d].push_back(count);
    }
  }
  std::vector<int64_t> pos(spatial, 0);
  for (;;) {
    Recomputed r{0, 1, {0}};
    for (size_t d = 0; d < spatial; ++d) {
      r.y_offset += pos[d] * y_strides_[2 + d];
      r.divisor *= declared[d][pos[d]];
      std::vector<int64_t> offsets;
      for (int64_t base : r.x_offsets)
        for (int64_t i : inside[d][pos[d]]) offsets.push_back(base + i * x_strides_[2 + d]);
      r.x_offsets = std::move(offsets);
    }
    if (r.divisor != window) recomputed_.push_back(std::move(r));
    size_t d = spatial;
    while (d > 0 && ++pos[d - 1] == y[2 + d - 1]) pos[--d] = 0;
    if (d == 0) break;
  }
}

template <typename Q>
void PoolKernel::recompute(const Q* x, Q* y) const {
  for (int64_t n = 0; n < batch_; ++n) {
    for (int64_t c = 0; c < channels_; ++c) {
      const Q* xc = x + n * x_strides_[0] + c * x_strides_[1];
      Q* yc = y + n * y_strides_[0] + c * y_strides_[1];
      for (const Recomputed& r : recomputed_) {
        int32_t sum = 0;
        for (int64_t offset : r.x_offsets) sum += xc[offset];
        yc[r.y_offset] = reference::saturate_round<Q, double>(static_cast<double>(sum) / static_cast<double>(r.divisor));
      }
    }
  }
}

void PoolKernel::max_pool_nhwc(const float* x, float* y) const {
  const int64_t c = channels_;
#pragma omp parallel for schedule(static)
  for (int64_t row = 0; row < batch_ * out_h_; ++row) {
    const int64_t n = row / out_h_, oh = row % out_h_;
    const int64_t h0 = std::max<int64_t>(0, oh * attrs_.strides[0] - attrs_.pad_begin[0]);
    const int64_t h1 = std::min(in_h_, oh * attrs_.strides[0] - attrs_.pad_begin[0] + attrs_.kernel[0]);
    for (int64_t ow = 0; ow < out_w_; ++ow) {
      const int64_t w0 = std::max<int64_t>(0, ow * attrs_.strides[1] - attrs_.pad_begin[1]);
      const int64_t w1 = std::min(in_w_, ow * attrs_.strides[1] - attrs_.pad_begin[1] + attrs_.kernel[1]);
      float* out = y + ((n * out_h_ + oh) * out_w_ + ow) * c;
      std::fill(out, out + c, -std::numeric_limits<float>::infinity());
      for (int64_t h = h0; h < h1; ++h)
        for (int64_t w = w0; w < w1; ++w) {
          const float* in = x + ((n * in_h_ + h) * in_w_ + w) * c;
          for (int64_t k = 0; k < c; ++k) out[k] = std::max(out[k], in[k]);
        }
    }
  }
}

void PoolKernel::run(RunContext& ctx) const {
  if (plain_max_) {
    max_pool_nhwc(static_cast<const float*>(ctx.input(0)), static_cast<float*>(ctx.output(0)));
    return;
  }
  step_.run(ctx);
  if (!recomputed_.empty()) {
    if (dtype_ == DType::kU8) {
      recompute(static_cast<const uint8_t*>(ctx.input(0)), static_cast<uint8_t*>(ctx.output(0)));
    } else {
      recompute(static_cast<const int8_t*>(ctx.input(0)), static_cast<int8_t*>(ctx.output(0)));
    }
  }
  if (rescale_offsets_.empty()) return;
  float* y = static_cast<float*>(ctx.output(0));
  for (int64_t n = 0; n < batch_; ++n) {
    for (int64_t c = 0; c < channels_; ++c) {
      float* base = y + n * batch_stride_ + c * channel_stride_;
      for (size_t i = 0; i < rescale_offsets_.size(); ++i) base[rescale_offsets_[i]] *= rescale_factors_[i];
    }
  }
}

class GlobalPoolKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override;
  void run(RunContext& ctx) const override { step_.run(ctx); }

 private:
  DnnlStep step_;
};

Status GlobalPoolKernel::prepare(PrepareContext& ctx) {
  const fb::GlobalPool* options = ctx.node().op_as_GlobalPool();
  if (options == nullptr) return ctx.error("options are not GlobalPool");
  SATURN_RETURN_IF_ERROR(expect_pool_input(ctx));
  const std::vector<int64_t>& x = ctx.input(0).dims;
  const size_t spatial = x.size() - 2;
  dnnl_util::SpatialAttrs attrs;
  attrs.kernel.assign(x.begin() + 2, x.end());
  attrs.strides.assign(spatial, 1);
  attrs.dilations.assign(spatial, 1);
  attrs.pad_begin.assign(spatial, 0);
  attrs.pad_end.assign(spatial, 0);
  std::vector<int64_t> y = {x[0], x[1]};
  y.resize(x.size(), 1);
  set_output(ctx, y);
  dnnl::algorithm alg;
  switch (options->kind()) {
    case fb::PoolKind::Max: alg = dnnl::algorithm::pooling_max; break;
    case fb::PoolKind::Average: alg = dnnl::algorithm::pooling_avg_exclude_padding; break;
    default:
      return ctx.error("pool kind " + std::to_string(static_cast<int>(options->kind())) + " is unknown");
  }
  return dnnl_util::guard(ctx, [&] { return build_pooling(ctx, alg, attrs, attrs.pad_end, &step_); });
}

}  // namespace

std::unique_ptr<Kernel> make_pool_kernel() { return std::make_unique<PoolKernel>(); }
std::unique_ptr<Kernel> make_global_pool_kernel() { return std::make_unique<GlobalPoolKernel>(); }

}  // namespace saturn
