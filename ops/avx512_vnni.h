// What Saturn's own AVX-512 VNNI kernels (depthwise_vnni.h) share: the target attributes of their
// functions, whether this CPU runs them, and the requantizing epilogue of avx2_requantize.h on 16
// lanes. Only functions marked SATURN_AVX512_VNNI use these instructions; callers check
// available() first.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "ops/avx2_requantize.h"

#define SATURN_AVX512_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma")))

namespace saturn::avx512_vnni {

// True when the CPU has AVX-512 (F, BW, VL) with VNNI, AVX2 and FMA, and oneDNN's best ISA here is
// avx512_core_vnni or above (so that DNNL_MAX_CPU_ISA below it turns these kernels off too).
bool available();

// avx2::Epilogue's requantization of int32 accumulators into Y's values (int32, clamped to Y's
// range, before the conversion to bytes): the same float operations, on 16 lanes for a folded
// epilogue and HardSwish, on 8 at a time for the other activations.
struct Requantizer {
  avx2::Epilogue epilogue;
  __m512 scale16, shift16, lo16, hi16;  // the tail and bounds on 16 lanes

  SATURN_AVX512_VNNI explicit Requantizer(const avx2::Requantization& r)
      : epilogue(r),
        scale16(_mm512_set1_ps(r.tail_scale)),
        shift16(_mm512_set1_ps(r.tail_shift)),
        lo16(_mm512_set1_ps(r.lo)),
        hi16(_mm512_set1_ps(r.hi)) {}

  // Y's values of 16 accumulators with their 16 scales.
  SATURN_AVX512_VNNI __m512i requantize(__m512i acc, const float* scale) const {
    if (epilogue.folded) {  // clamp(acc * scale + shift, lo, hi)
      const __m512 v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc), _mm512_loadu_ps(scale), shift16);
      return _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(v, lo16), hi16));
    }
    if (epilogue.kind == fb::ActivationKind::HardSwish) {  // v * clamp(v / 6 + 1/2, 0, 1), then the tail
      const __m512 v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc), _mm512_loadu_ps(scale), _mm512_setzero_ps());
      const __m512 gate = _mm512_fmadd_ps(v, _mm512_set1_ps(1.f / 6.f), _mm512_set1_ps(0.5f));
      const __m512 h =
          _mm512_mul_ps(v, _mm512_max_ps(_mm512_setzero_ps(), _mm512_min_ps(_mm512_set1_ps(1.f), gate)));
      return _mm512_cvtps_epi32(
          _mm512_min_ps(_mm512_max_ps(_mm512_fmadd_ps(h, scale16, shift16), lo16), hi16));
    }
    const __m256 lo = epilogue.apply(_mm512_castsi512_si256(acc), _mm256_loadu_ps(scale));
    const __m256 hi = epilogue.apply(_mm512_extracti64x4_epi64(acc, 1), _mm256_loadu_ps(scale + 8));
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_cvtps_epi32(lo)), _mm256_cvtps_epi32(hi), 1);
  }
};

}  // namespace saturn::avx512_vnni
