#include "ops/pointwise_int8.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace saturn::pointwise_int8 {
namespace {

using avx2::Epilogue;
using avx2::kBlock;
using avx2::kChannel;

constexpr int kTile = 6;  // pixels per tile: 12 accumulators, 2 weight vectors, X and the pair factor

// P pixels x one block of output channels: 16 in avx2::kChannel's lane order, or the last 8 in
// channel order (Half). x: the tile's pixels, `x_stride` bytes apart, each with 4 * quads bytes (u8;
// past K they meet zero weights); w: the block's weights, one vector per quad and half block;
// out: pixel p's outputs at out + p * out_stride.
template <int P, bool Half>
SATURN_AVX2 inline void block_tile(const uint8_t* x, int64_t x_stride, const __m256i* w, int64_t quads,
                                   const int32_t* start, const float* scales, __m256i pair_factor,
                                   const Epilogue& epilogue, uint8_t* out, int64_t out_stride) {
  constexpr int kHalves = Half ? 1 : 2;
  __m256i acc[P][kHalves];
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p)
    for (int h = 0; h < kHalves; ++h)
      acc[p][h] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(start + 8 * h));
  for (int64_t q = 0; q < quads; ++q) {
    const __m256i* wq = w + kHalves * q;
#pragma GCC unroll 8
    for (int p = 0; p < P; ++p) {
      int32_t four;
      std::memcpy(&four, x + p * x_stride + 4 * q, 4);
      const __m256i xq = _mm256_set1_epi32(four);
      for (int h = 0; h < kHalves; ++h) {
        const __m256i pairs = _mm256_maddubs_epi16(xq, _mm256_loadu_si256(wq + h));
        acc[p][h] = _mm256_add_epi32(acc[p][h], _mm256_madd_epi16(pairs, pair_factor));
      }
    }
  }
  const __m256 scale_lo = _mm256_loadu_ps(scales), scale_hi = _mm256_loadu_ps(scales + 8);
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p) {
    if constexpr (Half)
      epilogue.store8(epilogue.apply(acc[p][0], scale_lo), out + p * out_stride);
    else
      epilogue.store16(epilogue.apply(acc[p][0], scale_lo), epilogue.apply(acc[p][1], scale_hi),
                       out + p * out_stride);
  }
}

// Copies `count` pixels of K bytes (`src`, contiguous) to rows of `row` bytes at `dst`, zero-padded,
// adding 128 to each byte (an S8 X to u8) when `shift`.
SATURN_AVX2 void stage(const uint8_t* src, int64_t count, int64_t k, int64_t row, bool shift, uint8_t* dst) {
  const __m256i flip = _mm256_set1_epi8(shift ? static_cast<char>(0x80) : 0);
  const int64_t n = count * k;
  if (row == k) {  // one run
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_xor_si256(v, flip));
    }
    for (; i < n; ++i) dst[i] = static_cast<uint8_t>(src[i] ^ (shift ? 0x80 : 0));
    return;
  }
  for (int64_t p = 0; p < count; ++p) {
    std::memset(dst + p * row, 0, static_cast<size_t>(row));
    for (int64_t c = 0; c < k; ++c)
      dst[p * row + c] = static_cast<uint8_t>(src[p * k + c] ^ (shift ? 0x80 : 0));
  }
}

}  // namespace

bool exact_for(DType x_type, int max_abs_weight, bool even_weights) {
  if (max_abs_weight <= 64) return true;
  return x_type == DType::kS8 && even_weights && max_abs_weight <= 126;
}

PointwiseInt8::PointwiseInt8(int64_t pixels, int64_t k, int64_t m, const int8_t* weights, const int32_t* bias,
                             const std::vector<float>& scales, const fb::Activation* activation, DType x_type,
                             DType y_type, float alpha_y, const Window* window)
    : pixels_(pixels), k_(k), m_(m), shift_x_(x_type == DType::kS8), y_type_(y_type) {
  if (window != nullptr) window_ = *window;
  quads_ = (k + 3) / 4;
  blocks_ = (m + kBlock - 1) / kBlock;
  half_ = m % kBlock != 0 && m % kBlock <= kBlock / 2;
  const bool halve = std::any_of(weights, weights + m * k, [](int8_t w) { return w > 64 || w < -64; });
  pair_factor_ = halve ? 2 : 1;
  weights_.assign(static_cast<size_t>(blocks_ * quads_ * 2 * 32), 0);
  start_.assign(static_cast<size_t>(blocks_ * kBlock), 0);
  scales_.assign(static_cast<size_t>(blocks_ * kBlock), 0.f);
  for (int64_t b = 0; b < blocks_; ++b) {
    const bool half = half_ && b == blocks_ - 1;
    for (int s = 0; s < kBlock; ++s) {
      const int64_t c = b * kBlock + (half ? s : kChannel[s]);
      if (c >= m) continue;
      // Row c, for a window in the order it is gathered: kernel row, kernel column, input channel.
      std::vector<int8_t> gathered;
      const int8_t* row = weights + c * k;
      if (window_) {
        const int64_t taps = window_->kh * window_->kw;
        gathered.resize(static_cast<size_t>(k));
        for (int64_t ci = 0; ci < window_->c; ++ci)
          for (int64_t t = 0; t < taps; ++t) gathered[static_cast<size_t>(t * window_->c + ci)] = row[ci * taps + t];
        row = gathered.data();
      }
      int32_t sum = 0;
      for (int64_t i = 0; i < k; ++i) sum += row[i];
      start_[b * kBlock + s] = (bias == nullptr ? 0 : bias[c]) - (shift_x_ ? 128 * sum : 0);
      scales_[b * kBlock + s] = scales[c];
      // Vector (b, quad, s / 8) (a half block: (b, quad)) holds, at bytes 4 * (s % 8) + t, input
      // channel 4 * quad + t of c.
      const int64_t halves = half ? 1 : 2;
      for (int64_t i = 0; i < k; ++i)
        weights_[static_cast<size_t>((b * quads_ * 2 + i / 4 * halves + s / 8) * 32 + 4 * (s % 8) + i % 4)] =
            static_cast<int8_t>(row[i] / pair_factor_);
    }
  }
  requantization_ = avx2::make_requantization(activation, y_type, alpha_y, &scales_);
}

void PointwiseInt8::run(const void* x, void* y) const {
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<uint8_t*>(y);
  // Work items: (tile of pixels, group of channel blocks), 32 per thread so that they share evenly.
  const int64_t tiles = (pixels_ + kTile - 1) / kTile;
  const auto [groups, per_group] =
      avx2::split_blocks(tiles, blocks_, 32 * static_cast<int64_t>(omp_get_max_threads()));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < tiles * groups; ++i) {
    const int64_t tile = i / groups, first = i % groups * per_group;
    const int64_t p0 = tile * kTile;
    run_tile(xb, yb, p0, std::min<int64_t>(kTile, pixels_ - p0), first, std::min(blocks_, first + per_group));
  }
}

SATURN_AVX2_PREFETCHW void PointwiseInt8::run_tile(const uint8_t* x, uint8_t* y, int64_t p0, int64_t count,
                                                   int64_t first_block, int64_t end_block) const {
  const int64_t row = 4 * quads_;
  alignas(32) uint8_t staged[kTile * kMaxK];
  const uint8_t* tile_x = x + p0 * k_;
  if (window_) {
    gather(x, p0, count, staged);
    tile_x = staged;
  } else if (shift_x_ || row != k_) {
    stage(tile_x, count, k_, row, shift_x_, staged);
    tile_x = staged;
  }
  const Epilogue epilogue(requantization_);
  const __m256i pair_factor = _mm256_set1_epi16(pair_factor_);
  const int64_t y_size = static_cast<int64_t>(dtype_size(y_type_));
  const int64_t y_stride = m_ * y_size;
  // The next tile's output lines are fetched for writing while this one computes: they may sit in
  // the other core's cache (the arena reuses memory across layers), and stores that wait for them
  // stall this core (MobileNetV2's 24 -> 144 channels at 56 x 56: 0.16 ms without, 0.11 with; a
  // read prefetch gained less).
  const int64_t c_begin = first_block * kBlock * y_size, c_end = std::min(end_block * kBlock, m_) * y_size;
  for (int64_t p = p0 + kTile; p < std::min(pixels_, p0 + 2 * kTile); ++p)
    for (int64_t offset = c_begin; offset < c_end; offset += 64)
      __builtin_prefetch(y + p * y_stride + offset, 1, 3);
  alignas(32) uint8_t out_staged[kTile][kBlock * sizeof(float)];  // a partial block's outputs
  for (int64_t b = first_block; b < end_block; ++b) {
    const int64_t c0 = b * kBlock;
    const bool half = half_ && b == blocks_ - 1;
    const int64_t width = std::min<int64_t>(kBlock, m_ - c0);
    const bool staged_out = width != (half ? kBlock / 2 : kBlock);
    uint8_t* out = staged_out ? out_staged[0] : y + p0 * y_stride + c0 * y_size;
    const int64_t out_stride = staged_out ? static_cast<int64_t>(sizeof out_staged[0]) : y_stride;
    const auto* w = reinterpret_cast<const __m256i*>(weights_.data()) + b * quads_ * 2;
    const int32_t* start = start_.data() + c0;
    const float* scales = scales_.data() + c0;
    // The lambda has the default target, so block_tile stays out of line: the fastest layout
    // measured (inlined into run_tile, MobileNetV2 ran 5% slower).
    auto run_block = [&](auto pixels, auto half_block) {
      constexpr int P = decltype(pixels)::value;
      constexpr bool H = decltype(half_block)::value;
      for (int64_t p = 0; p < count; p += P)
        block_tile<P, H>(tile_x + p * row, row, w, quads_, start, scales, pair_factor, epilogue,
                         out + p * out_stride, out_stride);
    };
    using Full = std::integral_constant<int, kTile>;
    using One = std::integral_constant<int, 1>;
    if (count == kTile)
      half ? run_block(Full{}, std::true_type{}) : run_block(Full{}, std::false_type{});
    else
      half ? run_block(One{}, std::true_type{}) : run_block(One{}, std::false_type{});
    if (staged_out) {
      for (int64_t p = 0; p < count; ++p)
        std::memcpy(y + (p0 + p) * y_stride + c0 * y_size, out_staged[p],
                    static_cast<size_t>(width * y_size));
    }
  }
}

SATURN_AVX2 void PointwiseInt8::gather(const uint8_t* x, int64_t p0, int64_t count, uint8_t* staged) const {
  const Window& g = *window_;
  const int64_t row = 4 * quads_, run = g.kw * g.c;
  const uint8_t* const x_end = x + pixels_ / (g.oh * g.ow) * g.h * g.w * g.c;
  const uint8_t pad = shift_x_ ? 0x80 : 0;  // x = 0
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(pad));
  // A run of the window moves in whole 32-byte vectors where X may be read that far (the bytes past
  // the run land where the next run or the padding goes next): the shift rides along, and the
  // stores are done long before the products read them.
  const int64_t run_vectors = (run + 31) / 32;
  const bool vector_runs = row + 32 * run_vectors <= kMaxK;
  int64_t ow = p0 % g.ow, oh = p0 / g.ow % g.oh, n = p0 / g.ow / g.oh;  // of pixel p0 + p
  for (int64_t p = 0; p < count; ++p, ++ow) {
    if (ow == g.ow) {
      ow = 0;
      if (++oh == g.oh) oh = 0, ++n;
    }
    uint8_t* dst = staged + p * row;
    const int64_t iw0 = ow * g.stride_w - g.pad_left;
    const bool columns_inside = iw0 >= 0 && iw0 + g.kw <= g.w;
    for (int64_t i = 0; i < g.kh; ++i, dst += run) {
      const int64_t ih = oh * g.stride_h - g.pad_top + i;
      const uint8_t* src = x + ((n * g.h + ih) * g.w + iw0) * g.c;
      if (ih < 0 || ih >= g.h) {
        std::memset(dst, pad, static_cast<size_t>(run));
      } else if (columns_inside && vector_runs && src + 32 * run_vectors <= x_end) {
        for (int64_t o = 0; o < 32 * run_vectors; o += 32) {
          const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + o));
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + o), _mm256_xor_si256(v, flip));
        }
      } else {
        for (int64_t j = 0; j < g.kw; ++j) {
          const bool inside = iw0 + j >= 0 && iw0 + j < g.w;
          uint8_t* to = dst + j * g.c;
          if (!inside) {
            std::memset(to, pad, static_cast<size_t>(g.c));
            continue;
          }
          for (int64_t ci = 0; ci < g.c; ++ci) to[ci] = static_cast<uint8_t>(src[j * g.c + ci] ^ pad);
        }
      }
    }
    std::memset(dst, 0, static_cast<size_t>(row - k_));  // dst is at the window's end
  }
}

}  // namespace saturn::pointwise_int8
