// Quantize (F32 -> U8/S8) and Dequantize (U8/S8/S32 -> F32) at the borders of INT8 regions
// (schema/saturn.fbs, DESIGN section 2), per-tensor scales. Plain C++: elementwise, so any layout
// (registry policy kFollowFirst), and Y keeps X's layout, except that a Quantize of a Plain rank-4
// X whose readers all want Nhwc (a model's image input before its first Conv) writes Y in Nhwc
// itself: one pass instead of a Quantize and a Reorder.
//   Quantize:   y_q = sat(round_half_even(x / alpha_y)); NaN -> 0, +-Inf saturate; S8 is [-127, 127].
//               Bit-exact with ops/reference/quantize.h. (oneDNN's reorder is not used: it maps NaN to
//               the type's minimum and lets S8 reach -128.)
//   Dequantize: y = alpha_x * float(x_q), bit-exact with reference::dequantize.
// x86-64 only (SSE2), as is oneDNN's CPU engine here.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include <omp.h>

#include "ops/avx2.h"
#include "ops/op_util.h"
#include "ops/ops.h"
#include "ops/reference/quantize.h"

namespace saturn {
namespace {

size_t scale_count(const fb::QuantParams* q) { return q == nullptr || q->scale() == nullptr ? 0 : q->scale()->size(); }

Status single_scale(const PrepareContext& ctx, const std::string& label, const fb::QuantParams* q, float* out) {
  const size_t n = scale_count(q);
  if (n != 1) return ctx.error(label + " has " + std::to_string(n) + " quant scales, expected 1 (per tensor)");
  *out = q->scale()->Get(0);
  return Status::ok();
}

// int16 values (already within Q's range: the clamp before the packs) narrowed to bytes of Q.
template <typename Q>
__m128i narrow_to_bytes(__m128i q16) {
  return std::is_signed_v<Q> ? _mm_packs_epi16(q16, q16) : _mm_packus_epi16(q16, q16);
}

// quantize_block's steps eight values at a time with AVX2 (twice the divisions per instruction);
// returns how many values it quantized (a multiple of 8), the rest left to quantize_block.
template <typename Q>
__attribute__((target("avx2"))) int64_t quantize_block_avx2(const float* x, Q* y, int64_t n, float alpha) {
  const __m256 a = _mm256_set1_ps(alpha);
  const __m256 lo = _mm256_set1_ps(reference::QuantRange<Q>::kMin);
  const __m256 hi = _mm256_set1_ps(reference::QuantRange<Q>::kMax);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i), a);
    v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_EQ_OQ));
    v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
    const __m256i q32 = _mm256_cvtps_epi32(v);
    const __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(q32), _mm256_extracti128_si256(q32, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y + i), narrow_to_bytes<Q>(q16));
  }
  return i;
}

// SSE2 (x86-64's baseline), four values at a time, after quantize_block_avx2 where the CPU has
// AVX2: divide, NaN -> 0 (a NaN compares unequal to itself), clamp to the type's range, then
// cvtps2dq rounds half to even (the default rounding mode) and the packs narrow without further
// saturation. Exactly reference::quantize. Blocks of the tensor run in parallel on the session's
// threads.
template <typename Q>
void quantize_block(const float* x, Q* y, int64_t n, float alpha) {
  const int64_t done = avx2::cpu_has_avx2() ? quantize_block_avx2(x, y, n, alpha) : 0;
  x += done;
  y += done;
  n -= done;
  const __m128 a = _mm_set1_ps(alpha);
  const __m128 lo = _mm_set1_ps(reference::QuantRange<Q>::kMin);
  const __m128 hi = _mm_set1_ps(reference::QuantRange<Q>::kMax);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    __m128 v = _mm_div_ps(_mm_loadu_ps(x + i), a);
    v = _mm_and_ps(v, _mm_cmpeq_ps(v, v));
    v = _mm_min_ps(_mm_max_ps(v, lo), hi);
    const __m128i q32 = _mm_cvtps_epi32(v);
    const int32_t four = _mm_cvtsi128_si32(narrow_to_bytes<Q>(_mm_packs_epi32(q32, q32)));
    std::memcpy(y + i, &four, 4);
  }
  for (; i < n; ++i) y[i] = reference::quantize<Q>(x[i], alpha);
}

template <typename Q>
void quantize_loop(const float* x, Q* y, int64_t n, float alpha) {
  constexpr int64_t kBlock = 16384;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for if (blocks > 1)
  for (int64_t b = 0; b < blocks; ++b) quantize_block(x + b * kBlock, y + b * kBlock, std::min(kBlock, n - b * kBlock), alpha);
}

// The pshufb masks that interleave three planes of 16 bytes into 48: output vector v takes byte
// (16 v + j) / 3 of plane (16 v + j) % 3 at byte j (0x80: zero, for the other planes).
struct Interleave3Masks {
  alignas(16) uint8_t mask[3][3][16];  // [output vector][plane][byte]
  Interleave3Masks() {
    for (int v = 0; v < 3; ++v)
      for (int p = 0; p < 3; ++p)
        for (int j = 0; j < 16; ++j) mask[v][p][j] = (16 * v + j) % 3 == p ? static_cast<uint8_t>((16 * v + j) / 3) : 0x80;
  }
};

// out[3 i + k] = plane k's byte i, for i < w: 16 pixels at a time with SSSE3's pshufb.
__attribute__((target("ssse3"))) void interleave3(const uint8_t* planes, int64_t w, uint8_t* out) {
  static const Interleave3Masks m;
  int64_t i = 0;
  for (; i + 16 <= w; i += 16) {
    __m128i p[3];
    for (int k = 0; k < 3; ++k) p[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(planes + k * w + i));
    for (int v = 0; v < 3; ++v) {
      __m128i o = _mm_setzero_si128();
      for (int k = 0; k < 3; ++k)
        o = _mm_or_si128(o, _mm_shuffle_epi8(p[k], _mm_load_si128(reinterpret_cast<const __m128i*>(m.mask[v][k]))));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 3 * i + 16 * v), o);
    }
  }
  for (; i < w; ++i)
    for (int k = 0; k < 3; ++k) out[3 * i + k] = planes[k * w + i];
}

// X [N, C, H, W] Plain into Y [N, H, W, C] Nhwc on at most `threads` threads: each image row's
// channels are quantized into `rows` (C * W values per thread), then interleaved (three channels,
// an RGB image, 16 pixels at a time where the CPU has SSSE3).
template <typename Q>
void quantize_to_nhwc(const float* x, Q* y, const std::vector<int64_t>& dims, float alpha, Q* rows, int threads) {
  const int64_t c = dims[1], h = dims[2], w = dims[3];
  static const bool ssse3 = __builtin_cpu_supports("ssse3");
#pragma omp parallel for schedule(static) num_threads(std::min(threads, omp_get_max_threads()))
  for (int64_t nh = 0; nh < dims[0] * h; ++nh) {
    Q* row = rows + static_cast<int64_t>(omp_get_thread_num()) * c * w;
    const float* image = x + nh / h * c * h * w + nh % h * w;
    for (int64_t k = 0; k < c; ++k) quantize_block(image + k * h * w, row + k * w, w, alpha);
    Q* out = y + nh * w * c;
    if (c == 3 && ssse3) {
      interleave3(reinterpret_cast<const uint8_t*>(row), w, reinterpret_cast<uint8_t*>(out));
      continue;
    }
    for (int64_t i = 0; i < w; ++i)
      for (int64_t k = 0; k < c; ++k) out[i * c + k] = row[k * w + i];
  }
}

template <typename Q>
void dequantize_loop(const Q* x, float* y, int64_t n, float alpha) {
  for (int64_t i = 0; i < n; ++i) y[i] = alpha * static_cast<float>(x[i]);
}

class QuantizeKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 1, 1, 1));
    SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 0, DType::kF32));
    TensorDesc& y = ctx.output(0);
    if (y.dtype != DType::kU8 && y.dtype != DType::kS8) {
      return ctx.error(op_util::output_label(ctx, 0) + " has dtype " + dtype_name(y.dtype) +
                       " in the model, expected u8 or s8");
    }
    SATURN_RETURN_IF_ERROR(single_scale(ctx, op_util::output_label(ctx, 0), y.quant, &alpha_));
    const TensorDesc& x = ctx.input(0);
    y.dims = x.dims;
    to_nhwc_ = x.layout == Layout::kPlain && ctx.readers_layout(0) == Layout::kNhwc;
    y.layout = to_nhwc_ ? Layout::kNhwc : x.layout;
    dtype_ = y.dtype;
    n_ = x.elements();
    dims_ = x.dims;
    threads_ = omp_get_max_threads();  // the session's threads (prepare runs under them)
    if (to_nhwc_) ctx.request_scratch(static_cast<size_t>(threads_ * x.dims[1] * x.dims[3]));
    ctx.set_impl(std::string("plain:quantize_") + dtype_name(dtype_) + (to_nhwc_ ? "_to_nhwc" : ""));
    return Status::ok();
  }
  void run(RunContext& ctx) const override {
    if (dtype_ == DType::kU8) {
      run_as<uint8_t>(ctx);
    } else {
      run_as<int8_t>(ctx);
    }
  }

 private:
  template <typename Q>
  void run_as(RunContext& ctx) const {
    const auto* x = static_cast<const float*>(ctx.input(0));
    Q* y = static_cast<Q*>(ctx.output(0));
    if (to_nhwc_) {
      quantize_to_nhwc(x, y, dims_, alpha_, static_cast<Q*>(ctx.scratch()), threads_);
    } else {
      quantize_loop(x, y, n_, alpha_);
    }
  }

  DType dtype_ = DType::kS8;
  int64_t n_ = 0;
  float alpha_ = 1.f;
  bool to_nhwc_ = false;  // X Plain rank 4, Y Nhwc
  std::vector<int64_t> dims_;
  int threads_ = 1;  // that many row buffers in scratch
};

class DequantizeKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 1, 1, 1));
    const TensorDesc& x = ctx.input(0);
    if (x.dtype != DType::kU8 && x.dtype != DType::kS8 && x.dtype != DType::kS32) {
      return ctx.error(op_util::input_label(ctx, 0) + " has dtype " + dtype_name(x.dtype) +
                       ", expected u8, s8 or s32");
    }
    SATURN_RETURN_IF_ERROR(single_scale(ctx, op_util::input_label(ctx, 0), x.quant, &alpha_));
    TensorDesc& y = ctx.output(0);
    y.dims = x.dims;
    y.dtype = DType::kF32;
    y.layout = x.layout;
    dtype_ = x.dtype;
    n_ = x.elements();
    ctx.set_impl(std::string("plain:dequantize_") + dtype_name(dtype_));
    return Status::ok();
  }
  void run(RunContext& ctx) const override {
    auto* y = static_cast<float*>(ctx.output(0));
    const void* x = ctx.input(0);
    switch (dtype_) {
      case DType::kU8: dequantize_loop(static_cast<const uint8_t*>(x), y, n_, alpha_); break;
      case DType::kS8: dequantize_loop(static_cast<const int8_t*>(x), y, n_, alpha_); break;
      default: dequantize_loop(static_cast<const int32_t*>(x), y, n_, alpha_); break;
    }
  }

 private:
  DType dtype_ = DType::kS8;
  int64_t n_ = 0;
  float alpha_ = 1.f;
};

}  // namespace

std::unique_ptr<Kernel> make_quantize_kernel() { return std::make_unique<QuantizeKernel>(); }
std::unique_ptr<Kernel> make_dequantize_kernel() { return std::make_unique<DequantizeKernel>(); }

}  // namespace saturn
