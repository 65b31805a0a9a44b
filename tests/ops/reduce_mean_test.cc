#include <gtest/gtest.h>

#include <algorithm>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

OpFn reduce_mean(std::vector<int> axes, bool keepdims) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::ReduceMean,
                          fb::CreateReduceMean(b, b.CreateVector(axes), keepdims).Union());
  };
}

// Row-major mean over `axes` (in double); returns the values in the kept-dims order.
std::vector<float> reference(const std::vector<float>& x, const std::vector<int64_t>& dims,
                             const std::vector<int>& axes) {
  std::vector<int64_t> kept = dims;
  for (int a : axes) kept[a] = 1;
  int64_t out_count = 1, group = 1;
  for (size_t d = 0; d < dims.size(); ++d) {
    out_count *= kept[d];
    group *= dims[d] / kept[d];
  }
  std::vector<double> sum(out_count, 0.0);
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t rem = static_cast<int64_t>(i), o = 0, os = 1;
    for (int d = static_cast<int>(dims.size()) - 1; d >= 0; --d) {
      const int64_t idx = rem % dims[d];
      rem /= dims[d];
      if (kept[d] != 1) o += idx * os;
      os *= kept[d];
    }
    sum[o] += x[i];
  }
  std::vector<float> y(out_count);
  for (int64_t o = 0; o < out_count; ++o) y[o] = static_cast<float>(sum[o] / group);
  return y;
}

void check(const std::vector<int64_t>& dims, const std::vector<int>& axes, bool keepdims, Layout layout) {
  SCOPED_TRACE(std::string(keepdims ? "keepdims " : "") + layout_name(layout) + " axes " +
               std::to_string(axes.size()) + " first " + std::to_string(axes[0]));
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  const std::vector<float> x = random_floats(count, -3.f, 3.f, 11);
  KernelHarness h(reduce_mean(axes, keepdims));
  h.add_input(desc(dims, DType::kF32, layout), bytes_of(layout == Layout::kNhwc ? to_nhwc(x, dims) : x));
  h.add_output();
  auto kernel = make_reduce_mean_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_TRUE(s.is_ok()) << s.message();
  std::vector<int64_t> want_dims;
  for (size_t d = 0; d < dims.size(); ++d) {
    const bool reduced = std::find(axes.begin(), axes.end(), static_cast<int>(d)) != axes.end();
    if (!reduced) want_dims.push_back(dims[d]);
    if (reduced && keepdims) want_dims.push_back(1);
  }
  ASSERT_EQ(h.output_desc(0).dims, want_dims);
  EXPECT_EQ(h.output_desc(0).layout, keepdims && dims.size() == 4 ? layout : Layout::kPlain);
  h.run();
  std::vector<float> got = h.output<float>(0);
  if (h.output_desc(0).layout == Layout::kNhwc) got = from_nhwc(got, want_dims);
  expect_close(got, reference(x, dims, axes));
}

TEST(ReduceMean, AxesAndKeepdims) {
  for (Layout layout : {Layout::kPlain, Layout::kNhwc}) {
    for (bool keep : {true, false}) {
      check({2, 3, 4, 5}, {2, 3}, keep, layout);
      check({2, 3, 4, 5}, {1}, keep, layout);
      check({2, 3, 4, 5}, {0, 2}, keep, layout);
      check({2, 3, 4, 5}, {0, 1, 2, 3}, keep, layout);
    }
  }
  check({4, 6}, {1}, false, Layout::kPlain);
  check({4, 6, 8}, {2}, true, Layout::kPlain);
  check({7}, {0}, false, Layout::kPlain);
}

TEST(ReduceMean, ReducedDimsOfSizeOneCopy) {
  check({2, 1, 4, 1}, {1, 3}, true, Layout::kNhwc);
  check({2, 1, 4, 1}, {1, 3}, false, Layout::kPlain);
}

TEST(ReduceMean, RejectsUnsortedAxes) {
  KernelHarness h(reduce_mean({2, 1}, true), "rm");
  h.add_input(desc({2, 3, 4}, DType::kF32, Layout::kPlain, "x"), bytes_of(std::vector<float>(24)));
  h.add_output();
  auto kernel = make_reduce_mean_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(),
            "node 'rm' (ReduceMean): axes must be sorted, distinct and in [0, 3) for input 0 'x' with dims "
            "[2, 3, 4], "
            "found axis 1");
}

}  // namespace
}  // namespace saturn::testing
