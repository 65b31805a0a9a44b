// Unary's INT8 form (schema/saturn.fbs, ops/activation_table.h): every element equals the scalar
// reference (reference::requantize_value of the dequantized input), and lies within half an LSB of
// oneDNN's FP32 Unary on the dequantized input.
#include <gtest/gtest.h>

#include <algorithm>

#include "ops/activation_table.h"
#include "ops/ops.h"
#include "ops/reference/requantize.h"
#include "tests/ops/int8_test_util.h"
#include "tests/ops/kernel_harness.h"

namespace saturn::testing {
namespace {

using Kind = fb::ActivationKind;

struct Case {
  const char* name;
  Kind kind;
  float alpha, beta, scale, shift;
  DType x, y;
  float alpha_x, alpha_y;
};

OpFn unary(const Case& c) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    const auto a = fb::CreateActivation(b, c.kind, c.alpha, c.beta, c.scale, c.shift);
    return std::make_pair(fb::Op::Unary, fb::CreateUnary(b, a).Union());
  };
}

// X's bytes: every value of its type first, then random ones.
std::vector<uint8_t> input_bytes(DType x, size_t n) {
  std::vector<uint8_t> v;
  if (x == DType::kS8) {
    for (int q = -127; q <= 127; ++q) v.push_back(static_cast<uint8_t>(static_cast<int8_t>(q)));
    for (int8_t q : random_q<int8_t>(n - v.size(), 5)) v.push_back(static_cast<uint8_t>(q));
  } else {
    for (int q = 0; q <= 255; ++q) v.push_back(static_cast<uint8_t>(q));
    for (uint8_t q : random_q<uint8_t>(n - v.size(), 5)) v.push_back(q);
  }
  return v;
}

double dequantized(DType t, uint8_t byte, float alpha) {
  return double{alpha} * (t == DType::kS8 ? static_cast<int8_t>(byte) : byte);
}

// oneDNN's FP32 Unary of `x` (an independent implementation of the activation).
std::vector<float> fp32_unary(const Case& c, const std::vector<int64_t>& dims, const std::vector<float>& x) {
  KernelHarness h(unary(c));
  h.add_input(desc(dims, DType::kF32, Layout::kNhwc), bytes_of(x));
  h.add_output();
  auto kernel = make_unary_kernel();
  EXPECT_TRUE(h.prepare(*kernel).is_ok());
  h.run();
  return h.output<float>(0);
}

class UnaryInt8Test : public ::testing::TestWithParam<Case> {};

TEST_P(UnaryInt8Test, MatchesReferenceAndFp32) {
  const Case c = GetParam();
  // 1155 elements (not a multiple of 64), and 139392 (more than one block of the threads' split).
  for (const std::vector<int64_t>& dims :
       {std::vector<int64_t>{1, 5, 11, 21}, std::vector<int64_t>{2, 64, 33, 33}}) {
    const size_t n = static_cast<size_t>(dims[0] * dims[1] * dims[2] * dims[3]);
    SCOPED_TRACE(n);
    const std::vector<uint8_t> x = input_bytes(c.x, n);
    const reference::Activation a{c.kind, c.alpha, c.beta, c.scale, c.shift};
    std::vector<uint8_t> want(n);
    std::vector<float> xf(n);
    for (size_t i = 0; i < n; ++i) {
      const double real = dequantized(c.x, x[i], c.alpha_x);
      xf[i] = static_cast<float>(real);
      want[i] = c.y == DType::kS8
                    ? static_cast<uint8_t>(reference::requantize_value<int8_t>(real, a, c.alpha_y))
                    : reference::requantize_value<uint8_t>(real, a, c.alpha_y);
    }

    const QuantParamsHolder qx({c.alpha_x}), qy({c.alpha_y});
    KernelHarness h(unary(c), "act");
    h.add_input(qdesc(dims, c.x, &qx, Layout::kNhwc, "x"), x);
    h.add_output("y", qy.get(), c.y);
    auto kernel = make_unary_kernel();
    const Status st = h.prepare(*kernel);
    ASSERT_TRUE(st.is_ok()) << st.message();
    EXPECT_EQ(h.output_desc(0).dtype, c.y);
    EXPECT_EQ(h.output_desc(0).layout, Layout::kNhwc);
    EXPECT_EQ(h.impl(), ActivationTable::vector_available() ? "saturn_table_int8:avx512_vbmi"
                                                            : "saturn_table_int8:plain");
    h.run();
    const std::vector<uint8_t> got = h.output<uint8_t>(0);
    EXPECT_EQ(got, want);

    const std::vector<float> fp32f = fp32_unary(c, dims, xf);
    const std::vector<double> fp32(fp32f.begin(), fp32f.end());
    if (c.y == DType::kS8) {
      std::vector<int8_t> q(n);
      std::transform(got.begin(), got.end(), q.begin(), [](uint8_t b) { return static_cast<int8_t>(b); });
      expect_near_fp32(q, c.alpha_y, fp32, 0.5);
    } else {
      expect_near_fp32(got, c.alpha_y, fp32, 0.5);
    }
  }
}

constexpr DType S8 = DType::kS8, U8 = DType::kU8;

INSTANTIATE_TEST_SUITE_P(
    Activations, UnaryInt8Test,
    ::testing::Values(Case{"swish_s8_s8", Kind::Swish, 0, 0, 1, 0, S8, S8, 0.06f, 0.05f},
                      Case{"swish_saturating", Kind::Swish, 0, 0, 1, 0, S8, S8, 0.1f, 0.05f},
                      Case{"sigmoid_s8_u8", Kind::Sigmoid, 0, 0, 1, 0, S8, U8, 0.05f, 1.f / 255},
                      Case{"tanh_s8_s8", Kind::Tanh, 0, 0, 1, 0, S8, S8, 0.03f, 1.f / 127},
                      Case{"gelu_s8_s8", Kind::Gelu, 0, 0, 1, 0, S8, S8, 0.04f, 0.04f},
                      Case{"hardswish_u8_u8", Kind::HardSwish, 0, 0, 1, 0, U8, U8, 0.04f, 0.04f},
                      Case{"leaky_relu_s8_s8", Kind::LeakyRelu, 0.1f, 0, 1, 0, S8, S8, 0.02f, 0.02f},
                      Case{"swish_tail_u8_s8", Kind::Swish, 0, 0, -0.5f, 0.25f, U8, S8, 0.03f, 0.02f}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(UnaryInt8Errors, OutputMustBeInt8) {
  const Case c{"bad", Kind::Swish, 0, 0, 1, 0, S8, S8, 0.05f, 0.05f};
  const QuantParamsHolder qx({0.05f});
  KernelHarness h(unary(c), "act");
  h.add_input(qdesc({1, 2, 3, 4}, S8, &qx, Layout::kNhwc, "x"), std::vector<uint8_t>(24));
  h.add_output("y", nullptr, DType::kF32);
  auto kernel = make_unary_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(
      st.message(),
      "node 'act' (Unary): output 0 'y' has dtype f32 in the model, expected u8 or s8 for the INT8 input "
      "input 0 'x'");
}

TEST(UnaryInt8Errors, InputNeedsOneScale) {
  const Case c{"bad", Kind::Swish, 0, 0, 1, 0, S8, S8, 0.05f, 0.05f};
  const QuantParamsHolder qy({0.05f});
  KernelHarness h(unary(c), "act");
  h.add_input(qdesc({1, 2, 3, 4}, S8, nullptr, Layout::kNhwc, "x"), std::vector<uint8_t>(24));
  h.add_output("y", qy.get(), S8);
  auto kernel = make_unary_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'act' (Unary): input 0 'x' has 0 quant scales, expected 1 (per tensor)");
}

}  // namespace
}  // namespace saturn::testing
