#include "ops/channel_gate_int8.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include <omp.h>

#include "ops/avx2.h"

namespace saturn::channel_gate_int8 {
namespace {

// 8 values of X (U8 or S8) at p, as floats.
SATURN_AVX2 inline __m256 load8(const uint8_t* p, bool is_signed) {
  const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm256_cvtepi32_ps(is_signed ? _mm256_cvtepi8_epi32(v) : _mm256_cvtepu8_epi32(v));
}

int64_t as_int(const uint8_t* p, int64_t i, bool is_signed) {
  return is_signed ? static_cast<int64_t>(reinterpret_cast<const int8_t*>(p)[i]) : static_cast<int64_t>(p[i]);
}

// One image: `factors` [C] (alpha_g * g_q), pixels [first, end).
SATURN_AVX2 void gate_pixels(const uint8_t* x, const float* factors, uint8_t* y, int64_t c, int64_t first,
                             int64_t end, bool x_signed, bool y_signed, float x_scale) {
  const float lo = y_signed ? -127.f : 0.f, hi = y_signed ? 127.f : 255.f;
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi), vs = _mm256_set1_ps(x_scale);
  const int64_t vec_end = c / 16 * 16;
  for (int64_t p = first; p < end; ++p) {
    const uint8_t* in = x + p * c;
    uint8_t* out = y + p * c;
    for (int64_t k = 0; k < vec_end; k += 16) {
      __m256i q[2];
      for (int h = 0; h < 2; ++h) {
        const __m256 v = _mm256_mul_ps(_mm256_mul_ps(load8(in + k + 8 * h, x_signed), vs),
                                       _mm256_loadu_ps(factors + k + 8 * h));
        q[h] = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(v, vlo), vhi));  // rounds half to even
      }
      // packs works within 128-bit lanes; the permute puts the 16 words back in channel order.
      const __m256i words = _mm256_permute4x64_epi64(_mm256_packs_epi32(q[0], q[1]), 0xD8);
      const __m128i w0 = _mm256_castsi256_si128(words), w1 = _mm256_extracti128_si256(words, 1);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + k), y_signed ? _mm_packs_epi16(w0, w1) : _mm_packus_epi16(w0, w1));
    }
    for (int64_t k = vec_end; k < c; ++k) {
      const float v = static_cast<float>(as_int(in, k, x_signed)) * x_scale * factors[k];
      const auto q = static_cast<int32_t>(std::nearbyint(std::min(std::max(v, lo), hi)));
      out[k] = static_cast<uint8_t>(q);
    }
  }
}

}  // namespace

bool available() { return avx2::cpu_has_avx2(); }

ChannelGateInt8::ChannelGateInt8(const Shape& shape, DType x_type, DType g_type, DType y_type, float x_scale,
                                 float g_scale)
    : shape_(shape), x_type_(x_type), g_type_(g_type), y_type_(y_type), x_scale_(x_scale), g_scale_(g_scale) {}

void ChannelGateInt8::run(const void* x, const void* g, void* y, void* scratch) const {
  const auto* xb = static_cast<const uint8_t*>(x);
  const auto* gb = static_cast<const uint8_t*>(g);
  auto* yb = static_cast<uint8_t*>(y);
  auto* factors = static_cast<float*>(scratch);
  const int64_t c = shape_.c, pixels = shape_.pixels;
  const bool g_signed = g_type_ == DType::kS8;
  constexpr int64_t kPixelsPerItem = 64;
  const int64_t items = (pixels + kPixelsPerItem - 1) / kPixelsPerItem;
  for (int64_t n = 0; n < shape_.n; ++n) {
    if (n == 0 || shape_.gate_per_image) {
      const uint8_t* gate = gb + (shape_.gate_per_image ? n * c : 0);
      for (int64_t k = 0; k < c; ++k) factors[k] = static_cast<float>(as_int(gate, k, g_signed)) * g_scale_;
    }
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < items; ++i) {
      gate_pixels(xb + n * pixels * c, factors, yb + n * pixels * c, c, i * kPixelsPerItem,
                  std::min(pixels, (i + 1) * kPixelsPerItem), x_type_ == DType::kS8, y_type_ == DType::kS8, x_scale_);
    }
  }
}

}  // namespace saturn::channel_gate_int8
