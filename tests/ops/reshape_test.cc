#include <gtest/gtest.h>

#include <numeric>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"

namespace saturn::testing {
namespace {

OpFn reshape(std::vector<int64_t> shape) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::Reshape, fb::CreateReshape(b, b.CreateVector(shape)).Union());
  };
}
OpFn flatten(int axis) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::Flatten, fb::CreateFlatten(b, axis).Union());
  };
}
OpFn squeeze(std::vector<int> axes) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::Squeeze, fb::CreateSqueeze(b, b.CreateVector(axes)).Union());
  };
}
OpFn unsqueeze(std::vector<int> axes) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::Unsqueeze, fb::CreateUnsqueeze(b, b.CreateVector(axes)).Union());
  };
}

// Runs the reshape kernel on a [2, 3, 1, 4] s32 iota input and checks dims and bytes.
void check(const OpFn& op, const std::vector<int64_t>& in_dims, const std::vector<int64_t>& want_dims) {
  std::vector<int32_t> x(24);
  std::iota(x.begin(), x.end(), -5);
  KernelHarness h(op);
  h.add_input(desc(in_dims, DType::kS32), bytes_of(x));
  h.add_output();
  auto kernel = make_reshape_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(h.output_desc(0).dims, want_dims);
  EXPECT_EQ(h.output_desc(0).dtype, DType::kS32);
  EXPECT_EQ(h.output_desc(0).layout, Layout::kPlain);
  h.run();
  EXPECT_EQ(h.output<int32_t>(0), x);
}

TEST(Reshape, AllFourOps) {
  check(reshape({4, 6}), {2, 3, 1, 4}, {4, 6});
  check(reshape({24}), {2, 3, 1, 4}, {24});
  check(flatten(0), {2, 3, 1, 4}, {1, 24});
  check(flatten(2), {2, 3, 1, 4}, {6, 4});
  check(flatten(4), {2, 3, 1, 4}, {24, 1});
  check(squeeze({2}), {2, 3, 1, 4}, {2, 3, 4});
  check(squeeze({0, 2}), {1, 3, 1, 8}, {3, 8});
  check(unsqueeze({0}), {2, 3, 4}, {1, 2, 3, 4});
  check(unsqueeze({1, 4}), {2, 3, 4}, {2, 1, 3, 4, 1});
}

TEST(Reshape, RejectsElementCountMismatch) {
  KernelHarness h(reshape({5, 5}), "r");
  h.add_input(desc({2, 12}, DType::kF32, Layout::kPlain, "x"), bytes_of(std::vector<float>(24)));
  h.add_output();
  auto kernel = make_reshape_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(),
            "node 'r' (Reshape): input 0 'x' has dims [2, 12] (24 elements), which do not fit output dims "
            "[5, 5] (25 "
            "elements)");
}

TEST(Reshape, RejectsSqueezeOfDimNotOne) {
  KernelHarness h(squeeze({1}), "sq");
  h.add_input(desc({2, 3}, DType::kF32, Layout::kPlain, "x"), bytes_of(std::vector<float>(6)));
  h.add_output();
  auto kernel = make_reshape_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(),
            "node 'sq' (Squeeze): cannot squeeze axis 1 of input 0 'x' with dims [2, 3]: expected size 1");
}

}  // namespace
}  // namespace saturn::testing
