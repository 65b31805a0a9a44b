// Quantize (F32 -> U8/S8) and Dequantize (U8/S8/S32 -> F32) at the borders of INT8 regions
// (schema/saturn.fbs, DESIGN section 2), per-tensor scales. Plain C++: elementwise, so any layout
// (registry policy kFollowFirst), and Y keeps X's layout.
//   Quantize:   y_q = sat(round_half_even(x / alpha_y)); NaN -> 0, +-Inf saturate; S8 is [-127, 127].
//               Bit-exact with ops/reference/quantize.h. (oneDNN's reorder is not used: it maps NaN to
//               the type's minimum and lets S8 reach -128.)
//   Dequantize: y = alpha_x * float(x_q), bit-exact with reference::dequantize.
// x86-64 only (SSE2), as is oneDNN's CPU engine here.
#include <emmintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

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

// SSE2 (x86-64's baseline), four values at a time: divide, NaN -> 0 (a NaN compares unequal to
// itself), clamp to the type's range, then cvtps2dq rounds half to even (the default rounding mode)
// and the packs narrow without further saturation. Exactly reference::quantize. Blocks of the
// tensor run in parallel on the session's threads.
template <typename Q>
void quantize_block(const float* x, Q* y, int64_t n, float alpha) {
  const __m128 a = _mm_set1_ps(alpha);
  const __m128 lo = _mm_set1_ps(reference::QuantRange<Q>::kMin);
  const __m128 hi = _mm_set1_ps(reference::QuantRange<Q>::kMax);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    __m128 v = _mm_div_ps(_mm_loadu_ps(x + i), a);
    v = _mm_and_ps(v, _mm_cmpeq_ps(v, v));
    v = _mm_min_ps(_mm_max_ps(v, lo), hi);
    const __m128i q32 = _mm_cvtps_epi32(v);
    const __m128i q16 = _mm_packs_epi32(q32, q32);
    const __m128i q8 = std::is_signed_v<Q> ? _mm_packs_epi16(q16, q16) : _mm_packus_epi16(q16, q16);
    const int32_t four = _mm_cvtsi128_si32(q8);
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
    y.dims = ctx.input(0).dims;
    y.layout = ctx.input(0).layout;
    dtype_ = y.dtype;
    n_ = ctx.input(0).elements();
    ctx.set_impl(std::string("plain:quantize_") + dtype_name(dtype_));
    return Status::ok();
  }
  void run(RunContext& ctx) const override {
    const auto* x = static_cast<const float*>(ctx.input(0));
    if (dtype_ == DType::kU8) {
      quantize_loop(x, static_cast<uint8_t*>(ctx.output(0)), n_, alpha_);
    } else {
      quantize_loop(x, static_cast<int8_t*>(ctx.output(0)), n_, alpha_);
    }
  }

 private:
  DType dtype_ = DType::kS8;
  int64_t n_ = 0;
  float alpha_ = 1.f;
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
