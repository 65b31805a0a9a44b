#include "ops/avx2_requantize.h"

#include <algorithm>
#include <limits>

namespace saturn::avx2 {

Requantization make_requantization(const fb::Activation* activation, DType y_type, float alpha_y,
                                   std::vector<float>* scales, float alpha_r) {
  Requantization r;
  r.y_type = y_type;
  if (activation != nullptr) {
    r.kind = activation->kind();
    r.alpha = activation->alpha();
    r.beta = activation->beta();
    r.tail_scale = activation->scale();
    r.tail_shift = activation->shift();
  }
  if (is_int8(y_type)) {
    r.tail_scale /= alpha_y;
    r.tail_shift /= alpha_y;
  }
  const float inf = std::numeric_limits<float>::infinity();
  r.lo = y_type == DType::kU8 ? 0.f : y_type == DType::kS8 ? -127.f : -inf;
  r.hi = y_type == DType::kU8 ? 255.f : y_type == DType::kS8 ? 127.f : inf;
  r.folded = (r.kind == fb::ActivationKind::None || r.kind == fb::ActivationKind::Relu ||
              r.kind == fb::ActivationKind::Clip) &&
             r.tail_scale > 0.f;
  if (r.folded) {  // tail_scale * clamp(v, a, b) + tail_shift = clamp(tail_scale * v + tail_shift, mapped a,
                   // b)
    const float a = r.kind == fb::ActivationKind::Clip   ? r.alpha
                    : r.kind == fb::ActivationKind::Relu ? 0.f
                                                         : -inf;
    const float b = r.kind == fb::ActivationKind::Clip ? r.beta : inf;
    r.lo = std::max(r.lo, r.tail_scale * a + r.tail_shift);
    r.hi = std::min(r.hi, r.tail_scale * b + r.tail_shift);
    // scale * tail_scale, as (alpha_x * alpha_w[c]) * f's own scale / alpha_y: with no tail that is
    // the one division of ops/int8_epilogue.h's folded form, so both round alike.
    const float own_scale = activation == nullptr ? 1.f : activation->scale();
    const float divisor = is_int8(y_type) ? alpha_y : 1.f;
    for (float& s : *scales) s = s * own_scale / divisor;
    r.residual_scale = alpha_r * own_scale / divisor;
  } else {
    r.residual_scale = alpha_r;
  }
  return r;
}

bool supports(const fb::Activation* a) {
  if (a == nullptr) return true;
  switch (a->kind()) {
    case fb::ActivationKind::Sigmoid:
    case fb::ActivationKind::Tanh:
    case fb::ActivationKind::Gelu: return false;
    default: return true;
  }
}

}  // namespace saturn::avx2
