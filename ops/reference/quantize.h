// Scalar reference for DESIGN section 2's quantization of one value: q = sat(round(x / alpha)).
// Rounding is half-to-even (std::nearbyint in the default rounding mode); saturation clamps to the
// type's range: s8 [-127, 127] (symmetric: -128 is never produced), u8 [0, 255].
// NaN quantizes to 0; +Inf and -Inf saturate to the type's bounds.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace saturn::reference {

template <typename Q>
struct QuantRange;
template <>
struct QuantRange<int8_t> {
  static constexpr float kMin = -127.f, kMax = 127.f;
};
template <>
struct QuantRange<uint8_t> {
  static constexpr float kMin = 0.f, kMax = 255.f;
};
template <>
struct QuantRange<int32_t> {
  static constexpr float kMin = -2147483520.f, kMax = 2147483520.f;  // largest floats inside int32
};

// Saturating round-half-to-even of an already scaled value (float, or double for references that
// compute the real value in double).
template <typename Q, typename F = float>
Q saturate_round(F scaled) {
  if (std::isnan(scaled)) return 0;
  const F clamped = std::clamp(scaled, static_cast<F>(QuantRange<Q>::kMin), static_cast<F>(QuantRange<Q>::kMax));
  return static_cast<Q>(std::nearbyint(clamped));
}

template <typename Q>
Q quantize(float x, float alpha) {
  return saturate_round<Q>(x / alpha);
}

inline float dequantize(int32_t q, float alpha) { return alpha * static_cast<float>(q); }

}  // namespace saturn::reference
