#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

OpFn unary(fb::ActivationKind kind, float alpha = 0.f, float beta = 0.f) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    const auto a = fb::CreateActivation(b, kind, alpha, beta);
    return std::make_pair(fb::Op::Unary, fb::CreateUnary(b, a).Union());
  };
}

// The schema's definitions (saturn.fbs, ActivationKind), in double.
float reference(fb::ActivationKind kind, float alpha, float beta, float xf) {
  const double x = xf;
  switch (kind) {
    case fb::ActivationKind::None: return xf;
    case fb::ActivationKind::Relu: return static_cast<float>(std::max(x, 0.0));
    case fb::ActivationKind::Clip:
      return static_cast<float>(std::min(std::max(x, double{alpha}), double{beta}));
    case fb::ActivationKind::Sigmoid: return static_cast<float>(1.0 / (1.0 + std::exp(-x)));
    case fb::ActivationKind::HardSigmoid:
      return static_cast<float>(std::max(0.0, std::min(1.0, alpha * x + beta)));
    case fb::ActivationKind::HardSwish:
      return static_cast<float>(x * std::max(0.0, std::min(1.0, x / 6 + 0.5)));
    case fb::ActivationKind::LeakyRelu: return static_cast<float>(x >= 0 ? x : alpha * x);
    case fb::ActivationKind::Tanh: return static_cast<float>(std::tanh(x));
    case fb::ActivationKind::Swish: return static_cast<float>(x / (1.0 + std::exp(-x)));
    case fb::ActivationKind::Gelu: return static_cast<float>(x * (1.0 + std::erf(x / std::sqrt(2.0))) / 2);
  }
  return 0.f;
}

struct Case {
  fb::ActivationKind kind;
  float alpha, beta;
};

class UnaryTest : public ::testing::TestWithParam<Case> {};

TEST_P(UnaryTest, MatchesSchemaDefinitionPlainAndNhwc) {
  const Case c = GetParam();
  const std::vector<int64_t> dims = {2, 3, 4, 5};
  std::vector<float> x = random_floats(120, -7.f, 7.f, 1);
  x[0] = 0.f;
  x[1] = -3.f;
  x[2] = 3.f;
  std::vector<float> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) want[i] = reference(c.kind, c.alpha, c.beta, x[i]);

  for (Layout layout : {Layout::kPlain, Layout::kNhwc}) {
    SCOPED_TRACE(layout_name(layout));
    KernelHarness h(unary(c.kind, c.alpha, c.beta));
    const std::vector<float> in = layout == Layout::kNhwc ? to_nhwc(x, dims) : x;
    h.add_input(desc(dims, DType::kF32, layout), bytes_of(in));
    h.add_output();
    auto kernel = make_unary_kernel();
    ASSERT_TRUE(h.prepare(*kernel).is_ok());
    EXPECT_EQ(h.output_desc(0).dims, dims);
    EXPECT_EQ(h.output_desc(0).dtype, DType::kF32);
    EXPECT_EQ(h.output_desc(0).layout, layout);
    EXPECT_FALSE(h.impl().empty());
    h.run();
    std::vector<float> got = h.output<float>(0);
    if (layout == Layout::kNhwc) got = from_nhwc(got, dims);
    expect_close(got, want);
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, UnaryTest,
    ::testing::Values(Case{fb::ActivationKind::None, 0, 0}, Case{fb::ActivationKind::Relu, 0, 0},
                      Case{fb::ActivationKind::Clip, 0, 6}, Case{fb::ActivationKind::Clip, -1.5f, 2.5f},
                      Case{fb::ActivationKind::Sigmoid, 0, 0},
                      Case{fb::ActivationKind::HardSigmoid, 0.2f, 0.5f},
                      Case{fb::ActivationKind::HardSigmoid, 1.f / 6, 0.5f},
                      Case{fb::ActivationKind::HardSwish, 0, 0}, Case{fb::ActivationKind::LeakyRelu, 0.1f, 0},
                      Case{fb::ActivationKind::Tanh, 0, 0}, Case{fb::ActivationKind::Swish, 0, 0},
                      Case{fb::ActivationKind::Gelu, 0, 0}));

TEST(Unary, RunsTwiceWithSameResult) {
  KernelHarness h(unary(fb::ActivationKind::HardSigmoid, 0.2f, 0.5f));
  h.add_input(desc({7}), bytes_of(std::vector<float>{-4, -2.5f, -1, 0, 1, 2.5f, 4}));
  h.add_output();
  auto kernel = make_unary_kernel();
  ASSERT_TRUE(h.prepare(*kernel).is_ok());
  const std::vector<float> want = {0.f, 0.f, 0.3f, 0.5f, 0.7f, 1.f, 1.f};
  for (int i = 0; i < 2; ++i) {
    h.run();
    expect_close(h.output<float>(0), want);
  }
}

TEST(Unary, ScalarInput) {
  KernelHarness h(unary(fb::ActivationKind::Relu));
  h.add_input(desc({}), bytes_of(std::vector<float>{-2.f}));
  h.add_output();
  auto kernel = make_unary_kernel();
  ASSERT_TRUE(h.prepare(*kernel).is_ok());
  EXPECT_TRUE(h.output_desc(0).dims.empty());
  h.run();
  EXPECT_EQ(h.output<float>(0), std::vector<float>{0.f});
}

// F32, or U8/S8 for the INT8 form (unary_int8_test.cc); nothing else.
TEST(Unary, RejectsS32Input) {
  KernelHarness h(unary(fb::ActivationKind::Relu), "act");
  h.add_input(desc({4}, DType::kS32, Layout::kPlain, "x"), std::vector<uint8_t>(16));
  h.add_output();
  auto kernel = make_unary_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(), "node 'act' (Unary): input 0 'x' has dtype s32, expected f32");
}

}  // namespace
}  // namespace saturn::testing
