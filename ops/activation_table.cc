#include "ops/activation_table.h"

#include <immintrin.h>

#include "ops/avx512_vnni.h"
#include "ops/reference/requantize.h"

namespace saturn {

namespace {

#define SATURN_AVX512_VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))

// Bytes 0-127 come from the first two 64-byte quarters and 128-255 from the last two (vpermi2b
// selects between its two tables by index bit 6); bit 7 picks the half.
SATURN_AVX512_VBMI __m512i lookup64(__m512i x, const __m512i quarter[4]) {
  const __m512i low = _mm512_permutex2var_epi8(quarter[0], x, quarter[1]);
  const __m512i high = _mm512_permutex2var_epi8(quarter[2], x, quarter[3]);
  return _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), low, high);
}

SATURN_AVX512_VBMI void apply_vbmi(const uint8_t* entries, const uint8_t* x, uint8_t* y, int64_t n) {
  __m512i quarter[4];
  for (int q = 0; q < 4; ++q) quarter[q] = _mm512_load_si512(entries + 64 * q);
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) _mm512_storeu_si512(y + i, lookup64(_mm512_loadu_si512(x + i), quarter));
  if (i < n) {
    const __mmask64 rest = ~0ULL >> (64 - (n - i));
    _mm512_mask_storeu_epi8(y + i, rest, lookup64(_mm512_maskz_loadu_epi8(rest, x + i), quarter));
  }
}

}  // namespace

ActivationTable::ActivationTable(const fb::Activation* activation, DType x_type, float alpha_x, DType y_type,
                                 float alpha_y) {
  const reference::Activation a = reference::Activation::from(activation);
  for (int b = 0; b < 256; ++b) {
    const double real = double{alpha_x} * (x_type == DType::kS8 ? static_cast<int8_t>(b) : b);
    entries_[b] = y_type == DType::kS8
                      ? static_cast<uint8_t>(reference::requantize_value<int8_t>(real, a, alpha_y))
                      : reference::requantize_value<uint8_t>(real, a, alpha_y);
  }
}

bool ActivationTable::vector_available() {
  static const bool yes = avx512_vnni::available() && __builtin_cpu_supports("avx512vbmi");
  return yes;
}

void ActivationTable::apply(const uint8_t* x, uint8_t* y, int64_t n) const {
  if (vector_available()) {
    apply_vbmi(entries_, x, y, n);
    return;
  }
  for (int64_t i = 0; i < n; ++i) y[i] = entries_[x[i]];
}

}  // namespace saturn
