// DESIGN section 2 on one value: the seed's example, rounding, saturation, and NaN/Inf policy.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ops/reference/quantize.h"

namespace saturn::reference {
namespace {

std::vector<int> quantize_all(const std::vector<float>& x, float alpha) {
  std::vector<int> q;
  for (float v : x) q.push_back(quantize<int8_t>(v, alpha));
  return q;
}

TEST(QuantizeReference, SeedExampleWithoutThresholdLosesEverythingButTheOutlier) {
  const std::vector<float> x = {1, 2, 3, 4, 5, 12700};
  const float alpha = 12700.f / 127.f;  // 100
  EXPECT_EQ(quantize_all(x, alpha), (std::vector<int>{0, 0, 0, 0, 0, 127}));
}

TEST(QuantizeReference, SeedExampleWithThresholdFiveRoundsHalfToEven) {
  const std::vector<float> x = {1, 2, 3, 4, 5, 12700};
  const float alpha = 5.f / 127.f;
  EXPECT_EQ(quantize_all(x, alpha), (std::vector<int>{25, 51, 76, 102, 127, 127}));
  for (size_t i = 0; i + 1 < x.size(); ++i) {  // every non-outlier comes back within alpha / 2
    EXPECT_LE(std::fabs(dequantize(quantize<int8_t>(x[i], alpha), alpha) - x[i]), alpha / 2) << x[i];
  }
}

TEST(QuantizeReference, TiesGoToEven) {
  EXPECT_EQ(quantize<int8_t>(2.5f, 1.f), 2);
  EXPECT_EQ(quantize<int8_t>(3.5f, 1.f), 4);
  EXPECT_EQ(quantize<int8_t>(-2.5f, 1.f), -2);
  EXPECT_EQ(quantize<uint8_t>(0.5f, 1.f), 0);
}

TEST(QuantizeReference, SaturatesSymmetrically) {
  EXPECT_EQ(quantize<int8_t>(-1000.f, 1.f), -127);  // never -128
  EXPECT_EQ(quantize<int8_t>(1000.f, 1.f), 127);
  EXPECT_EQ(quantize<uint8_t>(-3.f, 1.f), 0);
  EXPECT_EQ(quantize<uint8_t>(300.f, 1.f), 255);
}

TEST(QuantizeReference, NanIsZeroAndInfSaturates) {
  EXPECT_EQ(quantize<int8_t>(std::nanf(""), 0.1f), 0);
  EXPECT_EQ(quantize<int8_t>(INFINITY, 0.1f), 127);
  EXPECT_EQ(quantize<int8_t>(-INFINITY, 0.1f), -127);
  EXPECT_EQ(quantize<uint8_t>(std::nanf(""), 0.1f), 0);
  EXPECT_EQ(quantize<uint8_t>(INFINITY, 0.1f), 255);
  EXPECT_EQ(quantize<uint8_t>(-INFINITY, 0.1f), 0);
}

}  // namespace
}  // namespace saturn::reference
