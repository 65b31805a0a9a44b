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

Epilogue make(const fb::Activation* activation, DType y_dtype, float alpha_y) {
  using alg = dnnl::algorithm;
  Epilogue e;
  const fb::ActivationKind kind = activation == nullptr ? fb::ActivationKind::None : activation->kind();
  if (y_dtype == DType::kF32) {
    dnnl_util::append_activation(e.ops, activation);
    return e;
  }
  const bool s8 = y_dtype == DType::kS8;
  const float inv = 1.f / alpha_y;
  // The general form: the activation with 1 / alpha_y merged into its tail, then the s8 bounds.
  const auto general = [&] {
    const float inf = std::numeric_limits<float>::infinity();
    dnnl_util::append_activation(e.ops, activation, inv, s8 ? -127.f : -inf, s8 ? 127.f : inf);
    return e;
  };
  // An affine tail does not commute with 1 / alpha_y as a bound would: it takes the general form.
  if (dnnl_util::has_affine_tail(activation)) return general();
  switch (kind) {
    case fb::ActivationKind::None:
      e.scale_factor = inv;
      if (s8) e.ops.append_eltwise(1.f, alg::eltwise_clip_v2, -127.f, 127.f);
      return e;
    case fb::ActivationKind::Relu:
      e.scale_factor = inv;
      e.ops.append_eltwise(1.f, alg::eltwise_relu, 0.f, 0.f);
      return e;
    case fb::ActivationKind::LeakyRelu:
      e.scale_factor = inv;
      e.ops.append_eltwise(1.f, alg::eltwise_relu, activation->alpha(), 0.f);
      if (s8) e.ops.append_eltwise(1.f, alg::eltwise_clip_v2, -127.f, 127.f);
      return e;
    case fb::ActivationKind::Clip: {
      e.scale_factor = inv;
      float lo = activation->alpha() * inv, hi = activation->beta() * inv;
      if (s8) {
        lo = std::max(lo, -127.f);
        hi = std::min(hi, 127.f);
      }
      e.ops.append_eltwise(1.f, alg::eltwise_clip_v2, lo, hi);
      return e;
    }
    default:
      return general();
  }
}

}  // namespace saturn::int8_epilogue
