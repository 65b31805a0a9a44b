// Quantize (F32 -> U8/S8) and Dequantize (U8/S8/S32 -> F32) at the borders of INT8 regions
// (schema/saturn.fbs, DESIGN section 2), per-tensor scales. Plain C++: elementwise, so any layout
// (registry policy kFollowFirst), and Y keeps X's layout.
//   Quantize:   y_q = sat(round_half_even(x / alpha_y)); NaN -> 0, +-Inf saturate; S8 is [-127, 127].
//               Bit-exact with ops/reference/quantize.h. (oneDNN's reorder is not used: it maps NaN to
//               the type's minimum and lets S8 reach -128.)
//   Dequantize: y = alpha_x * float(x_q), bit-exact with reference::dequantize.
#include <algorithm>
#include <cstdint>
#include <string>

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

// Branch-free so that the compiler vectorizes it: NaN -> 0, clamp, then round half to even by adding
// and subtracting 1.5 * 2^23 (exact for |v| <= 2^22 in the default rounding mode), then truncate the
// now integral value.
template <typename Q>
void quantize_loop(const float* x, Q* y, int64_t n, float alpha) {
  constexpr float kLo = reference::QuantRange<Q>::kMin;
  constexpr float kHi = reference::QuantRange<Q>::kMax;
  constexpr float kRound = 12582912.f;
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i] / alpha;
    v = v == v ? v : 0.f;
    v = v < kLo ? kLo : v;
    v = v > kHi ? kHi : v;
    v = (v + kRound) - kRound;
    y[i] = static_cast<Q>(static_cast<int32_t>(v));
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
