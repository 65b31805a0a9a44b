// The last step of DESIGN section 2 for one value, shared by the INT8 references of Gemm, MatMul
// and Binary Add: the op's real result (computed in double) -> one output element.
//   Y = float:          activation(real)
//   Y = uint8_t/int8_t: sat(round_half_even(activation(real) / alpha_y)), s8 in [-127, 127]
#pragma once

#include <type_traits>

#include "ops/reference/activation.h"
#include "ops/reference/quantize.h"

namespace saturn::reference {

template <typename Y>
Y requantize_value(double real, const Activation& activation, float alpha_y) {
  const double y = activate(activation, real);
  if constexpr (std::is_same_v<Y, float>) {
    return static_cast<float>(y);
  } else {
    return saturate_round<Y, double>(y / double{alpha_y});
  }
}

}  // namespace saturn::reference
