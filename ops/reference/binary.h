// Scalar INT8 reference of Binary Add and Mul (schema/saturn.fbs, DESIGN section 2), written for
// clarity, not speed. A and B are row-major in their ONNX dims and broadcast numpy-style to Y:
//   real = alpha_a * a_q + alpha_b * b_q  (Add)  or  (alpha_a * a_q) * (alpha_b * b_q)  (Mul), in double
//   y    = requantize_value<Y>(real, activation, alpha_y)         (requantize.h)
#pragma once

#include <cstdint>
#include <vector>

#include "ops/reference/activation.h"

namespace saturn::reference {

struct BinaryInt8 {
  fb::BinaryKind kind = fb::BinaryKind::Add;  // Add or Mul
  std::vector<int64_t> a_dims, b_dims;
  float alpha_a = 1.f, alpha_b = 1.f;
  float alpha_y = 1.f;  // unused for a float Y
  Activation activation;
};

// Numpy broadcasting of `a` and `b` into `out`; false when they do not broadcast.
bool broadcast_dims(const std::vector<int64_t>& a, const std::vector<int64_t>& b, std::vector<int64_t>* out);

// A and B are uint8_t or int8_t; Y is uint8_t, int8_t or float. Returns Y row-major in the
// broadcast dims (empty when A and B do not broadcast).
template <typename A, typename B, typename Y>
std::vector<Y> binary_int8(const BinaryInt8& p, const A* a, const B* b);

}  // namespace saturn::reference
