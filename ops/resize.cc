// Resize (FP32), plain C++: Nearest (every NearestRounding) or Linear (bilinear) over the two
// trailing dims of a rank-4 X, with every CoordinateTransform of the schema. Y's dims are the
// `sizes` option (N and C unchanged), and Y takes X's layout (Plain or Nhwc); elements are addressed
// through strides. Inputs after X (ONNX roi/scales/sizes) are ignored: the converter resolved them
// into the options.
//
// Per output index o along a dim of input length `in`, output length `out` and scale s:
//   HalfPixel             x = (o + 0.5) / s - 0.5
//   Asymmetric            x = o / s
//   AlignCorners          x = out == 1 ? 0 : o * (in - 1) / (in * s - 1)
//   PytorchHalfPixel      x = out > 1 ? (o + 0.5) / s - 0.5 : 0
//   TfHalfPixelForNearest x = (o + 0.5) / s
// computed in float, as ONNX Runtime does. Nearest rounds x (ties per NearestRounding) and clamps to
// [0, in - 1]; Linear clamps x to [0, in - 1] and interpolates floor(x) and floor(x) + 1 (clamped).
// INT8 (Nearest only; schema/saturn.fbs): X is U8 or S8 and Y has X's dtype and the same single
// scale; nearest only moves bytes, so the same loops run on 1-byte elements.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "ops/op_util.h"
#include "ops/ops.h"

namespace saturn {
namespace {

// Source taps of one output index along one dim: offsets already multiplied by the input stride.
struct Taps {
  int64_t lo = 0;
  int64_t hi = 0;
  float w_lo = 1.f;
  float w_hi = 0.f;
};

float source_coordinate(fb::CoordinateTransform t, int64_t o, int64_t in, int64_t out, float scale) {
  const float x = static_cast<float>(o);
  switch (t) {
    case fb::CoordinateTransform::HalfPixel: return (x + 0.5f) / scale - 0.5f;
    case fb::CoordinateTransform::Asymmetric: return x / scale;
    case fb::CoordinateTransform::AlignCorners: {
      // The resized length is in * scale as a real number (ONNX), which differs from `out` when the
      // model gave scales that do not divide evenly (e.g. 4 * 0.6 = 2.4 -> out 2).
      const float resized = static_cast<float>(in) * scale;
      return out == 1 || resized == 1.f ? 0.f : x * static_cast<float>(in - 1) / (resized - 1.f);
    }
    case fb::CoordinateTransform::PytorchHalfPixel: return out > 1 ? (x + 0.5f) / scale - 0.5f : 0.f;
    case fb::CoordinateTransform::TfHalfPixelForNearest: return (x + 0.5f) / scale;
  }
  return 0.f;
}

int64_t round_nearest(fb::NearestRounding r, float x) {
  const float f = std::floor(x);
  switch (r) {
    case fb::NearestRounding::RoundPreferFloor:
      return static_cast<int64_t>(x == f + 0.5f ? f : std::round(x));
    case fb::NearestRounding::RoundPreferCeil:
      return static_cast<int64_t>(x == f + 0.5f ? f + 1.f : std::round(x));
    case fb::NearestRounding::Floor: return static_cast<int64_t>(f);
    case fb::NearestRounding::Ceil: return static_cast<int64_t>(std::ceil(x));
  }
  return 0;
}

class ResizeKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override;
  void run(RunContext& ctx) const override;

 private:
  template <typename T>
  void run_typed(const T* x, T* y) const;
  Status check_int8(PrepareContext& ctx, const fb::Resize& options) const;

  std::vector<Taps> plan_dim(const fb::Resize& options, int64_t in, int64_t out, float scale,
                             int64_t stride) const;

  DType dtype_ = DType::kF32;
  bool nhwc_ = false;
  bool nearest_ = false;
  int64_t n_ = 0, c_ = 0, oh_ = 0, ow_ = 0;
  int64_t in_n_stride_ = 0, in_c_stride_ = 0;    // elements
  int64_t out_n_stride_ = 0, out_c_stride_ = 0;  // elements
  int64_t out_h_stride_ = 0, out_w_stride_ = 0;
  std::vector<Taps> rows_, cols_;
};

Status ResizeKernel::prepare(PrepareContext& ctx) {
  const fb::Resize* options = ctx.node().op_as_Resize();
  if (options == nullptr) return ctx.error("options are not Resize");
  SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 1, 4, 1));
  if (ctx.input(0).dtype != DType::kF32) SATURN_RETURN_IF_ERROR(check_int8(ctx, *options));
  SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 0, 4, 4));
  const TensorDesc& x = ctx.input(0);
  for (const auto& [name, count] :
       {std::pair<const char*, size_t>{"sizes", options->sizes() ? options->sizes()->size() : 0},
        {"scales", options->scales() ? options->scales()->size() : 0}}) {
    if (count != 4) {
      return ctx.error("attribute '" + std::string(name) + "' has " + std::to_string(count) +
                       " values, expected 4");
    }
  }
  std::vector<int64_t> y(options->sizes()->begin(), options->sizes()->end());
  if (y[0] != x.dims[0] || y[1] != x.dims[1]) {
    return ctx.error("attribute 'sizes' " + op_util::dims_string(y) + " changes N or C of X " +
                     op_util::dims_string(x.dims) + ", expected only the two trailing dims to be resized");
  }
  for (size_t d = 2; d < 4; ++d) {
    const float s = options->scales()->Get(static_cast<flatbuffers::uoffset_t>(d));
    if (y[d] < 1)
      return ctx.error("attribute 'sizes'[" + std::to_string(d) + "] is " + std::to_string(y[d]) +
                       ", expected >= 1");
    if (!(s > 0.f) || !std::isfinite(s)) {
      return ctx.error("attribute 'scales'[" + std::to_string(d) + "] is " + std::to_string(s) +
                       ", expected a finite value > 0");
    }
  }
  if (options->mode() != fb::ResizeMode::Nearest && options->mode() != fb::ResizeMode::Linear) {
    return ctx.error("resize mode " + std::to_string(static_cast<int>(options->mode())) + " is unknown");
  }
  TensorDesc& out = ctx.output(0);
  out.dims = y;
  out.dtype = x.dtype;
  out.layout = x.layout;
  dtype_ = x.dtype;

  nhwc_ = x.layout == Layout::kNhwc;
  nearest_ = options->mode() == fb::ResizeMode::Nearest;
  n_ = y[0];
  c_ = y[1];
  oh_ = y[2];
  ow_ = y[3];
  const std::vector<int64_t> in_strides = op_util::strides(x.dims, x.layout);
  const std::vector<int64_t> out_strides = op_util::strides(y, out.layout);
  in_n_stride_ = in_strides[0];
  in_c_stride_ = in_strides[1];
  out_n_stride_ = out_strides[0];
  out_c_stride_ = out_strides[1];
  out_h_stride_ = out_strides[2];
  out_w_stride_ = out_strides[3];
  rows_ = plan_dim(*options, x.dims[2], y[2], options->scales()->Get(2), in_strides[2]);
  cols_ = plan_dim(*options, x.dims[3], y[3], options->scales()->Get(3), in_strides[3]);
  ctx.set_impl(options->mode() == fb::ResizeMode::Nearest ? "plain:resize_nearest" : "plain:resize_linear");
  return Status::ok();
}

Status ResizeKernel::check_int8(PrepareContext& ctx, const fb::Resize& options) const {
  const TensorDesc& x = ctx.input(0);
  if (x.dtype != DType::kU8 && x.dtype != DType::kS8) {
    return ctx.error(op_util::input_label(ctx, 0) + " has dtype " + dtype_name(x.dtype) + ", expected f32, u8 or s8");
  }
  if (options.mode() != fb::ResizeMode::Nearest) {
    return ctx.error(op_util::input_label(ctx, 0) + " has dtype " + dtype_name(x.dtype) +
                     ", expected f32 for mode " + fb::EnumNameResizeMode(options.mode()) + " (INT8 is nearest only)");
  }
  auto scale = [](const fb::QuantParams* q) {
    return q == nullptr || q->scale() == nullptr || q->scale()->size() != 1 ? 0.f : q->scale()->Get(0);
  };
  const float x_scale = scale(x.quant), y_scale = scale(ctx.output(0).quant);
  if (x_scale <= 0.f) return ctx.error(op_util::input_label(ctx, 0) + " has no single quant scale, expected one");
  if (y_scale != x_scale) {
    return ctx.error(op_util::output_label(ctx, 0) + " has quant scale " + std::to_string(y_scale) +
                     ", expected the input's scale " + std::to_string(x_scale) + " (nearest Resize keeps it)");
  }
  return Status::ok();
}

std::vector<Taps> ResizeKernel::plan_dim(const fb::Resize& options, int64_t in, int64_t out, float scale,
                                         int64_t stride) const {
  std::vector<Taps> taps(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    const float x = source_coordinate(options.coordinate_transform(), o, in, out, scale);
    Taps& t = taps[static_cast<size_t>(o)];
    if (options.mode() == fb::ResizeMode::Nearest) {
      const int64_t i = std::clamp<int64_t>(round_nearest(options.nearest_rounding(), x), 0, in - 1);
      t = {i * stride, i * stride, 1.f, 0.f};
    } else {
      const float xc = std::clamp(x, 0.f, static_cast<float>(in - 1));
      const int64_t lo = std::min(static_cast<int64_t>(xc), in - 1);
      const int64_t hi = std::min(lo + 1, in - 1);
      const float w_hi = xc - static_cast<float>(lo);
      t = {lo * stride, hi * stride, 1.f - w_hi, w_hi};
    }
  }
  return taps;
}

void ResizeKernel::run(RunContext& ctx) const {
  if (dtype_ == DType::kF32) {
    run_typed(static_cast<const float*>(ctx.input(0)), static_cast<float*>(ctx.output(0)));
  } else {  // U8 or S8: nearest moves bytes
    run_typed(static_cast<const uint8_t*>(ctx.input(0)), static_cast<uint8_t*>(ctx.output(0)));
  }
}

template <typename T>
void ResizeKernel::run_typed(const T* x, T* y) const {
  // One output element from the channel plane at `src` (Linear: float only, checked in prepare).
  const bool nearest = nearest_;
  auto sample = [nearest](const T* src, const Taps& r, const Taps& c) -> T {
    if constexpr (std::is_same_v<T, float>) {
      if (!nearest) {
        return r.w_lo * (c.w_lo * src[r.lo + c.lo] + c.w_hi * src[r.lo + c.hi]) +
               r.w_hi * (c.w_lo * src[r.hi + c.lo] + c.w_hi * src[r.hi + c.hi]);
      }
    }
    return src[r.lo + c.lo];
  };
  if (nhwc_) {
    // One output row per iteration; a pixel's channels are contiguous, so nearest copies them whole.
#pragma omp parallel for schedule(static)
    for (int64_t row = 0; row < n_ * oh_; ++row) {
      const int64_t n = row / oh_, h = row % oh_;
      const T* xn = x + n * in_n_stride_;
      T* dst = y + n * out_n_stride_ + h * out_h_stride_;
      for (int64_t w = 0; w < ow_; ++w, dst += out_w_stride_) {
        if (nearest) {
          std::memcpy(dst, xn + rows_[h].lo + cols_[w].lo, static_cast<size_t>(c_) * sizeof(T));
          continue;
        }
        for (int64_t c = 0; c < c_; ++c) dst[c] = sample(xn + c * in_c_stride_, rows_[h], cols_[w]);
      }
    }
    return;
  }
  for (int64_t n = 0; n < n_; ++n) {
    const T* xn = x + n * in_n_stride_;
    T* yn = y + n * out_n_stride_;
    for (int64_t c = 0; c < c_; ++c) {
      const T* src = xn + c * in_c_stride_;
      T* dst = yn + c * out_c_stride_;
      for (int64_t h = 0; h < oh_; ++h) {
        for (int64_t w = 0; w < ow_; ++w) dst[h * out_h_stride_ + w] = sample(src, rows_[h], cols_[w]);
      }
    }
  }
}

}  // namespace

std::unique_ptr<Kernel> make_resize_kernel() { return std::make_unique<ResizeKernel>(); }

}  // namespace saturn
