#include "ops/winograd_int8.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <omp.h>

namespace saturn::winograd_int8 {
namespace {

using avx2::Epilogue;
using avx2::kBlock;
using avx2::kChannel;

constexpr int kGroup = 6;  // tiles per register block: 12 accumulators, 2 weight vectors, 1 input
// Tiles per chunk: up to kChunkBytes of transformed inputs per thread (in L2), which every block of
// output channels reads again. Each chunk reads all the transformed weights, so few large chunks
// ran best inside a model (ResNet-50's 256-channel layers, 2 MiB of weights: 0.49 ms in one chunk
// per thread, 0.59 in chunks of 32 KiB, which ran faster only in isolation).
constexpr int64_t kChunkBytes = 512 * 1024;

// G2 = 2G (winograd_int8.h).
constexpr int kG2[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 2}};

// Row r of B^T d (or column r of d B) from the four values along that axis.
SATURN_AVX2 inline void input_rows(const __m256i (&d)[4], __m256i (&out)[4]) {
  out[0] = _mm256_sub_epi16(d[0], d[2]);
  out[1] = _mm256_add_epi16(d[1], d[2]);
  out[2] = _mm256_sub_epi16(d[2], d[1]);
  out[3] = _mm256_sub_epi16(d[1], d[3]);
}

// The two outputs of A^T m along one axis from its four values.
SATURN_AVX2 inline void output_rows(const __m256i (&m)[4], __m256i (&out)[2]) {
  out[0] = _mm256_add_epi32(_mm256_add_epi32(m[0], m[1]), m[2]);
  out[1] = _mm256_sub_epi32(_mm256_sub_epi32(m[1], m[2]), m[3]);
}

// P tiles' products for one position and block of 16 output channels: v holds the tiles' rows of
// 2 * pairs int16, `v_stride` apart; u the block's two vectors per channel pair; p receives 16 int32
// per tile in lane order.
template <int P>
SATURN_AVX2 inline void multiply_tiles(const int16_t* v, int64_t v_stride, const __m256i* u, int64_t pairs,
                                       __m256i start_lo, __m256i start_hi, int32_t* p) {
  __m256i acc[P][2];
#pragma GCC unroll 8
  for (int t = 0; t < P; ++t) {
    acc[t][0] = start_lo;
    acc[t][1] = start_hi;
  }
  for (int64_t q = 0; q < pairs; ++q) {
    const __m256i u0 = _mm256_loadu_si256(u + 2 * q), u1 = _mm256_loadu_si256(u + 2 * q + 1);
#pragma GCC unroll 8
    for (int t = 0; t < P; ++t) {
      int32_t two;
      std::memcpy(&two, v + t * v_stride + 2 * q, 4);
      const __m256i a = _mm256_set1_epi32(two);
      acc[t][0] = _mm256_add_epi32(acc[t][0], _mm256_madd_epi16(a, u0));
      acc[t][1] = _mm256_add_epi32(acc[t][1], _mm256_madd_epi16(a, u1));
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < P; ++t) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p + t * kBlock), acc[t][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p + t * kBlock + 8), acc[t][1]);
  }
}

}  // namespace

bool in_scope(const Geometry& g, const int32_t* bias) {
  if (g.c % kBlock != 0 || g.m % kBlock != 0 || g.c > kMaxChannels || 16 * g.c * g.m * 2 > kMaxWeightBytes)
    return false;
  return bias == nullptr || std::all_of(bias, bias + g.m, [](int32_t b) { return std::abs(int64_t{b}) <= kMaxBias; });
}

WinogradInt8::WinogradInt8(const Geometry& g, const int8_t* weights, const int32_t* bias,
                           const std::vector<float>& scales, const fb::Activation* activation, DType x_type,
                           DType y_type, float alpha_y, int threads, const Residual* residual)
    : g_(g), tiles_(g), threads_(std::max(1, threads)), signed_x_(x_type == DType::kS8), y_type_(y_type) {
  if (residual != nullptr) r_type_ = residual->type;
  blocks_ = g.m / kBlock;
  // As few chunks as the budget allows, in a multiple of the thread count, of equal size.
  const int64_t most = std::max<int64_t>(kGroup, kChunkBytes / (32 * g.c));
  const int64_t chunks = ((tiles_.count() + most - 1) / most + threads_ - 1) / threads_ * threads_;
  chunk_ = (tiles_.count() + chunks - 1) / chunks;

  const int64_t pairs = g.c / 2;
  u_.assign(static_cast<size_t>(16 * blocks_ * pairs * 32), 0);
  bias4_.assign(static_cast<size_t>(g.m), 0);
  scales_.assign(static_cast<size_t>(g.m), 0.f);
#pragma omp parallel for schedule(static) num_threads(threads_)
  for (int64_t b = 0; b < blocks_; ++b) {
    for (int s = 0; s < kBlock; ++s) {
      const int64_t m = b * kBlock + kChannel[s];
      bias4_[b * kBlock + s] = bias == nullptr ? 0 : 4 * bias[m];
      scales_[b * kBlock + s] = scales[m] / 4;
      for (int64_t c = 0; c < g.c; ++c) {
        const int8_t* w = weights + (m * g.c + c) * 9;
        int gg[4][3];  // G2 g
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 3; ++j) gg[i][j] = kG2[i][0] * w[j] + kG2[i][1] * w[3 + j] + kG2[i][2] * w[6 + j];
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) {
            const int value = gg[i][0] * kG2[j][0] + gg[i][1] * kG2[j][1] + gg[i][2] * kG2[j][2];
            // Vector (position, b, pair, s / 8) holds, at int16 2 * (s % 8) + t, input channel
            // 2 * pair + t of the block's slot s.
            const int64_t vector = ((4 * i + j) * blocks_ + b) * pairs * 2 + c / 2 * 2 + s / 8;
            u_[static_cast<size_t>(vector * 16 + 2 * (s % 8) + c % 2)] = static_cast<int16_t>(value);
          }
      }
    }
  }
  requantization_ =
      avx2::make_requantization(activation, y_type, alpha_y, &scales_, residual == nullptr ? 0.f : residual->alpha);
}

int64_t WinogradInt8::thread_scratch_bytes() const {
  return (16 * chunk_ * (g_.c * 2 + kBlock * 4) + 63) / 64 * 64;
}

size_t WinogradInt8::scratch_bytes() const { return static_cast<size_t>(threads_ * thread_scratch_bytes()); }

void WinogradInt8::run(const void* x, const void* r, void* y, void* scratch) const {
  const int64_t chunks = (tiles_.count() + chunk_ - 1) / chunk_;
  const int team = std::min(threads_, omp_get_max_threads());
#pragma omp parallel num_threads(team)
  {
    auto* v = reinterpret_cast<int16_t*>(static_cast<uint8_t*>(scratch) + omp_get_thread_num() * thread_scratch_bytes());
    auto* p = reinterpret_cast<int32_t*>(v + 16 * chunk_ * g_.c);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < chunks; ++i) {
      const int64_t t0 = i * chunk_, count = std::min(chunk_, tiles_.count() - t0);
      transform_input(static_cast<const uint8_t*>(x), t0, count, v);
      for (int64_t b = 0; b < blocks_; ++b) {
        multiply(v, count, b, p);
        transform_output(p, t0, count, b, static_cast<const uint8_t*>(r), static_cast<uint8_t*>(y));
      }
    }
  }
}

SATURN_AVX2 void WinogradInt8::transform_input(const uint8_t* x, int64_t t0, int64_t count, int16_t* v) const {
  for (int64_t t = t0; t < t0 + count; ++t) {
    const uint8_t* at[4][4];
    tiles_.input_block(x, t, at);
    int16_t* out = v + (t - t0) * g_.c;
    for (int64_t c = 0; c < g_.c; c += kBlock) {
      __m256i rows[4][4];  // B^T d: rows[a][j]
      for (int j = 0; j < 4; ++j) {
        __m256i d[4], r[4];
        for (int i = 0; i < 4; ++i) {
          if (at[i][j] == nullptr) {
            d[i] = _mm256_setzero_si256();
            continue;
          }
          const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at[i][j] + c));
          d[i] = signed_x_ ? _mm256_cvtepi8_epi16(bytes) : _mm256_cvtepu8_epi16(bytes);
        }
        input_rows(d, r);
        for (int a = 0; a < 4; ++a) rows[a][j] = r[a];
      }
      for (int a = 0; a < 4; ++a) {
        __m256i vb[4];
        input_rows(rows[a], vb);
        for (int b = 0; b < 4; ++b)
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + (4 * a + b) * chunk_ * g_.c + c), vb[b]);
      }
    }
  }
}

SATURN_AVX2 void WinogradInt8::multiply(const int16_t* v, int64_t count, int64_t b, int32_t* p) const {
  const int64_t pairs = g_.c / 2;
  const __m256i zero = _mm256_setzero_si256();
  for (int position = 0; position < 16; ++position) {
    const auto* u = reinterpret_cast<const __m256i*>(u_.data()) + (position * blocks_ + b) * pairs * 2;
    // 4 * bias enters at position (1, 1) only.
    const bool with_bias = position == 5;
    const __m256i start_lo =
        with_bias ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias4_.data() + b * kBlock)) : zero;
    const __m256i start_hi =
        with_bias ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias4_.data() + b * kBlock + 8)) : zero;
    const int16_t* vp = v + position * chunk_ * g_.c;
    int32_t* pp = p + position * chunk_ * kBlock;
    int64_t t = 0;
    for (; t + kGroup <= count; t += kGroup)
      multiply_tiles<kGroup>(vp + t * g_.c, g_.c, u, pairs, start_lo, start_hi, pp + t * kBlock);
    const int16_t* vt = vp + t * g_.c;
    int32_t* pt = pp + t * kBlock;
    switch (count - t) {  // the remainder group
      case 5: multiply_tiles<5>(vt, g_.c, u, pairs, start_lo, start_hi, pt); break;
      case 4: multiply_tiles<4>(vt, g_.c, u, pairs, start_lo, start_hi, pt); break;
      case 3: multiply_tiles<3>(vt, g_.c, u, pairs, start_lo, start_hi, pt); break;
      case 2: multiply_tiles<2>(vt, g_.c, u, pairs, start_lo, start_hi, pt); break;
      case 1: multiply_tiles<1>(vt, g_.c, u, pairs, start_lo, start_hi, pt); break;
      default: break;
    }
  }
}

SATURN_AVX2 void WinogradInt8::transform_output(const int32_t* p, int64_t t0, int64_t count, int64_t b,
                                                const uint8_t* r, uint8_t* y) const {
  const Epilogue epilogue(requantization_);
  const __m256 scale_lo = _mm256_loadu_ps(scales_.data() + b * kBlock);
  const __m256 scale_hi = _mm256_loadu_ps(scales_.data() + b * kBlock + 8);
  const int64_t y_size = static_cast<int64_t>(dtype_size(y_type_));
  for (int64_t t = t0; t < t0 + count; ++t) {
    const auto [first_pixel, rows, columns] = tiles_.outputs(t);
    const int32_t* in = p + (t - t0) * kBlock;
    __m256i outputs[2][2][2];  // [half][row][column]
    for (int h = 0; h < 2; ++h) {
      __m256i cols[4][2];  // A^T m: cols[j][i] for column j of m
      for (int j = 0; j < 4; ++j) {
        __m256i m[4], o[2];
        for (int i = 0; i < 4; ++i)
          m[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + (4 * i + j) * chunk_ * kBlock + 8 * h));
        output_rows(m, o);
        cols[j][0] = o[0];
        cols[j][1] = o[1];
      }
      for (int i = 0; i < 2; ++i) {
        const __m256i row[4] = {cols[0][i], cols[1][i], cols[2][i], cols[3][i]};
        output_rows(row, outputs[h][i]);
      }
    }
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < columns; ++j) {
        const int64_t at = (first_pixel + i * g_.ow + j) * g_.m + b * kBlock;  // element offset
        if (!r_type_) {
          epilogue.store16(epilogue.apply(outputs[0][i][j], scale_lo), epilogue.apply(outputs[1][i][j], scale_hi),
                           y + at * y_size);
          continue;
        }
        __m256 r_lo, r_hi;
        avx2::residual16(r + at * static_cast<int64_t>(dtype_size(*r_type_)), *r_type_, r_lo, r_hi);
        epilogue.store16(epilogue.apply(outputs[0][i][j], scale_lo, r_lo),
                         epilogue.apply(outputs[1][i][j], scale_hi, r_hi), y + at * y_size);
      }
  }
}

}  // namespace saturn::winograd_int8
