// Helpers of the INT8 kernel tests of Gemm, MatMul, Pool, Binary, Concat and Resize: random
// quantized data, quantized tensor descriptors, and the DESIGN section 2 comparisons (oneDNN vs
// the scalar reference within +-1 LSB, counting the elements off by one).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "ops/reference/quantize.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/quant_params.h"

namespace saturn::testing {

template <typename Q>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<Q, uint8_t>) return DType::kU8;
  if constexpr (std::is_same_v<Q, int8_t>) return DType::kS8;
  return DType::kF32;
}

// Uniform values over the whole quantized range of Q (s8 [-127, 127], u8 [0, 255]), or over
// [-limit, limit] when limit > 0 (7-bit weights: |w| <= 64 keeps oneDNN's jit kernels exact on
// CPUs without VNNI, see ops/matmul_int8.h).
template <typename Q>
std::vector<Q> random_q(size_t n, uint32_t seed, int limit = 0) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(limit > 0 ? -limit : static_cast<int>(reference::QuantRange<Q>::kMin),
                                          limit > 0 ? limit : static_cast<int>(reference::QuantRange<Q>::kMax));
  std::vector<Q> v(n);
  for (Q& x : v) x = static_cast<Q>(dist(gen));
  return v;
}

inline TensorDesc qdesc(std::vector<int64_t> dims, DType dtype, const QuantParamsHolder* quant,
                        Layout layout = Layout::kPlain, std::string name = "") {
  TensorDesc d = desc(std::move(dims), dtype, layout, std::move(name));
  d.quant = quant == nullptr ? nullptr : quant->get();
  return d;
}

// The scale that maps the largest |value| of `real` (times `fraction`) to Q's largest value:
// fraction < 1 makes the largest outputs saturate.
template <typename Q>
float scale_for(const std::vector<float>& real, float fraction) {
  float t = 0.f;
  for (float v : real) t = std::max(t, std::fabs(v));
  if (t == 0.f) t = 1.f;
  return t * fraction / reference::QuantRange<Q>::kMax;
}

struct LsbStats {
  int64_t total = 0;
  int64_t off_by_one = 0;
};

// oneDNN vs reference for a quantized Y: every element within 1 LSB; returns the counts.
template <typename Q>
LsbStats expect_within_one_lsb(const std::vector<Q>& got, const std::vector<Q>& want) {
  LsbStats s;
  EXPECT_EQ(got.size(), want.size());
  if (got.size() != want.size()) return s;
  for (size_t i = 0; i < got.size(); ++i) {
    const int diff = std::abs(int{got[i]} - int{want[i]});
    EXPECT_LE(diff, 1) << "at " << i << ": got " << int{got[i]} << ", want " << int{want[i]};
    s.total += 1;
    s.off_by_one += diff == 1;
  }
  return s;
}

// Prints the off-by-one fraction (grep '[lsb]' in the test log) and returns it.
inline void report_lsb(const std::string& what, const LsbStats& s) {
  std::cout << "[lsb] " << what << ": " << s.off_by_one << " / " << s.total << " elements off by 1 LSB\n";
}

// A dequantized output vs the FP32 result of the dequantized inputs (`fp32`, computed independently
// in double), the FP32 value saturated to Q's range first: within `lsb` * alpha_y. The reference
// meets 0.5 (its only error is the final rounding); oneDNN meets 1.5 (+-1 LSB from the reference).
// A relative 1e-6 allows for `fp32` values derived from float data.
template <typename Q>
void expect_near_fp32(const std::vector<Q>& q, float alpha_y, const std::vector<double>& fp32, double lsb) {
  ASSERT_EQ(q.size(), fp32.size());
  const double lo = alpha_y * double{reference::QuantRange<Q>::kMin};
  const double hi = alpha_y * double{reference::QuantRange<Q>::kMax};
  for (size_t i = 0; i < q.size(); ++i) {
    const double want = std::clamp(fp32[i], lo, hi);
    EXPECT_LE(std::fabs(alpha_y * static_cast<double>(q[i]) - want), alpha_y * lsb + 1e-6 * (std::fabs(want) + alpha_y))
        << "at " << i << ": q " << int{q[i]} << " * " << alpha_y << " vs fp32 " << fp32[i];
  }
}

}  // namespace saturn::testing
