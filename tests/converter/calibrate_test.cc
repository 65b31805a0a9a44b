// Calibration: the streamed |x| histogram and the four threshold methods.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "converter/calibrate/histogram.h"
#include "converter/calibrate/ranges.h"
#include "converter/calibrate/threshold.h"

namespace saturn::calibrate {
namespace {

std::vector<float> gaussian_with_outliers(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> values(n);
  for (auto& v : values) v = normal(rng);
  values[n / 3] = 40.f;  // rare outliers
  values[n / 2] = -55.f;
  return values;
}

AbsHistogram observe_in_batches(const std::vector<float>& values, size_t batch) {
  AbsHistogram h;
  for (size_t begin = 0; begin < values.size(); begin += batch) {
    const size_t n = std::min(batch, values.size() - begin);
    EXPECT_TRUE(h.observe(std::span<const float>(values.data() + begin, n)));
  }
  return h;
}

TEST(AbsHistogram, CountsDoNotDependOnBatching) {
  // Small values first, so the range has to grow several times when batches are small.
  std::vector<float> values = gaussian_with_outliers(32 * 500, 7);
  std::sort(values.begin(), values.end(), [](float a, float b) { return std::fabs(a) < std::fabs(b); });
  const AbsHistogram one = observe_in_batches(values, 1);
  const AbsHistogram many = observe_in_batches(values, 32 * 17);
  EXPECT_EQ(one.range(), many.range());
  EXPECT_EQ(one.counts(), many.counts());
  EXPECT_EQ(one.min(), many.min());
  EXPECT_EQ(one.max(), many.max());
  for (Method m : {Method::kMax, Method::kPercentile, Method::kEntropy, Method::kMse}) {
    ThresholdOptions options;
    options.method = m;
    EXPECT_EQ(compute_threshold(one, options), compute_threshold(many, options)) << method_name(m);
  }
}

TEST(AbsHistogram, RangeIsPowerOfTwoAboveMax) {
  AbsHistogram h;
  const std::vector<float> values = {0.f, 0.5f, -3.f, 4.f};
  ASSERT_TRUE(h.observe(values));
  EXPECT_EQ(h.range(), 8.f);  // strictly above max|x| = 4
  EXPECT_EQ(h.total(), 4u);
  EXPECT_EQ(h.counts()[0], 1u);                    // the zero
  EXPECT_EQ(h.counts()[4.f / 8.f * 2048], 1u);     // 4 -> bin 1024
  EXPECT_EQ(h.min(), -3.f);
  EXPECT_EQ(h.max(), 4.f);
}

TEST(AbsHistogram, RejectsNanAndInf) {
  AbsHistogram h;
  const std::vector<float> nan = {1.f, std::nanf("")};
  const std::vector<float> inf = {INFINITY};
  EXPECT_FALSE(h.observe(nan));
  EXPECT_FALSE(h.observe(inf));
  EXPECT_EQ(h.total(), 0u);
}

TEST(Threshold, MaxIsAbsMax) {
  AbsHistogram h;
  ASSERT_TRUE(h.observe(gaussian_with_outliers(10000, 1)));
  ThresholdOptions options;
  options.method = Method::kMax;
  EXPECT_EQ(compute_threshold(h, options), 55.f);
}

// The mean squared error of quantizing `values` to s8 with threshold t (alpha = t / 127).
double quantization_mse(const std::vector<float>& values, float t) {
  double sum = 0;
  for (float v : values) {
    const float q = std::nearbyint(std::clamp(v / (t / 127.f), -127.f, 127.f));
    sum += (q * (t / 127.f) - v) * (q * (t / 127.f) - v);
  }
  return sum / values.size();
}

TEST(Threshold, OutliersAreClippedByPercentileAndEntropy) {
  AbsHistogram h;
  ASSERT_TRUE(h.observe(gaussian_with_outliers(200000, 3)));
  for (Method m : {Method::kPercentile, Method::kEntropy}) {
    ThresholdOptions options;
    options.method = m;
    const float t = compute_threshold(h, options);
    // A unit gaussian: the useful range is a few sigma, far below the outliers at 40 and 55.
    EXPECT_GT(t, 2.f) << method_name(m);
    EXPECT_LT(t, 8.f) << method_name(m);
  }
}

TEST(Threshold, MseBeatsMaxAndPercentileOnTheActualError) {
  const std::vector<float> values = gaussian_with_outliers(200000, 5);
  AbsHistogram h;
  ASSERT_TRUE(h.observe(values));
  ThresholdOptions mse, max, percentile;
  mse.method = Method::kMse;
  max.method = Method::kMax;
  percentile.method = Method::kPercentile;
  const float t = compute_threshold(h, mse);
  EXPECT_LT(t, 55.f);
  const double error = quantization_mse(values, t);
  EXPECT_LT(error, quantization_mse(values, compute_threshold(h, max)));
  EXPECT_LT(error, quantization_mse(values, compute_threshold(h, percentile)));
}

// A conv output over an image with a flat background: 15 nearly constant channels are spikes that
// hold most values, one wide channel (the edges, sigma 6) carries the information. Without spike
// capping the KL search clipped it at T = 8.5 (1.4 sigma); with it T = 12.2; the wide channel
// alone gives 19.8.
TEST(Threshold, EntropyIsNotDecidedBySpikes) {
  std::mt19937 rng(11);
  std::normal_distribution<float> narrow(0.f, 0.02f), wide(0.f, 6.f);
  std::vector<float> values, wide_only;
  for (int channel = 0; channel < 16; ++channel) {
    const float centre = -1.5f + 0.2f * channel;
    for (int i = 0; i < 4000; ++i) {
      values.push_back(channel == 15 ? wide(rng) : centre + narrow(rng));
      if (channel == 15) wide_only.push_back(values.back());
    }
  }
  AbsHistogram mixture, alone;
  ASSERT_TRUE(mixture.observe(values));
  ASSERT_TRUE(alone.observe(wide_only));
  EXPECT_GT(compute_threshold(mixture, ThresholdOptions{}), 1.8f * 6.f);
  EXPECT_GT(compute_threshold(alone, ThresholdOptions{}), 3.f * 6.f);
}

TEST(Threshold, PercentileOfUniformData) {
  std::vector<float> values(100000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) / values.size();
  AbsHistogram h;
  ASSERT_TRUE(h.observe(values));
  ThresholdOptions options;
  options.method = Method::kPercentile;
  options.percentile = 90.0;
  EXPECT_NEAR(compute_threshold(h, options), 0.9f, 1.f / 2048);
}

TEST(Threshold, AllZerosGivesZero) {
  AbsHistogram h;
  const std::vector<float> zeros(100, 0.f);
  ASSERT_TRUE(h.observe(zeros));
  EXPECT_EQ(compute_threshold(h, ThresholdOptions{}), 0.f);
}

}  // namespace
}  // namespace saturn::calibrate

namespace saturn::calibrate {
namespace {

TEST(Ranges, GraphInputsUseTheirFullRange) {
  // A normalized image: a large negative background and sparse positive ink. Entropy clips the ink
  // at the background's magnitude; inputs named in max_method_tensors keep max|x|.
  std::vector<float> pixels(10000, -0.81f);
  for (size_t i = 0; i < pixels.size(); i += 7) pixels[i] = 0.5f + static_cast<float>(i % 150) / 100.f;
  AbsHistogram h;
  ASSERT_TRUE(h.observe(pixels));
  const std::map<std::string, AbsHistogram> histograms = {{"image", h}, {"hidden", h}};
  RangeOptions options;
  options.max_method_tensors = {"image"};
  const RangeMap ranges = compute_ranges(histograms, options);
  EXPECT_EQ(ranges.at("image").t_s8, h.abs_max());
  EXPECT_EQ(ranges.at("image").t_u8, h.abs_max());
  EXPECT_LT(ranges.at("hidden").t_s8, h.abs_max());  // the same data under entropy is clipped
}

}  // namespace
}  // namespace saturn::calibrate

namespace saturn::calibrate {
namespace {

TEST(Threshold, EntropyCoversTheLongSideOfALopsidedTensor) {
  // HardSwish-like: most values in a short negative lobe [-0.375, 0], a long positive tail to ~6.
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> lobe(-0.375f, 0.f);
  std::exponential_distribution<float> tail(1.f);
  std::vector<float> values(100000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = i % 4 ? lobe(rng) : std::min(tail(rng), 6.f);
  AbsHistogram h;
  ASSERT_TRUE(h.observe(values));
  EXPECT_EQ(h.negative_counts()[0] + h.positive_counts()[0], h.counts()[0]);
  ThresholdOptions options;  // entropy
  EXPECT_GT(compute_threshold(h, options), 2.f);  // not clipped at the lobe's edge, 0.375
}

}  // namespace
}  // namespace saturn::calibrate
