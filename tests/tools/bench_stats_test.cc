// tools/bench/stats.h: percentiles by linear interpolation, summaries and the paired ratio spread.
#include <gtest/gtest.h>

#include <vector>

#include "tools/bench/stats.h"

namespace saturn::bench {
namespace {

TEST(BenchStats, PercentileInterpolatesBetweenRanks) {
  // Unsorted on purpose; sorted: 1 2 3 4 5, rank = q/100 * 4.
  const std::vector<double> v = {5, 1, 4, 2, 3};
  EXPECT_DOUBLE_EQ(percentile(v, 0), 1);
  EXPECT_DOUBLE_EQ(percentile(v, 50), 3);
  EXPECT_DOUBLE_EQ(percentile(v, 100), 5);
  EXPECT_DOUBLE_EQ(percentile(v, 90), 4.6);   // rank 3.6
  EXPECT_DOUBLE_EQ(percentile(v, 99), 4.96);  // rank 3.96
  EXPECT_DOUBLE_EQ(percentile(v, 10), 1.4);   // rank 0.4
  EXPECT_EQ(v, (std::vector<double>{5, 1, 4, 2, 3}));  // not reordered
}

TEST(BenchStats, PercentileEdgeCases) {
  EXPECT_DOUBLE_EQ(percentile({}, 50), 0);
  EXPECT_DOUBLE_EQ(percentile({7}, 0), 7);
  EXPECT_DOUBLE_EQ(percentile({7}, 99), 7);
  EXPECT_DOUBLE_EQ(percentile({1, 2}, 50), 1.5);
  EXPECT_DOUBLE_EQ(percentile({1, 2}, -5), 1);   // clamped to 0
  EXPECT_DOUBLE_EQ(percentile({1, 2}, 250), 2);  // clamped to 100
}

TEST(BenchStats, SummarizeGivesEveryFigure) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);  // 1..100, reversed
  LatencyStats s = summarize(v);
  EXPECT_EQ(s.count, 100u);
  EXPECT_DOUBLE_EQ(s.p50, 50.5);   // rank 49.5
  EXPECT_DOUBLE_EQ(s.p90, 90.1);   // rank 89.1
  EXPECT_DOUBLE_EQ(s.p99, 99.01);  // rank 98.01
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 100);
  LatencyStats empty = summarize({});
  EXPECT_EQ(empty.count, 0u);
  EXPECT_DOUBLE_EQ(empty.p50, 0);
}

TEST(BenchStats, RatioIsMedianOverMedianWithPairSpread) {
  // B takes 2x, 3x, 2x, 4x, 2x A's time, pair by pair.
  const std::vector<double> a = {10, 10, 20, 10, 10};
  const std::vector<double> b = {20, 30, 40, 40, 20};
  RatioSpread r = ratio_spread(a, b);
  EXPECT_EQ(r.pairs, 5u);
  EXPECT_DOUBLE_EQ(r.ratio, 30.0 / 10.0);  // median(b) = 30, median(a) = 10
  // Pair ratios sorted: 2 2 2 3 4; p10 at rank 0.4, p90 at rank 3.6.
  EXPECT_DOUBLE_EQ(r.p10, 2);
  EXPECT_DOUBLE_EQ(r.p90, 3.6);
}

TEST(BenchStats, RatioBelowOneWhenASlower) {
  RatioSpread r = ratio_spread({4, 4, 4}, {1, 2, 1});
  EXPECT_DOUBLE_EQ(r.ratio, 0.25);
  EXPECT_DOUBLE_EQ(r.p10, 0.25);
  EXPECT_DOUBLE_EQ(r.p90, 0.45);  // ratios 0.25 0.25 0.5, rank 1.8
}

TEST(BenchStats, RatioSkipsUnusablePairs) {
  // Unequal lengths use the common prefix; pairs with a non-positive sample are skipped.
  RatioSpread r = ratio_spread({1, 0, 2, 5}, {3, 9, 6});
  EXPECT_EQ(r.pairs, 2u);
  EXPECT_DOUBLE_EQ(r.ratio, 4.5 / 1.5);
  EXPECT_DOUBLE_EQ(r.p10, 3);
  EXPECT_DOUBLE_EQ(r.p90, 3);
  RatioSpread none = ratio_spread({}, {1});
  EXPECT_EQ(none.pairs, 0u);
  EXPECT_DOUBLE_EQ(none.ratio, 0);
}

}  // namespace
}  // namespace saturn::bench
