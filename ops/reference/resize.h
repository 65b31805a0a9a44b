// Scalar reference of nearest Resize on any element type (INT8: data movement, X and Y share one
// dtype and one scale; schema/saturn.fbs), written from the ONNX operator definition. X is
// row-major [N, C, H, W]; Y is row-major [N, C, out_h, out_w]. Per output index o along a dim of
// input length `in`, output length `out` and scale s, the source coordinate (float, as ONNX
// Runtime computes it) is
//   HalfPixel (o + 0.5) / s - 0.5;  Asymmetric o / s;  AlignCorners o * (in - 1) / (out - 1) (0 when
//   out == 1);  PytorchHalfPixel as HalfPixel when out > 1, else 0;  TfHalfPixelForNearest (o + 0.5) / s,
// rounded per NearestRounding (RoundPreferFloor/Ceil decide exact halves) and clamped to [0, in - 1].
#pragma once

#include <cstdint>
#include <vector>

#include "saturn/schema/saturn_generated.h"

namespace saturn::reference {

struct NearestResize {
  std::vector<int64_t> x;    // [N, C, H, W]
  int64_t out_h = 1, out_w = 1;
  float scale_h = 1.f, scale_w = 1.f;
  fb::CoordinateTransform transform = fb::CoordinateTransform::HalfPixel;
  fb::NearestRounding rounding = fb::NearestRounding::RoundPreferFloor;
};

// T is uint8_t, int8_t or float.
template <typename T>
std::vector<T> resize_nearest(const NearestResize& p, const T* x);

}  // namespace saturn::reference
