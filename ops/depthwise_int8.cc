#include "ops/depthwise_int8.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include <omp.h>

#include "ops/avx2_requantize.h"

namespace saturn::depthwise_int8 {
namespace {

using avx2::Epilogue;
using avx2::kBlock;
using avx2::kChannel;

SATURN_AVX2 inline __m256i widen(const uint8_t* p, bool is_signed) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return is_signed ? _mm256_cvtepi8_epi16(v) : _mm256_cvtepu8_epi16(v);
}

// lo, hi += the products of two taps (16 channels each, at a and b) with their interleaved
// weights w[0] (channels 0-3, 8-11) and w[1] (channels 4-7, 12-15): vpunpcklwd of two taps' 16
// channels pairs channels 0-3 and 8-11 (its two 128-bit lanes), vpunpckhwd channels 4-7 and
// 12-15; vpmaddwd then gives one int32 per channel in avx2::kChannel's order.
SATURN_AVX2 inline void madd_pair(const uint8_t* a, const uint8_t* b, bool signed_x, const __m256i* w, __m256i& lo,
                                  __m256i& hi) {
  const __m256i x = widen(a, signed_x), y = widen(b, signed_x);
  lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(x, y), _mm256_loadu_si256(w)));
  hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(x, y), _mm256_loadu_si256(w + 1)));
}

// One block of 16 channels of one output pixel.
struct Block {
  const __m256i* weights;  // per block, 2 * pairs vectors (DepthwiseInt8::weights_)
  const int32_t* bias;     // per block, 16 values in lane order
  const float* scales;     // per block, 16 values in lane order
  int pairs;
  bool signed_x;
  Epilogue epilogue;

  // Tap t of the window (16 channels) at tap[t] + offset; 16 values of Y's type written to `out`.
  SATURN_AVX2 inline void compute(int64_t block, const uint8_t* const* tap, int64_t offset, uint8_t* out) const {
    const __m256i* w = weights + block * pairs * 2;
    const float* scale = scales + block * kBlock;
    __m256i acc_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + block * kBlock));
    __m256i acc_hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + block * kBlock + 8));
    for (int p = 0; p < pairs; ++p)
      madd_pair(tap[2 * p] + offset, tap[2 * p + 1] + offset, signed_x, w + 2 * p, acc_lo, acc_hi);
    epilogue.store16(epilogue.apply(acc_lo, _mm256_loadu_ps(scale)),
                     epilogue.apply(acc_hi, _mm256_loadu_ps(scale + 8)), out);
  }
};

}  // namespace

DepthwiseInt8::DepthwiseInt8(const Geometry& g, const int8_t* weights, const int32_t* bias,
                             const std::vector<float>& scales, const fb::Activation* activation, DType x_type,
                             DType y_type, float alpha_y)
    : g_(g), x_type_(x_type), y_type_(y_type) {
  const int taps = static_cast<int>(g.kh * g.kw);
  blocks_ = (g.c + kBlock - 1) / kBlock;
  pairs_ = (taps + 1) / 2;
  weights_.assign(static_cast<size_t>(blocks_ * pairs_ * 2 * kBlock), 0);
  bias_.assign(static_cast<size_t>(blocks_ * kBlock), 0);
  scales_.assign(static_cast<size_t>(blocks_ * kBlock), 0.f);
  for (int64_t b = 0; b < blocks_; ++b) {
    for (int s = 0; s < kBlock; ++s) {
      const int64_t c = b * kBlock + kChannel[s];
      if (c >= g.c) continue;
      bias_[b * kBlock + s] = bias == nullptr ? 0 : bias[c];
      scales_[b * kBlock + s] = scales[c];
      // Weight vector (b, pair, s / 8) holds, at int16 2 * (s % 8) + t, tap 2 * pair + t of channel c.
      for (int p = 0; p < pairs_; ++p)
        for (int t = 0; t < 2 && 2 * p + t < taps; ++t)
          weights_[((b * pairs_ + p) * 2 + s / 8) * kBlock + 2 * (s % 8) + t] = weights[c * taps + 2 * p + t];
    }
  }
  zeros_.assign(static_cast<size_t>(blocks_ * kBlock), 0);
  for (int64_t i = 0; i < g.kh; ++i)
    for (int64_t j = 0; j < g.kw; ++j) tap_offsets_.push_back((i * g.w + j) * g.c);
  requantization_ = avx2::make_requantization(activation, y_type, alpha_y, &scales_);
}

void DepthwiseInt8::run(const void* x, void* y) const {
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<uint8_t*>(y);
  // Work items: (image, output row, group of channel blocks), 4 per thread: rows are split into
  // block groups only when there are too few (e.g. 3 x 80 outputs of 480 channels).
  const int64_t rows = g_.n * g_.oh;
  const auto [groups, per_group] = avx2::split_blocks(rows, blocks_, 4 * static_cast<int64_t>(omp_get_max_threads()));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < rows * groups; ++i) {
    const int64_t row = i / groups, first = i % groups * per_group;
    run_row(xb, yb, row / g_.oh, row % g_.oh, first, std::min(blocks_, first + per_group));
  }
}

SATURN_AVX2_PREFETCHW void DepthwiseInt8::run_row(const uint8_t* x, uint8_t* y, int64_t n, int64_t oh,
                                                  int64_t first_block, int64_t end_block) const {
  const int taps = static_cast<int>(g_.kh * g_.kw);
  const int64_t y_size = static_cast<int64_t>(dtype_size(y_type_));
  const int64_t ih0 = oh * g_.stride_h - g_.pad_top;
  const bool rows_inside = ih0 >= 0 && ih0 + g_.kh <= g_.h;
  const int64_t full_blocks = std::min(end_block, g_.c / kBlock);  // blocks before this are whole
  const uint8_t* const x_end = x + g_.n * g_.h * g_.w * g_.c;
  const Block k{reinterpret_cast<const __m256i*>(weights_.data()),
                bias_.data(),
                scales_.data(),
                pairs_,
                x_type_ == DType::kS8,
                Epilogue(requantization_)};
  const uint8_t* tap[kMaxTaps + 1];  // tap t of the window at channel 0 (zeros_ in the padding)
  alignas(32) uint8_t staged[kMaxTaps + 1][kBlock];  // the partial block's taps, zero-padded
  const uint8_t* staged_tap[kMaxTaps + 1];
  alignas(32) uint8_t out_staged[kBlock * sizeof(float)];

  // Along a run of windows inside X, tap[] stays at the run's first window and `shift` moves on.
  bool run_of_inside_windows = false;
  int64_t shift = 0;
  const uint8_t* last_in_x = nullptr;  // the highest tap[] inside X (taps are in memory order)
  for (int64_t ow = 0; ow < g_.ow; ++ow) {
    const int64_t iw0 = ow * g_.stride_w - g_.pad_left;
    if (rows_inside && iw0 >= 0 && iw0 + g_.kw <= g_.w) {
      if (run_of_inside_windows) {
        shift += g_.stride_w * g_.c;
      } else {
        const uint8_t* corner = x + ((n * g_.h + ih0) * g_.w + iw0) * g_.c;
        for (int t = 0; t < taps; ++t) tap[t] = corner + tap_offsets_[t];
        last_in_x = tap[taps - 1];
        run_of_inside_windows = true;
        shift = 0;
      }
    } else {
      last_in_x = nullptr;
      for (int t = 0; t < taps; ++t) {
        const int64_t ih = ih0 + t / g_.kw, iw = iw0 + t % g_.kw;
        const bool inside = ih >= 0 && ih < g_.h && iw >= 0 && iw < g_.w;
        tap[t] = inside ? x + ((n * g_.h + ih) * g_.w + iw) * g_.c : zeros_.data();
        if (inside) last_in_x = tap[t];
      }
      run_of_inside_windows = false;
      shift = 0;
    }
    tap[taps] = tap[0];  // an odd tap count pairs it with zero weights; the staging below reads it
    uint8_t* out = y + ((n * g_.oh + oh) * g_.ow + ow) * g_.c * y_size;
    // The same pixel of the next row, which this thread computes next, is fetched for writing: its
    // lines may sit in the other core's cache, and stores that wait for them stall this core
    // (as in pointwise_int8.cc; MobileNetV2's depthwise convs 1.0 -> 0.88 ms).
    if (oh + 1 < g_.oh)
      for (int64_t offset = first_block * kBlock * y_size; offset < std::min(end_block * kBlock, g_.c) * y_size;
           offset += 64)
        __builtin_prefetch(out + g_.ow * g_.c * y_size + offset, 1, 3);
    for (int64_t block = first_block; block < full_blocks; ++block) {
      const int64_t c0 = block * kBlock;
      k.compute(block, tap, shift + c0, out + c0 * y_size);
    }
    if (full_blocks < end_block) {  // the last block has fewer than 16 channels
      // Its 16-byte loads reach into the next pixel, whose products meet zero weights (zeros_ holds
      // whole blocks); the window's taps are staged only where the last one inside X would read
      // past its end.
      const int64_t c0 = full_blocks * kBlock;
      const size_t width = static_cast<size_t>(g_.c - c0);
      if (last_in_x == nullptr || last_in_x + shift + c0 + kBlock <= x_end) {
        k.compute(full_blocks, tap, shift + c0, out_staged);
      } else {
        for (int t = 0; t <= taps; ++t) {
          std::memset(staged[t], 0, kBlock);
          std::memcpy(staged[t], tap[t] + shift + c0, width);  // shift is 0 where a tap reads zeros_
          staged_tap[t] = staged[t];
        }
        k.compute(full_blocks, staged_tap, 0, out_staged);
      }
      std::memcpy(out + c0 * y_size, out_staged, width * static_cast<size_t>(y_size));
    }
  }
}

}  // namespace saturn::depthwise_int8
