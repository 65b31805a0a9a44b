#include <gtest/gtest.h>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

OpFn concat(int axis) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::Concat, fb::CreateConcat(b, axis).Union());
  };
}

int64_t count(const std::vector<int64_t>& d) {
  int64_t n = 1;
  for (int64_t x : d) n *= x;
  return n;
}

// Row-major concat reference.
template <typename T>
std::vector<T> reference(const std::vector<std::vector<T>>& xs, const std::vector<std::vector<int64_t>>& dims,
                         int axis) {
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= dims[0][d];
  std::vector<T> y;
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < xs.size(); ++i) {
      const int64_t block = count(dims[i]) / outer;
      y.insert(y.end(), xs[i].begin() + o * block, xs[i].begin() + (o + 1) * block);
    }
  }
  return y;
}

void check(const std::vector<std::vector<int64_t>>& dims, int axis, Layout layout) {
  SCOPED_TRACE("axis " + std::to_string(axis) + " " + layout_name(layout));
  std::vector<std::vector<float>> xs;
  KernelHarness h(concat(axis));
  for (size_t i = 0; i < dims.size(); ++i) {
    xs.push_back(random_floats(count(dims[i]), -1.f, 1.f, static_cast<uint32_t>(i + 3)));
    const bool nhwc = layout == Layout::kNhwc && dims[i].size() == 4;
    h.add_input(desc(dims[i], DType::kF32, nhwc ? Layout::kNhwc : Layout::kPlain),
                bytes_of(nhwc ? to_nhwc(xs[i], dims[i]) : xs[i]));
  }
  h.add_output();
  auto kernel = make_concat_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_TRUE(s.is_ok()) << s.message();
  std::vector<int64_t> out_dims = dims[0];
  out_dims[axis] = 0;
  for (const auto& d : dims) out_dims[axis] += d[axis];
  ASSERT_EQ(h.output_desc(0).dims, out_dims);
  EXPECT_EQ(h.output_desc(0).layout, out_dims.size() == 4 ? layout : Layout::kPlain);
  h.run();
  std::vector<float> got = h.output<float>(0);
  if (h.output_desc(0).layout == Layout::kNhwc) got = from_nhwc(got, out_dims);
  EXPECT_EQ(got, reference(xs, dims, axis));
}

TEST(Concat, EveryAxisPlainAndNhwc) {
  for (Layout layout : {Layout::kPlain, Layout::kNhwc}) {
    check({{2, 3, 4, 5}, {2, 1, 4, 5}, {2, 6, 4, 5}}, 1, layout);
    check({{1, 3, 4, 5}, {2, 3, 4, 5}}, 0, layout);
    check({{2, 3, 4, 5}, {2, 3, 2, 5}}, 2, layout);
    check({{2, 3, 4, 5}, {2, 3, 4, 1}, {2, 3, 4, 3}}, 3, layout);
  }
}

TEST(Concat, OtherRanksAndSingleInput) {
  check({{3}, {5}}, 0, Layout::kPlain);
  check({{2, 3, 4}, {2, 2, 4}}, 1, Layout::kPlain);
  check({{2, 3, 4}, {2, 3, 1}}, 2, Layout::kPlain);
  check({{2, 3}}, 1, Layout::kPlain);
}

TEST(Concat, Int8KeepsValues) {
  const std::vector<int8_t> a = {-128, 1, 2, 127}, b = {5, -6};
  KernelHarness h(concat(1));
  h.add_input(desc({2, 2}, DType::kS8), bytes_of(a));
  h.add_input(desc({2, 1}, DType::kS8), bytes_of(b));
  h.add_output();
  auto kernel = make_concat_kernel();
  ASSERT_TRUE(h.prepare(*kernel).is_ok());
  EXPECT_EQ(h.output_desc(0).dtype, DType::kS8);
  h.run();
  EXPECT_EQ(h.output<int8_t>(0), (std::vector<int8_t>{-128, 1, 5, 2, 127, -6}));
}

TEST(Concat, RejectsMismatchedDims) {
  KernelHarness h(concat(1), "cat");
  h.add_input(desc({2, 3}, DType::kF32, Layout::kPlain, "a"), bytes_of(std::vector<float>(6)));
  h.add_input(desc({3, 3}, DType::kF32, Layout::kPlain, "b"), bytes_of(std::vector<float>(9)));
  h.add_output();
  auto kernel = make_concat_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(),
            "node 'cat' (Concat): input 1 'b' has dims [3, 3], expected [2, 3] except on axis 1");
}

TEST(Concat, RejectsMixedDtypes) {
  KernelHarness h(concat(0), "cat");
  h.add_input(desc({2}, DType::kF32, Layout::kPlain, "a"), bytes_of(std::vector<float>(2)));
  h.add_input(desc({2}, DType::kS8, Layout::kPlain, "b"), std::vector<uint8_t>(2));
  h.add_output();
  auto kernel = make_concat_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(), "node 'cat' (Concat): input 1 'b' has dtype s8, expected f32");
}

}  // namespace
}  // namespace saturn::testing
