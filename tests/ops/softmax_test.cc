#include <gtest/gtest.h>

#include <cmath>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

OpFn softmax(int axis, bool coerce_2d) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::Softmax, fb::CreateSoftmax(b, axis, coerce_2d).Union());
  };
}

// Softmax over the row-major block dims[begin, end) for every index of the other dims, in double.
std::vector<float> reference(const std::vector<float>& x, const std::vector<int64_t>& dims, int begin,
                             int end) {
  int64_t outer = 1, n = 1, inner = 1;
  for (int d = 0; d < static_cast<int>(dims.size()); ++d)
    (d < begin ? outer : d < end ? n : inner) *= dims[d];
  std::vector<float> y(x.size());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const auto at = [&](int64_t k) { return (o * n + k) * inner + i; };
      double mx = -INFINITY, sum = 0;
      for (int64_t k = 0; k < n; ++k) mx = std::max(mx, double{x[at(k)]});
      for (int64_t k = 0; k < n; ++k) sum += std::exp(x[at(k)] - mx);
      for (int64_t k = 0; k < n; ++k) y[at(k)] = static_cast<float>(std::exp(x[at(k)] - mx) / sum);
    }
  }
  return y;
}

void check(const std::vector<int64_t>& dims, int axis, bool coerce, Layout layout) {
  SCOPED_TRACE("axis " + std::to_string(axis) + (coerce ? " coerce_2d " : " ") + layout_name(layout));
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  const std::vector<float> x = random_floats(count, -5.f, 5.f, 7);
  const std::vector<float> want = reference(x, dims, axis, coerce ? static_cast<int>(dims.size()) : axis + 1);
  KernelHarness h(softmax(axis, coerce));
  h.add_input(desc(dims, DType::kF32, layout), bytes_of(layout == Layout::kNhwc ? to_nhwc(x, dims) : x));
  h.add_output();
  auto kernel = make_softmax_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(h.output_desc(0).dims, dims);
  EXPECT_EQ(h.output_desc(0).layout, layout);
  h.run();
  std::vector<float> got = h.output<float>(0);
  if (layout == Layout::kNhwc) got = from_nhwc(got, dims);
  expect_close(got, want);
}

TEST(Softmax, EveryAxisPlainAndNhwc) {
  for (Layout layout : {Layout::kPlain, Layout::kNhwc}) {
    for (int axis = 0; axis < 4; ++axis) {
      check({2, 3, 4, 5}, axis, false, layout);
      check({2, 3, 4, 5}, axis, true, layout);
    }
  }
}

TEST(Softmax, LowerRanks) {
  check({7}, 0, false, Layout::kPlain);
  check({3, 10}, 1, false, Layout::kPlain);
  check({3, 10}, 0, false, Layout::kPlain);
  check({2, 4, 6}, 1, true, Layout::kPlain);
  check({2, 1, 6}, 1, true, Layout::kPlain);
}

TEST(Softmax, RejectsAxisOutOfRange) {
  KernelHarness h(softmax(2, false), "sm");
  h.add_input(desc({3, 4}, DType::kF32, Layout::kPlain, "logits"), bytes_of(std::vector<float>(12)));
  h.add_output();
  auto kernel = make_softmax_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(), "node 'sm' (Softmax): axis 2 is out of range for input 0 'logits' with dims [3, 4]");
}

}  // namespace
}  // namespace saturn::testing
