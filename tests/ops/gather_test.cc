#include <gtest/gtest.h>

#include <numeric>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"

namespace saturn::testing {
namespace {

OpFn gather(int axis) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::Gather, fb::CreateGather(b, axis).Union());
  };
}

template <typename T>
std::vector<T> run_gather(int axis, const std::vector<int64_t>& dims, DType dtype, const std::vector<T>& x,
                          const std::vector<int64_t>& idx_dims, const std::vector<int64_t>& idx,
                          std::vector<int64_t>& out_dims) {
  KernelHarness h(gather(axis));
  h.add_input(desc(dims, dtype), bytes_of(x));
  h.add_input(desc(idx_dims, DType::kS64), bytes_of(idx), true);
  h.add_output();
  auto kernel = make_gather_kernel();
  const Status s = h.prepare(*kernel);
  EXPECT_TRUE(s.is_ok()) << s.message();
  if (!s.is_ok()) return {};
  out_dims = h.output_desc(0).dims;
  h.run();
  return h.output<T>(0);
}

TEST(Gather, Axis0WithMatrixIndices) {
  // data [3, 2]: rows {0,1}, {10,11}, {20,21}; indices [[2, 0], [1, 1]].
  const std::vector<float> x = {0, 1, 10, 11, 20, 21};
  std::vector<int64_t> out_dims;
  EXPECT_EQ(run_gather(0, {3, 2}, DType::kF32, x, {2, 2}, {2, 0, 1, 1}, out_dims),
            (std::vector<float>{20, 21, 0, 1, 10, 11, 10, 11}));
  EXPECT_EQ(out_dims, (std::vector<int64_t>{2, 2, 2}));
}

TEST(Gather, MiddleAxisAndScalarIndex) {
  std::vector<int32_t> x(24);
  std::iota(x.begin(), x.end(), 0);  // [2, 3, 4]
  std::vector<int64_t> out_dims;
  // axis 1, indices [2, 0]: out [2, 2, 4].
  std::vector<int32_t> want;
  for (int n = 0; n < 2; ++n)
    for (int c : {2, 0})
      for (int w = 0; w < 4; ++w) want.push_back((n * 3 + c) * 4 + w);
  EXPECT_EQ(run_gather(1, {2, 3, 4}, DType::kS32, x, {2}, {2, 0}, out_dims), want);
  EXPECT_EQ(out_dims, (std::vector<int64_t>{2, 2, 4}));
  // axis 2, scalar index 3: out [2, 3].
  want.clear();
  for (int i = 0; i < 6; ++i) want.push_back(i * 4 + 3);
  EXPECT_EQ(run_gather(2, {2, 3, 4}, DType::kS32, x, {}, {3}, out_dims), want);
  EXPECT_EQ(out_dims, (std::vector<int64_t>{2, 3}));
}

TEST(Gather, S64Data) {
  const std::vector<int64_t> x = {5, 6, 7, 1LL << 50};
  std::vector<int64_t> out_dims;
  EXPECT_EQ(run_gather(0, {4}, DType::kS64, x, {3}, {3, 3, 0}, out_dims),
            (std::vector<int64_t>{1LL << 50, 1LL << 50, 5}));
}

TEST(Gather, RejectsIndexOutOfRange) {
  KernelHarness h(gather(0), "g");
  h.add_input(desc({3}, DType::kF32, Layout::kPlain, "x"), bytes_of(std::vector<float>(3)));
  h.add_input(desc({2}, DType::kS64, Layout::kPlain, "idx"), bytes_of(std::vector<int64_t>{0, 3}), true);
  h.add_output();
  auto kernel = make_gather_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(), "node 'g' (Gather): input 1 'idx' holds 3 at 1, expected an index in [0, 3)");
}

TEST(Gather, RejectsRuntimeIndices) {
  KernelHarness h(gather(0), "g");
  h.add_input(desc({3}, DType::kF32, Layout::kPlain, "x"), bytes_of(std::vector<float>(3)));
  h.add_input(desc({2}, DType::kS64, Layout::kPlain, "idx"), bytes_of(std::vector<int64_t>{0, 1}));
  h.add_output();
  auto kernel = make_gather_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(), "node 'g' (Gather): input 1 'idx' is a runtime tensor, expected a constant");
}

}  // namespace
}  // namespace saturn::testing
