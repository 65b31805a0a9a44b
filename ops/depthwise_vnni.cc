#include "ops/depthwise_vnni.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <limits>

#include "ops/avx512_vnni.h"

// GCC 12 reports the _mm512_undefined_* operands inside its own inlined AVX-512 intrinsics as
// "may be used uninitialized" (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace saturn::depthwise_vnni {
namespace {

constexpr int64_t kGroup = 64;              // channels per group: one 64-byte load per column
constexpr int64_t kQuadBytes = 4 * kGroup;  // the quads of one padded column: 4 vectors of 16 channels
constexpr int64_t kVectors = kGroup / 16;   // accumulators per group

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Column iw of an input row (64 channels at `row`, those outside `mask` read as 0) as vpdpbusd's
// u8 operand: an S8 X flipped to x + 128; `zero` (x = 0) outside [0, w).
SATURN_AVX512_VNNI inline __m512i column(const uint8_t* row, int64_t iw, int64_t w, int64_t c, __mmask64 mask,
                                         bool flip, __m512i zero) {
  if (iw < 0 || iw >= w) return zero;
  const __m512i v = _mm512_maskz_loadu_epi8(mask, row + iw * c);
  return flip ? _mm512_xor_si512(v, _mm512_set1_epi8(static_cast<char>(0x80))) : v;
}

// The quads of input row `row` (null: a padding row) at padded columns [first, first + columns)
// into `dst`, kQuadBytes each (see depthwise_vnni.h).
SATURN_AVX512_VNNI void build_quads(const uint8_t* row, int64_t w, int64_t c, int64_t pad_left, int64_t first,
                                    int64_t columns, __mmask64 mask, bool flip, uint8_t* dst) {
  const __m512i zero = flip ? _mm512_set1_epi8(static_cast<char>(0x80)) : _mm512_setzero_si512();
  if (row == nullptr) {
    for (int64_t i = 0; i < columns * 4; ++i) _mm512_storeu_si512(dst + i * kGroup, zero);
    return;
  }
  const int64_t iw = first - pad_left;
  __m512i v0 = column(row, iw, w, c, mask, flip, zero);
  __m512i v1 = column(row, iw + 1, w, c, mask, flip, zero);
  __m512i v2 = column(row, iw + 2, w, c, mask, flip, zero);
  for (int64_t p = 0; p < columns; ++p, dst += kQuadBytes) {
    const __m512i v3 = column(row, iw + p + 3, w, c, mask, flip, zero);
    // Per 128-bit lane L: channels 16 L + 0-7 (lo) and 8-15 (hi) of columns p, p + 1 and of
    // p + 2, p + 3, then the four columns of channels 16 L + 4 j + 0-3 in vector j.
    const __m512i lo01 = _mm512_unpacklo_epi8(v0, v1), lo23 = _mm512_unpacklo_epi8(v2, v3);
    const __m512i hi01 = _mm512_unpackhi_epi8(v0, v1), hi23 = _mm512_unpackhi_epi8(v2, v3);
    _mm512_storeu_si512(dst, _mm512_unpacklo_epi16(lo01, lo23));
    _mm512_storeu_si512(dst + kGroup, _mm512_unpackhi_epi16(lo01, lo23));
    _mm512_storeu_si512(dst + 2 * kGroup, _mm512_unpacklo_epi16(hi01, hi23));
    _mm512_storeu_si512(dst + 3 * kGroup, _mm512_unpackhi_epi16(hi01, hi23));
    v0 = v1;
    v1 = v2;
    v2 = v3;
  }
}

// The channels of `mask` of one output pixel written to `out` from its 64 accumulators (4 vectors
// in the weights' channel order). The in-lane packs undo the in-lane unpacks: lane L gets channels
// 16 L + 0-15 in order.
SATURN_AVX512_VNNI inline void store(const avx512_vnni::Requantizer& rq, bool u8_y, const __m512i* acc,
                                     const float* scale, __mmask64 mask, uint8_t* out) {
  const __m512i w01 = _mm512_packs_epi32(rq.requantize(acc[0], scale), rq.requantize(acc[1], scale + 16));
  const __m512i w23 =
      _mm512_packs_epi32(rq.requantize(acc[2], scale + 32), rq.requantize(acc[3], scale + 48));
  const __m512i bytes = u8_y ? _mm512_packus_epi16(w01, w23) : _mm512_packs_epi16(w01, w23);
  if (mask == ~__mmask64{0})
    _mm512_storeu_si512(out, bytes);
  else
    _mm512_mask_storeu_epi8(out, mask, bytes);
}

// The output pixels of one row of a tile, 64 channels each: per kernel row r and block b of 4
// kernel columns, one vpdpbusd per 16 channels on the quads at the tile's column o + 4 b (column
// stride 1).
struct Pixels {
  const uint8_t* const* quads;  // the tile's quad row of each kernel row
  const __m512i* weights;       // the group's (DepthwiseVnni::weights_)
  const int32_t* bias;
  const float* scale;
  const avx512_vnni::Requantizer* requantizer;
  bool u8_y;
  __mmask64 mask;
  int64_t c;

  // `outputs` pixels from `out` on, c bytes apart. KH and BLOCKS fixed at compile time (the loops
  // unrolled), or 0 for the runtime `kh` and `blocks`.
  template <int KH, int BLOCKS>
  SATURN_AVX512_VNNI void run(int64_t outputs, uint8_t* out, int64_t kh = KH, int64_t blocks = BLOCKS) const {
    if constexpr (KH > 0) {
      kh = KH;
      blocks = BLOCKS;
    }
    for (int64_t o = 0; o < outputs; ++o, out += c) {
      __m512i acc[kVectors];
      for (int64_t j = 0; j < kVectors; ++j) acc[j] = _mm512_loadu_si512(bias + 16 * j);
      const __m512i* w = weights;
      for (int64_t r = 0; r < kh; ++r)
        for (int64_t b = 0; b < blocks; ++b, w += kVectors) {
          const uint8_t* q = quads[r] + (o + 4 * b) * kQuadBytes;
          for (int64_t j = 0; j < kVectors; ++j)
            acc[j] =
                _mm512_dpbusd_epi32(acc[j], _mm512_loadu_si512(q + j * kGroup), _mm512_loadu_si512(w + j));
        }
      store(*requantizer, u8_y, acc, scale, mask, out);
    }
  }
};

// The padded columns with a quad that `outputs` adjacent output columns read (column stride 1).
int64_t quad_columns(const Geometry& g, int64_t outputs) { return outputs + 4 * (ceil_div(g.kw, 4) - 1); }

// Output columns per tile: as many as keep a tile's ring of kh quad rows within kRingBytes (in L1,
// 48 KiB on Zen 5; 32 KiB ran rec's 5x5 convs 2-4% faster than 20 KiB, fewer columns rebuilt).
constexpr int64_t kRingBytes = 32 * 1024;
int64_t tile_width(const Geometry& g) {
  return std::clamp<int64_t>(kRingBytes / (g.kh * kQuadBytes) - 4 * (ceil_div(g.kw, 4) - 1), 1, g.ow);
}

// One thread's ring: kh quad rows of a tile; at most kRingBytes, or 8 rows of 5 quads for a tile
// of one column.
int64_t ring_bytes(const Geometry& g) { return g.kh * quad_columns(g, tile_width(g)) * kQuadBytes; }

}  // namespace

bool in_scope(const Geometry& g, DType x_type, DType y_type, fb::ActivationKind activation) {
  const bool wide_u8 = x_type == DType::kU8 && g.c % kGroup == 0 && g.c >= kMinU8Channels;
  const bool int8_y = y_type == DType::kU8 || y_type == DType::kS8;
  return (x_type == DType::kS8 || wide_u8) && int8_y && activation != fb::ActivationKind::Swish &&
         g.c >= kMinChannels && g.stride_w == 1 && g.kh * g.kw > 1 && g.kh <= kMaxKernelHeight &&
         g.kw <= kMaxKernelWidth;
}

DepthwiseVnni::DepthwiseVnni(const Geometry& g, const int8_t* weights, const int32_t* bias,
                             const std::vector<float>& scales, const fb::Activation* activation, DType x_type,
                             DType y_type, float alpha_y, int threads)
    : g_(g), threads_(std::max(1, threads)), x_type_(x_type), y_type_(y_type) {
  groups_ = ceil_div(g.c, kGroup);
  blocks_ = ceil_div(g.kw, 4);
  tile_width_ = tile_width(g);
  ring_bytes_ = ring_bytes(g);
  // Each thread takes a band of output rows, all groups: threads that split the groups instead
  // write alternate 64-byte runs of every output pixel, and the CPU's pairs of adjacent lines bounce
  // between their cores (on Zen 5, rec's 3x3 over 128 channels ran slower on 2 threads than on 1).
  bands_ = std::min<int64_t>(g.oh, threads_);
  std::vector<float> channel_scales = scales;  // folded with the activation's tail, in channel order
  requantization_ = avx2::make_requantization(activation, y_type, alpha_y, &channel_scales);
  weights_.assign(static_cast<size_t>(groups_ * g.kh * blocks_ * kVectors * kGroup), 0);
  bias_.assign(static_cast<size_t>(groups_ * kGroup), 0);
  scales_.assign(static_cast<size_t>(groups_ * kGroup), 0.f);
  for (int64_t c = 0; c < g.c; ++c) {
    const int64_t group = c / kGroup, lane = c % kGroup / 16, j = c % 16 / 4, e = c % 4;
    int32_t start = bias == nullptr ? 0 : bias[c];
    for (int64_t r = 0; r < g.kh; ++r)
      for (int64_t col = 0; col < g.kw; ++col) {
        const int8_t w = weights[(c * g.kh + r) * g.kw + col];
        const int64_t vector = ((group * g.kh + r) * blocks_ + col / 4) * kVectors + j;
        weights_[vector * kGroup + 16 * lane + 4 * e + col % 4] = w;
        if (x_type == DType::kS8) start -= 128 * w;
      }
    const int64_t slot = group * kGroup + 16 * j + 4 * lane + e;
    bias_[slot] = start;
    scales_[slot] = channel_scales[c];
  }
}

size_t DepthwiseVnni::scratch_bytes() const { return static_cast<size_t>(threads_ * ring_bytes_); }

void DepthwiseVnni::run(const void* x, void* y, void* scratch) const {
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<uint8_t*>(y);
  const int64_t items = g_.n * bands_;
  const int team = std::min(threads_, omp_get_max_threads());
#pragma omp parallel num_threads(team)
  {
    uint8_t* ring = static_cast<uint8_t*>(scratch) + omp_get_thread_num() * ring_bytes_;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < items; ++i) {
      const int64_t band = i % bands_, n = i / bands_;
      for (int64_t group = 0; group < groups_; ++group)
        run_band(xb, yb, n, group, band * g_.oh / bands_, (band + 1) * g_.oh / bands_, ring);
    }
  }
}

SATURN_AVX512_VNNI void DepthwiseVnni::run_band(const uint8_t* x, uint8_t* y, int64_t n, int64_t group,
                                                int64_t oh0, int64_t oh1, uint8_t* ring) const {
  const int64_t tail = g_.c % kGroup;
  const __mmask64 mask = group + 1 == groups_ && tail != 0 ? (__mmask64{1} << tail) - 1 : ~__mmask64{0};
  const bool flip = x_type_ == DType::kS8, u8_y = y_type_ == DType::kU8;
  const auto* weights =
      reinterpret_cast<const __m512i*>(weights_.data()) + group * g_.kh * blocks_ * kVectors;
  const int32_t* bias = bias_.data() + group * kGroup;
  const float* scale = scales_.data() + group * kGroup;
  const avx512_vnni::Requantizer requantizer(requantization_);
  const uint8_t* quads[kMaxKernelHeight];
  for (int64_t ow0 = 0; ow0 < g_.ow; ow0 += tile_width_) {
    const int64_t ow1 = std::min(g_.ow, ow0 + tile_width_);
    const int64_t columns = quad_columns(g_, ow1 - ow0), row_bytes = columns * kQuadBytes;
    int64_t held[kMaxKernelHeight];  // the input row each ring slot holds
    std::fill(held, held + g_.kh, std::numeric_limits<int64_t>::min());
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      const int64_t ih0 = oh * g_.stride_h - g_.pad_top;
      for (int64_t r = 0; r < g_.kh; ++r) {
        const int64_t ih = ih0 + r, slot = (ih % g_.kh + g_.kh) % g_.kh;
        uint8_t* dst = ring + slot * row_bytes;
        if (held[slot] != ih) {
          const bool inside = ih >= 0 && ih < g_.h;
          const uint8_t* row = inside ? x + (n * g_.h + ih) * g_.w * g_.c + group * kGroup : nullptr;
          build_quads(row, g_.w, g_.c, g_.pad_left, ow0, columns, mask, flip, dst);
          held[slot] = ih;
        }
        quads[r] = dst;
      }
      const Pixels p{quads, weights, bias, scale, &requantizer, u8_y, mask, g_.c};
      uint8_t* out = y + ((n * g_.oh + oh) * g_.ow + ow0) * g_.c + group * kGroup;
      if (g_.kh == 3 && blocks_ == 1)
        p.run<3, 1>(ow1 - ow0, out);
      else if (g_.kh == 5 && blocks_ == 2)
        p.run<5, 2>(ow1 - ow0, out);
      else
        p.run<0, 0>(ow1 - ow0, out, g_.kh, blocks_);
    }
  }
}

}  // namespace saturn::depthwise_vnni
