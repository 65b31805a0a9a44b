// Scalar INT8 reference of Gemm (schema/saturn.fbs, DESIGN section 2), written for clarity, not
// speed. A is [M, K] ([K, M] with trans_a), B is [K, N] ([N, K] with trans_b), both row-major.
//   acc[i, j] = bias_q[j] + sum_k a_q[i, k] * b_q[k, j]                     (int32)
//   real      = acc * alpha_a * alpha_b[j]                                  (double)
//   y[i, j]   = requantize_value<Y>(real, activation, alpha_y)              (requantize.h)
// alpha_b holds N values (per column) or 1 (per tensor). alpha = beta = 1 (folded by the converter).
#pragma once

#include <cstdint>
#include <vector>

#include "ops/reference/activation.h"

namespace saturn::reference {

struct GemmInt8 {
  int64_t m = 1, k = 1, n = 1;
  bool trans_a = false, trans_b = false;
  float alpha_a = 1.f;
  std::vector<float> alpha_b;  // N values or 1
  float alpha_y = 1.f;         // unused for a float Y
  Activation activation;
};

// A is uint8_t or int8_t; Y is uint8_t, int8_t or float. bias (N values) may be null.
// Returns Y [M, N] row-major.
template <typename A, typename Y>
std::vector<Y> gemm_int8(const GemmInt8& p, const A* a, const int8_t* b, const int32_t* bias);

}  // namespace saturn::reference
