#include <gtest/gtest.h>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"

namespace saturn::testing {
namespace {

OpFn identity() {
  return [](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::Identity, fb::CreateIdentity(b).Union());
  };
}

TEST(Identity, CopiesAnyDtype) {
  const std::vector<int64_t> x = {1, -2, 3, 1LL << 40, -5, 6};
  KernelHarness h(identity());
  h.add_input(desc({2, 3}, DType::kS64), bytes_of(x));
  h.add_output();
  auto kernel = make_identity_kernel();
  ASSERT_TRUE(h.prepare(*kernel).is_ok());
  EXPECT_EQ(h.output_desc(0).dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(h.output_desc(0).dtype, DType::kS64);
  EXPECT_EQ(h.output_desc(0).layout, Layout::kPlain);
  EXPECT_EQ(h.impl(), "plain");
  h.run();
  EXPECT_EQ(h.output<int64_t>(0), x);
}

TEST(Identity, RejectsNhwcInput) {
  KernelHarness h(identity(), "id");
  h.add_input(desc({1, 2, 1, 1}, DType::kF32, Layout::kNhwc, "x"), bytes_of(std::vector<float>{1, 2}));
  h.add_output();
  auto kernel = make_identity_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(), "node 'id' (Identity): input 0 'x' has layout nhwc, expected plain");
}

}  // namespace
}  // namespace saturn::testing
