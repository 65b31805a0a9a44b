// Scalar INT8 reference of MatMul (numpy semantics; schema/saturn.fbs, DESIGN section 2), written
// for clarity, not speed. Row-major tensors in their ONNX dims:
//   - A rank 1 [K] is [1, K] and B rank 1 [K] is [K, 1]; the inserted dim is dropped from Y.
//   - Batch dims (all but the last two) broadcast numpy-style.
//   acc[..., i, j] = sum_k a_q[..., i, k] * b_q[..., k, j]    (int32)
//   real           = acc * alpha_a * alpha_b[j]               (double)
//   y[..., i, j]   = requantize_value<Y>(real, activation, alpha_y)   (requantize.h)
// alpha_b holds N values (per column: B constant) or 1 (per tensor: B constant or a runtime
// activation; the arithmetic is the same).
#pragma once

#include <cstdint>
#include <vector>

#include "ops/reference/activation.h"

namespace saturn::reference {

struct MatMulInt8 {
  std::vector<int64_t> a_dims, b_dims;  // rank >= 1 each
  float alpha_a = 1.f;
  std::vector<float> alpha_b;  // N values or 1
  float alpha_y = 1.f;         // unused for a float Y
  Activation activation;
};

// Y's dims by numpy matmul rules; empty when the dims do not match or broadcast.
std::vector<int64_t> matmul_output_dims(const std::vector<int64_t>& a_dims, const std::vector<int64_t>& b_dims);

// A is uint8_t or int8_t; Y is uint8_t, int8_t or float. Returns Y row-major in matmul_output_dims.
template <typename A, typename Y>
std::vector<Y> matmul_int8(const MatMulInt8& p, const A* a, const int8_t* b);

}  // namespace saturn::reference
