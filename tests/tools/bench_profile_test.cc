// tools/bench/profile.h: medians per step, shares, GMAC/s, the summary and the top list.
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "tools/bench/profile.h"

namespace saturn::bench {
namespace {

StepInfo step(const char* name, const char* op, const char* impl, DType dtype, int64_t macs) {
  StepInfo s;
  s.name = name;
  s.op = op;
  s.impl = impl;
  s.dtype = dtype;
  s.macs = macs;
  return s;
}

TEST(BenchProfile, BuildsRowsAndSummary) {
  const std::vector<StepInfo> steps = {
      step("q", "Quantize", "quantize", DType::kF32, 0),
      step("conv1", "Conv", "brgconv:avx512_core_vnni", DType::kU8, 3'000'000),
      step("reorder:t->nhwc", "Reorder", "jit:uni", DType::kU8, 0),
      step("fc", "Gemm", "ref:any", DType::kF32, 1'000'000),
      step("dq", "Dequantize", "dequantize", DType::kS8, 0),
  };
  // Three iterations (ns); medians per step: 100, 3000, 200, 500, 200 -> sum 4000 ns.
  const std::vector<std::vector<int64_t>> nanos = {
      {100, 3000, 200, 500, 200},
      {90, 2900, 250, 400, 100},
      {120, 3100, 150, 600, 300},
  };
  const std::vector<int64_t> walls = {4000, 4000, 5000};  // coverage 1.0, 0.935, 0.854 -> median 0.935
  Profile p = build_profile(steps, nanos, walls);
  ASSERT_EQ(p.rows.size(), 5u);
  EXPECT_DOUBLE_EQ(p.rows[1].median_ms, 0.003);
  EXPECT_NEAR(p.rows[1].share, 0.75, 1e-12);
  EXPECT_NEAR(p.rows[1].gmacs, 1000.0, 1e-9);  // 3e6 MAC in 3 us
  EXPECT_NEAR(p.rows[3].gmacs, 2000.0, 1e-9);  // 1e6 MAC in 0.5 us
  EXPECT_DOUBLE_EQ(p.rows[0].gmacs, 0);
  EXPECT_EQ(p.rows[2].op, "Reorder");
  EXPECT_EQ(p.rows[4].dtype, DType::kS8);

  const ProfileSummary& s = p.summary;
  EXPECT_EQ(s.reorders, (std::vector<size_t>{2}));
  EXPECT_NEAR(s.reorder_ms, 0.0002, 1e-15);
  EXPECT_EQ(s.qdq, (std::vector<size_t>{0, 4}));
  EXPECT_NEAR(s.qdq_ms, 0.0003, 1e-15);
  EXPECT_EQ(s.total_macs, 4'000'000);
  EXPECT_EQ(s.int8_macs, 3'000'000);
  EXPECT_DOUBLE_EQ(s.int8_mac_share, 0.75);
  EXPECT_NEAR(s.step_sum_ms, 0.004, 1e-15);
  EXPECT_DOUBLE_EQ(s.wall_ms, 0.004);
  EXPECT_DOUBLE_EQ(s.coverage, 3740.0 / 4000.0);
  EXPECT_EQ(s.ref_steps, 1u);
  EXPECT_EQ(s.top, (std::vector<size_t>{1, 3, 2, 4, 0}));  // ties keep steps() order

  std::ostringstream out;
  print_profile(out, p, "avx512_core_vnni");
  const std::string text = out.str();
  for (const char* expected : {"per-step profile (5 steps", "brgconv:avx512_core_vnni", "reorders: 1 steps",
                               "quantize/dequantize: 2 steps", "MACs in INT8: 75.00%", "cover 93.50% of run()",
                               "top 5 steps by time", "oneDNN ISA: avx512_core_vnni"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << "missing '" << expected << "' in:\n" << text;
  }
}

TEST(BenchProfile, TopKeepsTenAndSkipsMismatchedIterations) {
  std::vector<StepInfo> steps;
  std::vector<int64_t> times;
  for (int k = 0; k < 12; ++k) {
    steps.push_back(step("s", "Relu", "", DType::kF32, 0));
    times.push_back(1000 * (k + 1));
  }
  // The second iteration has the wrong number of steps and is ignored.
  Profile p = build_profile(steps, {times, {1, 2, 3}}, {100000, 100000});
  ASSERT_EQ(p.summary.top.size(), 10u);
  EXPECT_EQ(p.summary.top.front(), 11u);
  EXPECT_EQ(p.summary.top.back(), 2u);
  EXPECT_DOUBLE_EQ(p.rows[11].median_ms, 0.012);
  EXPECT_DOUBLE_EQ(p.summary.coverage, 78000.0 / 100000.0);
  EXPECT_DOUBLE_EQ(p.summary.int8_mac_share, 0);  // no MACs at all
}

}  // namespace
}  // namespace saturn::bench
