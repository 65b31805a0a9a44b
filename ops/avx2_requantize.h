// The requantizing epilogue of Saturn's own AVX2 INT8 convolutions (depthwise_int8.h,
// pointwise_int8.h, winograd_int8.h), after their int32 accumulators (DESIGN section 2):
//   real = acc * (alpha_x * alpha_w[c]) in float, plus alpha_r * r with a residual r; y =
//   tail_scale * f(real) + tail_shift (the activation f with its affine tail); a U8/S8 Y is
//   sat(round_half_even(y / alpha_y)) within [0, 255] / [-127, 127]; an F32 Y is y.
// Requantization holds the scalars, built once per kernel; Epilogue is its vector form inside an
// AVX2 function (ops/avx2.h: callers check the CPU first).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "ops/avx2.h"
#include "saturn/dtype.h"
#include "saturn/schema/saturn_generated.h"

namespace saturn::avx2 {

// The scalars of the epilogue for `activation` (null: none) into a Y of `y_type` with scale
// `alpha_y` (unused for F32). Folded (None, Relu, Clip with tail_scale > 0): the per-channel
// `scales` are multiplied by tail_scale here and f's bounds mapped into [lo, hi], so that
// y = clamp(acc * scale + tail_shift, lo, hi). [lo, hi] also holds a U8/S8 Y's range, so that the
// conversions after it cannot saturate differently from the contract.
struct Requantization {
  fb::ActivationKind kind = fb::ActivationKind::None;
  bool folded = false;
  float alpha = 0.f, beta = 0.f;             // f's parameters
  float tail_scale = 1.f, tail_shift = 0.f;  // divided by alpha_y for a U8/S8 Y
  float lo = 0.f, hi = 0.f;
  float residual_scale = 0.f;  // alpha_r, times tail_scale when folded
  DType y_type = DType::kU8;
};
// `alpha_r`: the residual's scale (1 for an F32 one), for kernels that add one (Epilogue::apply
// with r).
Requantization make_requantization(const fb::Activation* activation, DType y_type, float alpha_y,
                                   std::vector<float>* scales, float alpha_r = 0.f);

// True for the activations the epilogue computes (null: none); Sigmoid and Tanh are not among them.
bool supports(const fb::Activation* activation);

// e^x on 8 lanes (Cephes' expf: x = n ln 2 + r, |r| <= ln 2 / 2, a degree-5 polynomial for e^r,
// then 2^n into the exponent bits); relative error about 2e-7 on [-87, 88], x clamped to it.
SATURN_AVX2 inline __m256 exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.f)), _mm256_set1_ps(88.f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  for (const float c :
       {1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f})
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c));
  p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

// Requantization on 8 lanes of accumulators.
struct Epilogue {
  fb::ActivationKind kind;
  bool folded;
  // A folded U8 Y with lo <= 0 needs no lower bound: below 0, whatever the conversion to int32
  // gives (INT_MIN out of range) saturates to 0 in the packs, as the clamp would.
  bool lower_bound;
  DType y_type;
  __m256 alpha, beta, tail_scale, tail_shift, lo, hi, residual_scale;

  SATURN_AVX2 explicit Epilogue(const Requantization& r)
      : kind(r.kind),
        folded(r.folded),
        lower_bound(!(r.folded && r.y_type == DType::kU8 && r.lo <= 0.f)),
        y_type(r.y_type),
        alpha(_mm256_set1_ps(r.alpha)),
        beta(_mm256_set1_ps(r.beta)),
        tail_scale(_mm256_set1_ps(r.tail_scale)),
        tail_shift(_mm256_set1_ps(r.tail_shift)),
        lo(_mm256_set1_ps(r.lo)),
        hi(_mm256_set1_ps(r.hi)),
        residual_scale(_mm256_set1_ps(r.residual_scale)) {}

  // y for 8 accumulators `acc` with their `scale`s (already multiplied by tail_scale if folded).
  SATURN_AVX2 __m256 apply(__m256i acc, __m256 scale) const {
    return finish(_mm256_cvtepi32_ps(acc), scale, folded ? tail_shift : _mm256_setzero_ps());
  }
  // The same with the residual values `r` (residual16()) added before the activation.
  SATURN_AVX2 __m256 apply(__m256i acc, __m256 scale, __m256 r) const {
    return finish(_mm256_cvtepi32_ps(acc), scale,
                  _mm256_fmadd_ps(r, residual_scale, folded ? tail_shift : _mm256_setzero_ps()));
  }

  // y from the accumulators `a` (as floats): f(a * scale + offset) and the tail; folded, the tail
  // is already in scale and offset.
  SATURN_AVX2 __m256 finish(__m256 a, __m256 scale, __m256 offset) const {
    __m256 v = _mm256_fmadd_ps(a, scale, offset);
    if (folded) return _mm256_min_ps(lower_bound ? _mm256_max_ps(v, lo) : v, hi);
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.f);
    switch (kind) {
      case fb::ActivationKind::Relu: v = _mm256_max_ps(v, zero); break;
      case fb::ActivationKind::Clip: v = _mm256_min_ps(_mm256_max_ps(v, alpha), beta); break;
      case fb::ActivationKind::LeakyRelu:
        v = _mm256_blendv_ps(_mm256_mul_ps(v, alpha), v, _mm256_cmp_ps(v, zero, _CMP_GE_OQ));
        break;
      case fb::ActivationKind::HardSigmoid:
        v = _mm256_max_ps(zero, _mm256_min_ps(one, _mm256_fmadd_ps(alpha, v, beta)));
        break;
      case fb::ActivationKind::HardSwish: {
        const __m256 gate = _mm256_fmadd_ps(v, _mm256_set1_ps(1.f / 6.f), _mm256_set1_ps(0.5f));
        v = _mm256_mul_ps(v, _mm256_max_ps(zero, _mm256_min_ps(one, gate)));
        break;
      }
      case fb::ActivationKind::Swish:  // x / (1 + e^-x)
        v = _mm256_div_ps(v, _mm256_add_ps(one, exp8(_mm256_sub_ps(zero, v))));
        break;
      default: break;  // None (Sigmoid and Tanh are not supported)
    }
    return _mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(v, tail_scale, tail_shift), lo), hi);
  }

  // Writes 16 channels of Y's type to `out` from y values in accumulator lane order: `lo8` holds
  // channels 0-3 and 8-11, `hi8` channels 4-7 and 12-15 (vpunpck{l,h}wd's and vpmaddwd's order).
  SATURN_AVX2 void store16(__m256 lo8, __m256 hi8, uint8_t* out) const {
    if (y_type == DType::kF32) {
      _mm256_storeu_ps(reinterpret_cast<float*>(out), _mm256_permute2f128_ps(lo8, hi8, 0x20));
      _mm256_storeu_ps(reinterpret_cast<float*>(out) + 8, _mm256_permute2f128_ps(lo8, hi8, 0x31));
      return;
    }
    const __m256i words =
        _mm256_packs_epi32(_mm256_cvtps_epi32(lo8), _mm256_cvtps_epi32(hi8));  // channel order
    const __m128i w0 = _mm256_castsi256_si128(words), w1 = _mm256_extracti128_si256(words, 1);
    const __m128i bytes = y_type == DType::kU8 ? _mm_packus_epi16(w0, w1) : _mm_packs_epi16(w0, w1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), bytes);
  }

  // Writes 8 channels of Y's type to `out` from y values in channel order.
  SATURN_AVX2 void store8(__m256 y8, uint8_t* out) const {
    if (y_type == DType::kF32) {
      _mm256_storeu_ps(reinterpret_cast<float*>(out), y8);
      return;
    }
    const __m256i words =
        _mm256_packs_epi32(_mm256_cvtps_epi32(y8), _mm256_setzero_si256());  // 0-3, 0, 4-7, 0
    const __m128i w0 = _mm256_castsi256_si128(words), w1 = _mm256_extracti128_si256(words, 1);
    const __m128i both = _mm_unpacklo_epi64(w0, w1);  // channels 0-7
    const __m128i bytes = y_type == DType::kU8 ? _mm_packus_epi16(both, both) : _mm_packs_epi16(both, both);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), bytes);
  }
};

// Slot s of a block of 16 accumulators holds channel kChannel[s] (see Epilogue::store16).
constexpr int kBlock = 16;
constexpr int kChannel[kBlock] = {0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15};

// The work items of a kernel over `units` (output rows, tiles of pixels) x `blocks` blocks of
// channels: units x groups items of per_group blocks each. A unit is split into groups only when
// there are fewer units than `wanted` items (e.g. 7 x 7 pixels into 1280 channels: 9 tiles).
struct BlockGroups {
  int64_t groups, per_group;
};
inline BlockGroups split_blocks(int64_t units, int64_t blocks, int64_t wanted) {
  const int64_t groups = std::clamp<int64_t>((wanted + units - 1) / units, 1, blocks);
  return {groups, (blocks + groups - 1) / groups};
}

// 16 channels of a residual of `type` (U8, S8 or F32) at `r`, as floats in accumulator lane order:
// `lo8` channels 0-3 and 8-11, `hi8` channels 4-7 and 12-15.
SATURN_AVX2 inline void residual16(const uint8_t* r, DType type, __m256& lo8, __m256& hi8) {
  if (type == DType::kF32) {
    const __m256 a = _mm256_loadu_ps(reinterpret_cast<const float*>(r));
    const __m256 b = _mm256_loadu_ps(reinterpret_cast<const float*>(r) + 8);
    lo8 = _mm256_permute2f128_ps(a, b, 0x20);
    hi8 = _mm256_permute2f128_ps(a, b, 0x31);
    return;
  }
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r));
  const __m256i words = type == DType::kS8 ? _mm256_cvtepi8_epi16(bytes) : _mm256_cvtepu8_epi16(bytes);
  // Each word twice in a 32-bit lane, shifted down with its sign: vpunpck{l,h}wd's channel order.
  lo8 = _mm256_cvtepi32_ps(_mm256_srai_epi32(_mm256_unpacklo_epi16(words, words), 16));
  hi8 = _mm256_cvtepi32_ps(_mm256_srai_epi32(_mm256_unpackhi_epi16(words, words), 16));
}

}  // namespace saturn::avx2
