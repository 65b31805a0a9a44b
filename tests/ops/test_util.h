// Comparison helpers for the op tests.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace saturn::testing {

// |got - want| <= rel * |want| + abs, elementwise (NaNs must match NaNs).
inline void expect_close(const std::vector<float>& got, const std::vector<float>& want, float rel = 1e-5f,
                         float abs = 1e-6f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "at " << i;
      continue;
    }
    EXPECT_LE(std::fabs(got[i] - want[i]), rel * std::fabs(want[i]) + abs)
        << "at " << i << ": got " << got[i] << ", want " << want[i];
  }
}

inline std::vector<float> random_floats(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

}  // namespace saturn::testing
