#include "ops/reference/resize.h"

#include <algorithm>
#include <cmath>

namespace saturn::reference {
namespace {

// The source index of output index `o` along one dim.
int64_t source_index(const NearestResize& p, int64_t o, int64_t in, int64_t out, float scale) {
  const float x_out = static_cast<float>(o);
  float x = 0.f;
  switch (p.transform) {
    case fb::CoordinateTransform::HalfPixel: x = (x_out + 0.5f) / scale - 0.5f; break;
    case fb::CoordinateTransform::Asymmetric: x = x_out / scale; break;
    case fb::CoordinateTransform::AlignCorners:
      x = out == 1 ? 0.f : x_out * static_cast<float>(in - 1) / static_cast<float>(out - 1);
      break;
    case fb::CoordinateTransform::PytorchHalfPixel: x = out > 1 ? (x_out + 0.5f) / scale - 0.5f : 0.f; break;
    case fb::CoordinateTransform::TfHalfPixelForNearest: x = (x_out + 0.5f) / scale; break;
  }
  float r = 0.f;
  const bool half = x - std::floor(x) == 0.5f;
  switch (p.rounding) {
    case fb::NearestRounding::RoundPreferFloor: r = half ? std::floor(x) : std::round(x); break;
    case fb::NearestRounding::RoundPreferCeil: r = half ? std::ceil(x) : std::round(x); break;
    case fb::NearestRounding::Floor: r = std::floor(x); break;
    case fb::NearestRounding::Ceil: r = std::ceil(x); break;
  }
  return std::clamp<int64_t>(static_cast<int64_t>(r), 0, in - 1);
}

}  // namespace

template <typename T>
std::vector<T> resize_nearest(const NearestResize& p, const T* x) {
  const int64_t planes = p.x[0] * p.x[1], in_h = p.x[2], in_w = p.x[3];
  std::vector<T> y(static_cast<size_t>(planes * p.out_h * p.out_w));
  for (int64_t plane = 0; plane < planes; ++plane) {
    for (int64_t h = 0; h < p.out_h; ++h) {
      const int64_t ih = source_index(p, h, in_h, p.out_h, p.scale_h);
      for (int64_t w = 0; w < p.out_w; ++w) {
        const int64_t iw = source_index(p, w, in_w, p.out_w, p.scale_w);
        y[(plane * p.out_h + h) * p.out_w + w] = x[(plane * in_h + ih) * in_w + iw];
      }
    }
  }
  return y;
}

template std::vector<uint8_t> resize_nearest(const NearestResize&, const uint8_t*);
template std::vector<int8_t> resize_nearest(const NearestResize&, const int8_t*);
template std::vector<float> resize_nearest(const NearestResize&, const float*);

}  // namespace saturn::reference
