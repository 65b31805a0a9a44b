#include "ops/int8_epilogue.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "ops/dnnl/dnnl_util.h"
#include "ops/op_util.h"

namespace saturn::int8_epilogue {
namespace {

Status single_scale(const PrepareContext& ctx, const std::string& label, const fb::QuantParams* q,
                    float* scale) {
  const size_t n = q == nullptr || q->scale() == nullptr ? 0 : q->scale()->size();
  if (n != 1) {
    return ctx.error(label + " has " + std::to_string(n) + " quant scales, expected 1 (per tensor)");
  }
  *scale = q->scale()->Get(0);
  if (!(*scale > 0.f) || !std::isfinite(*scale)) {
    return ctx.error(label + " has quant scale " + std::to_string(*scale) + ", expected a finite value > 0");
  }
  return Status::ok();
}

}  // namespace

Status input_scale(const PrepareContext& ctx, int i, float* scale) {
  return single_scale(ctx, op_util::input_label(ctx, i), ctx.input(i).quant, scale);
}

Status output_scale(PrepareContext& ctx, int i, float* scale) {
  return single_scale(ctx, op_util::output_label(ctx, i), ctx.output(i).quant, scale);
}

Epilogue make(const fb::Activation* activation, DType y_dtype, float alpha_y, const std::optional<Sum>& sum) {
  using alg = dnnl::algorithm;
  using Kind = fb::ActivationKind;
  Epilogue e;
  const Kind kind = activation == nullptr ? Kind::None : activation->kind();
  const bool int8_y = is_int8(y_dtype);
  const bool folded =
      int8_y && !dnnl_util::has_affine_tail(activation) &&
      (kind == Kind::None || kind == Kind::Relu || kind == Kind::LeakyRelu || kind == Kind::Clip);
  if (folded) e.divisor = alpha_y;
  if (sum) e.ops.append_sum(sum->scale / e.divisor, sum->type);
  if (!int8_y) {
    dnnl_util::append_activation(e.ops, activation);
    return e;
  }
  const bool s8 = y_dtype == DType::kS8;
  if (!folded) {
    const float inf = std::numeric_limits<float>::infinity();
    dnnl_util::append_activation(e.ops, activation, 1.f / alpha_y, s8 ? -127.f : -inf, s8 ? 127.f : inf);
    return e;
  }
  switch (kind) {
    case Kind::Relu: e.ops.append_eltwise(1.f, alg::eltwise_relu, 0.f, 0.f); break;
    case Kind::LeakyRelu:
      e.ops.append_eltwise(1.f, alg::eltwise_relu, activation->alpha(), 0.f);
      if (s8) e.ops.append_eltwise(1.f, alg::eltwise_clip_v2, -127.f, 127.f);
      break;
    case Kind::Clip: {
      float lo = activation->alpha() / alpha_y, hi = activation->beta() / alpha_y;
      if (s8) {
        lo = std::max(lo, -127.f);
        hi = std::min(hi, 127.f);
      }
      e.ops.append_eltwise(1.f, alg::eltwise_clip_v2, lo, hi);
      break;
    }
    default:  // None
      if (s8) e.ops.append_eltwise(1.f, alg::eltwise_clip_v2, -127.f, 127.f);
  }
  return e;
}

}  // namespace saturn::int8_epilogue
