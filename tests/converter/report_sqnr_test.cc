// report/sqnr.h: SQNR and top-1 agreement on vectors whose answers are known by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "converter/report/sqnr.h"

namespace saturn::report {
namespace {

TEST(ReportSqnr, KnownVectors) {
  // signal = 1 + 4 + 9 + 16 = 30, noise = 0.01 * 4 = 0.04 -> 10 log10(750).
  SqnrAccumulator a;
  a.add(std::vector<float>{1, -2, 3, -4}, std::vector<float>{1.1f, -2.1f, 2.9f, -3.9f});
  EXPECT_NEAR(a.signal(), 30.0, 1e-9);
  EXPECT_NEAR(a.noise(), 0.04, 1e-6);
  EXPECT_NEAR(a.db(), 10.0 * std::log10(750.0), 1e-4);
  EXPECT_EQ(a.count(), 4u);
  // Noise power equal to the signal: 0 dB; a tenth of the signal amplitude: 20 dB.
  SqnrAccumulator zero_db;
  zero_db.add(std::vector<float>{2, 2}, std::vector<float>{0, 4});
  EXPECT_NEAR(zero_db.db(), 0.0, 1e-12);
  SqnrAccumulator twenty;
  twenty.add(std::vector<float>{10, -10}, std::vector<float>{11, -9});
  EXPECT_NEAR(twenty.db(), 20.0, 1e-12);
}

TEST(ReportSqnr, AccumulatesSumsAcrossBatchesNotAverages) {
  // Batch 1: signal 1, noise 1 (0 dB). Batch 2: signal 100, noise 0.01 (40 dB).
  // Whole set: 101 / 1.01 = 100 -> 20 dB (the mean of the per-batch dB would be 20 too, so also
  // check an uneven split: 10 log10(101 / 1.01) stays 20 however the samples are grouped).
  SqnrAccumulator split;
  split.add(std::vector<float>{1}, std::vector<float>{0});
  split.add(std::vector<float>{10}, std::vector<float>{10.1f});
  SqnrAccumulator whole;
  whole.add(std::vector<float>{1, 10}, std::vector<float>{0, 10.1f});
  EXPECT_NEAR(split.db(), whole.db(), 1e-9);
  EXPECT_NEAR(whole.db(), 20.0, 1e-4);
  // Three batches where averaging dB would differ: (signal 1, noise 1), (1, 1), (1, 0.001).
  SqnrAccumulator three;
  three.add(std::vector<float>{1}, std::vector<float>{0});
  three.add(std::vector<float>{1}, std::vector<float>{2});
  three.add(std::vector<float>{1}, std::vector<float>{1.0f + std::sqrt(0.001f)});
  EXPECT_NEAR(three.db(), 10.0 * std::log10(3.0 / 2.001), 1e-4);
}

TEST(ReportSqnr, EdgeCases) {
  SqnrAccumulator exact;
  exact.add(std::vector<float>{1, 2}, std::vector<float>{1, 2});
  EXPECT_TRUE(std::isinf(exact.db()) && exact.db() > 0);
  SqnrAccumulator silent;
  silent.add(std::vector<float>{0, 0}, std::vector<float>{0.5f, 0});
  EXPECT_TRUE(std::isnan(silent.db()));
  SqnrAccumulator empty;
  EXPECT_TRUE(std::isnan(empty.db()));
}

TEST(ReportTop1, ArgmaxPerRowOfTheLastAxis) {
  Top1Agreement t;
  // Three rows of 3: argmax 2|2, 0|1, 0|0 (a tie in FP32: the first maximum wins) -> 2 of 3 agree.
  t.add(std::vector<float>{0, 1, 5, 1, 0, 0, 3, 3, 1}, std::vector<float>{0, 1, 4, 0.5f, 0.6f, 0, 3, 2, 1}, 3);
  EXPECT_EQ(t.rows(), 3u);
  EXPECT_EQ(t.agreeing(), 2u);
  EXPECT_NEAR(t.rate(), 2.0 / 3.0, 1e-12);
  t.add(std::vector<float>{1, 0, 0}, std::vector<float>{1, 1, 0}, 3);  // tie in INT8: first index (0) agrees
  EXPECT_EQ(t.agreeing(), 3u);
  EXPECT_EQ(t.rows(), 4u);
  Top1Agreement none;
  EXPECT_TRUE(std::isnan(none.rate()));
}

}  // namespace
}  // namespace saturn::report
