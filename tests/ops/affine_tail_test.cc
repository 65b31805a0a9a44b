// The activation's affine tail, y = scale * f(x) + shift (schema/saturn.fbs Activation): FP32 Conv
// with a fused HardSwish / Relu and a tail against the FP32 reference (fp32_reference.h), Unary with
// a tail, the scalar reference (ops/reference/activation.h) and the INT8 epilogue's choice of form
// (ops/int8_epilogue.h). INT8 Conv with tails: conv_int8_test.cc (the "_tail_" cases).
#include <gtest/gtest.h>

#include <cmath>

#include "ops/int8_epilogue.h"
#include "ops/ops.h"
#include "ops/reference/activation.h"
#include "tests/ops/fp32_reference.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

using Kind = fb::ActivationKind;

struct TailCase {
  Kind kind;
  float scale, shift;
};

class ConvTailTest : public ::testing::TestWithParam<TailCase> {};

TEST_P(ConvTailTest, MatchesFp32Reference) {
  const TailCase t = GetParam();
  const std::vector<int64_t> x4 = {1, 6, 7, 9};
  const Window2d g{{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}};
  const int64_t m = 5;
  const std::vector<float> x = random_floats(6 * 7 * 9, -2.f, 2.f, 41);
  const std::vector<float> w = random_floats(m * 6 * 9, -0.5f, 0.5f, 42);
  const std::vector<float> b = random_floats(m, -1.f, 1.f, 43);
  Tensor4 want = conv2d({x, x4}, w, b, m, 1, g, t.kind);
  for (float& v : want.data) v = static_cast<float>(double{t.scale} * v + t.shift);

  KernelHarness h(
      [t](flatbuffers::FlatBufferBuilder& fbb) {
        const std::vector<int32_t> k = {3, 3}, s = {1, 1}, d = {1, 1}, p = {1, 1, 1, 1};
        const auto act = fb::CreateActivation(fbb, t.kind, 0.f, 0.f, t.scale, t.shift);
        return std::make_pair(fb::Op::Conv, fb::CreateConvDirect(fbb, &k, &s, &d, &p, 1, act).Union());
      },
      "conv");
  h.add_input(desc(x4, DType::kF32, Layout::kNhwc, "x"), bytes_of(to_nhwc(x, x4)));
  h.add_input(desc({m, 6, 3, 3}, DType::kF32, Layout::kPlain, "w"), bytes_of(w), true);
  h.add_input(desc({m}, DType::kF32, Layout::kPlain, "b"), bytes_of(b), true);
  h.add_output("y");
  auto kernel = make_conv_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_TRUE(st.is_ok()) << st.message();
  h.run();
  expect_close(from_nhwc(h.output<float>(0), want.dims), want.data, 1e-4f, 1e-5f);
}

INSTANTIATE_TEST_SUITE_P(Tails, ConvTailTest,
                         ::testing::Values(TailCase{Kind::HardSwish, 0.6f, -0.2f}, TailCase{Kind::HardSwish, 1.f, 0.5f},
                                           TailCase{Kind::HardSwish, -0.25f, 0.f},
                                           TailCase{Kind::Relu, -1.5f, 0.3f}));

TEST(UnaryTail, AppliesScaleAndShiftAfterTheFunction) {
  const std::vector<int64_t> dims = {2, 3, 4, 5};
  const std::vector<float> x = random_floats(120, -7.f, 7.f, 3);
  KernelHarness h(
      [](flatbuffers::FlatBufferBuilder& b) {
        const auto a = fb::CreateActivation(b, Kind::HardSwish, 0.f, 0.f, 0.5f, 0.1f);
        return std::make_pair(fb::Op::Unary, fb::CreateUnary(b, a).Union());
      },
      "unary");
  h.add_input(desc(dims), bytes_of(x));
  h.add_output("y");
  auto kernel = make_unary_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_TRUE(st.is_ok()) << st.message();
  h.run();
  std::vector<float> want(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    want[i] = static_cast<float>(0.5 * activate(Kind::HardSwish, 0.f, 0.f, x[i]) + 0.1);
  expect_close(h.output<float>(0), want, 1e-5f, 1e-6f);
}

TEST(ReferenceActivation, TailAfterFunctionAndDefaults) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateActivation(b, Kind::Clip, -1.f, 2.f, -3.f, 0.5f));
  const auto* a = flatbuffers::GetRoot<fb::Activation>(b.GetBufferPointer());
  const reference::Activation r = reference::Activation::from(a);
  EXPECT_DOUBLE_EQ(reference::activate(r, 5.0), -3.0 * 2.0 + 0.5);
  EXPECT_DOUBLE_EQ(reference::activate(r, -4.0), -3.0 * -1.0 + 0.5);
  // A table written without the tail reads (1, 0).
  flatbuffers::FlatBufferBuilder b2;
  b2.Finish(fb::CreateActivation(b2, Kind::Relu));
  const auto* plain = flatbuffers::GetRoot<fb::Activation>(b2.GetBufferPointer());
  EXPECT_EQ(plain->scale(), 1.f);
  EXPECT_EQ(plain->shift(), 0.f);
  EXPECT_DOUBLE_EQ(reference::activate(reference::Activation::from(plain), -2.0), 0.0);
}

// A folded form (Relu: divisor alpha_y, post-op relu) would drop the tail: with one the
// epilogue takes the general form, relu then linear(scale, shift) then linear(1 / alpha_y).
TEST(Int8EpilogueTail, TailTakesTheGeneralForm) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateActivation(b, Kind::Relu, 0.f, 0.f, 2.f, -0.5f));
  const auto* a = flatbuffers::GetRoot<fb::Activation>(b.GetBufferPointer());
  const int8_epilogue::Epilogue e = int8_epilogue::make(a, DType::kU8, 0.25f);
  EXPECT_EQ(e.divisor, 1.f);
  // 2 * relu(x) - 0.5, then / 0.25: one linear(8, -2), then the mapped clamp [-2, inf).
  ASSERT_EQ(e.ops.len(), 2);
  dnnl::algorithm alg;
  float s = 0.f, alpha = 0.f, beta = 0.f;
  e.ops.get_params_eltwise(0, s, alg, alpha, beta);
  EXPECT_EQ(alg, dnnl::algorithm::eltwise_linear);
  EXPECT_EQ(alpha, 8.f);
  EXPECT_EQ(beta, -2.f);
  e.ops.get_params_eltwise(1, s, alg, alpha, beta);
  EXPECT_EQ(alg, dnnl::algorithm::eltwise_clip_v2);
  EXPECT_EQ(alpha, -2.f);
  EXPECT_TRUE(std::isinf(beta) && beta > 0.f);

  // Without a tail the folded form is kept.
  flatbuffers::FlatBufferBuilder b2;
  b2.Finish(fb::CreateActivation(b2, Kind::Relu));
  const int8_epilogue::Epilogue f =
      int8_epilogue::make(flatbuffers::GetRoot<fb::Activation>(b2.GetBufferPointer()), DType::kU8, 0.25f);
  EXPECT_EQ(f.divisor, 0.25f);
  EXPECT_EQ(f.ops.len(), 1);
}

}  // namespace
}  // namespace saturn::testing
