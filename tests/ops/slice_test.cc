#include <gtest/gtest.h>

#include <numeric>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"

namespace saturn::testing {
namespace {

OpFn slice(std::vector<int64_t> starts, std::vector<int64_t> ends, std::vector<int64_t> steps) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(
        fb::Op::Slice,
        fb::CreateSlice(b, b.CreateVector(starts), b.CreateVector(ends), b.CreateVector(steps)).Union());
  };
}

TEST(Slice, OneDimHandWritten) {
  const std::vector<int32_t> x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  struct Case {
    int64_t start, end, step;
    std::vector<int32_t> want;
  };
  const Case cases[] = {
      {2, 7, 1, {2, 3, 4, 5, 6}},
      {1, 10, 3, {1, 4, 7}},
      {9, -1, -1, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
      {8, 1, -3, {8, 5, 2}},
      {0, 10, 20, {0}},
      {5, 5, 1, {}},
      {3, 3, -1, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.start) + ":" + std::to_string(c.end) + ":" + std::to_string(c.step));
    KernelHarness h(slice({c.start}, {c.end}, {c.step}));
    h.add_input(desc({10}, DType::kS32), bytes_of(x));
    h.add_output();
    auto kernel = make_slice_kernel();
    const Status s = h.prepare(*kernel);
    ASSERT_TRUE(s.is_ok()) << s.message();
    EXPECT_EQ(h.output_desc(0).dims, std::vector<int64_t>{static_cast<int64_t>(c.want.size())});
    h.run();
    EXPECT_EQ(h.output<int32_t>(0), c.want);
  }
}

TEST(Slice, FourDimsMixedSteps) {
  const std::vector<int64_t> dims = {2, 3, 4, 5};
  std::vector<float> x(120);
  std::iota(x.begin(), x.end(), 0.f);
  const std::vector<int64_t> starts = {1, 0, 3, 0}, ends = {2, 3, -1, 5}, steps = {1, 2, -2, 2};
  // Expected: n = 1; c = 0, 2; h = 3, 1; w = 0, 2, 4.
  std::vector<float> want;
  for (int64_t c : {0, 2})
    for (int64_t hh : {3, 1})
      for (int64_t w : {0, 2, 4}) want.push_back(x[((1 * 3 + c) * 4 + hh) * 5 + w]);
  KernelHarness h(slice(starts, ends, steps));
  h.add_input(desc(dims), bytes_of(x));
  h.add_output();
  auto kernel = make_slice_kernel();
  ASSERT_TRUE(h.prepare(*kernel).is_ok());
  EXPECT_EQ(h.output_desc(0).dims, (std::vector<int64_t>{1, 2, 2, 3}));
  h.run();
  EXPECT_EQ(h.output<float>(0), want);
}

// On Nhwc data (a channel split after ShuffleNet's shuffle, and spatial steps) Y stays Nhwc and
// holds the same logical values as the Plain slice.
TEST(Slice, NhwcInputGivesTheSameValuesInNhwc) {
  const std::vector<int64_t> dims = {2, 6, 3, 4};
  std::vector<float> x(144);
  std::iota(x.begin(), x.end(), 0.f);
  struct Case {
    std::vector<int64_t> starts, ends, steps;
  };
  const Case cases[] = {{{0, 3, 0, 0}, {2, 6, 3, 4}, {1, 1, 1, 1}}, {{1, 5, 2, 0}, {2, -1, 0, 4}, {1, -2, -1, 3}}};
  for (const Case& c : cases) {
    KernelHarness plain(slice(c.starts, c.ends, c.steps));
    plain.add_input(desc(dims), bytes_of(x));
    plain.add_output();
    auto k1 = make_slice_kernel();
    ASSERT_TRUE(plain.prepare(*k1).is_ok());
    plain.run();
    KernelHarness nhwc(slice(c.starts, c.ends, c.steps));
    nhwc.add_input(desc(dims, DType::kF32, Layout::kNhwc), bytes_of(to_nhwc(x, dims)));
    nhwc.add_output();
    auto k2 = make_slice_kernel();
    ASSERT_TRUE(nhwc.prepare(*k2).is_ok());
    ASSERT_EQ(nhwc.output_desc(0).layout, Layout::kNhwc);
    ASSERT_EQ(nhwc.output_desc(0).dims, plain.output_desc(0).dims);
    nhwc.run();
    EXPECT_EQ(from_nhwc(nhwc.output<float>(0), plain.output_desc(0).dims), plain.output<float>(0));
  }
}

TEST(Slice, RejectsUnclampedBounds) {
  KernelHarness h(slice({0, 0}, {2, 5}, {1, 1}), "s");
  h.add_input(desc({2, 4}, DType::kF32, Layout::kPlain, "x"), bytes_of(std::vector<float>(8)));
  h.add_output();
  auto kernel = make_slice_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(),
            "node 's' (Slice): dim 1: start 0, end 5, step 1 are not clamped to dim size 4 of input 0 'x'");
}

}  // namespace
}  // namespace saturn::testing
