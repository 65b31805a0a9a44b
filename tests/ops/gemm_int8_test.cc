// INT8 Gemm (schema/saturn.fbs, DESIGN section 2): oneDNN vs ops/reference/gemm within +-1 LSB, and
// both vs FP32 on the dequantized operands.
#include <gtest/gtest.h>

#include "ops/ops.h"
#include "ops/reference/gemm.h"
#include "tests/ops/fp32_reference.h"
#include "tests/ops/int8_test_util.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

struct GemmInt8Case {
  const char* name;
  int64_t m, k, n;
  bool trans_a, trans_b;
  DType a, y;
  bool per_column, bias;
  fb::ActivationKind act = fb::ActivationKind::None;
  float act_alpha = 0.f, act_beta = 0.f;
  bool b_constant = true;
  bool b_7bit = false;  // |b_q| <= 64: the jit path even without VNNI
};

void PrintTo(const GemmInt8Case& c, std::ostream* os) { *os << c.name; }

OpFn gemm_op(const GemmInt8Case& c, float alpha = 1.f) {
  return [c, alpha](flatbuffers::FlatBufferBuilder& b) {
    const auto act = fb::CreateActivation(b, c.act, c.act_alpha, c.act_beta);
    return std::make_pair(fb::Op::Gemm, fb::CreateGemm(b, alpha, 1.f, c.trans_a, c.trans_b, act).Union());
  };
}

template <typename A, typename Y>
void check_gemm(const GemmInt8Case& c) {
  const std::vector<A> a = random_q<A>(static_cast<size_t>(c.m * c.k), 61);
  const std::vector<int8_t> b = random_q<int8_t>(static_cast<size_t>(c.k * c.n), 62, c.b_7bit ? 64 : 0);
  std::vector<int32_t> bias(static_cast<size_t>(c.n));
  std::mt19937 gen(63);
  for (int32_t& v : bias) v = std::uniform_int_distribution<int32_t>(-40000, 40000)(gen);
  reference::GemmInt8 p;
  p.m = c.m, p.k = c.k, p.n = c.n, p.trans_a = c.trans_a, p.trans_b = c.trans_b;
  p.alpha_a = std::is_same_v<A, uint8_t> ? 0.01f : 0.02f;
  p.alpha_b = c.per_column ? random_floats(static_cast<size_t>(c.n), 0.002f, 0.006f, 64) : std::vector<float>{0.004f};
  p.activation = {c.act, c.act_alpha, c.act_beta};
  const int32_t* bias_ptr = c.bias ? bias.data() : nullptr;
  if constexpr (!std::is_same_v<Y, float>) {
    p.alpha_y = scale_for<Y>(reference::gemm_int8<A, float>(p, a.data(), b.data(), bias_ptr), 0.9f);
  }
  const std::vector<Y> want = reference::gemm_int8<A, Y>(p, a.data(), b.data(), bias_ptr);

  // FP32 on the dequantized operands, in double.
  std::vector<double> fp32(static_cast<size_t>(c.m * c.n));
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      const double alpha_b = p.alpha_b.size() == 1 ? p.alpha_b[0] : p.alpha_b[j];
      double acc = c.bias ? bias[j] * double{p.alpha_a} * alpha_b : 0.0;
      for (int64_t t = 0; t < c.k; ++t) {
        const double av = double{p.alpha_a} * (c.trans_a ? a[t * c.m + i] : a[i * c.k + t]);
        const double bv = alpha_b * (c.trans_b ? b[j * c.k + t] : b[t * c.n + j]);
        acc += av * bv;
      }
      fp32[i * c.n + j] = activate(c.act, c.act_alpha, c.act_beta, acc);
    }

  const QuantParamsHolder qa({p.alpha_a});
  const QuantParamsHolder qb(p.alpha_b, c.per_column ? (c.trans_b ? 0 : 1) : -1);
  const QuantParamsHolder qy({p.alpha_y});
  KernelHarness h(gemm_op(c), "fc");
  h.add_input(qdesc(c.trans_a ? std::vector<int64_t>{c.k, c.m} : std::vector<int64_t>{c.m, c.k}, dtype_of<A>(), &qa,
                    Layout::kPlain, "a"),
              bytes_of(a));
  h.add_input(qdesc(c.trans_b ? std::vector<int64_t>{c.n, c.k} : std::vector<int64_t>{c.k, c.n}, DType::kS8, &qb,
                    Layout::kPlain, "b"),
              bytes_of(b), c.b_constant);
  if (c.bias) h.add_input(desc({c.n}, DType::kS32, Layout::kPlain, "c"), bytes_of(bias), true);
  h.add_output("y", std::is_same_v<Y, float> ? nullptr : qy.get(), dtype_of<Y>());
  auto kernel = make_gemm_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(h.output_desc(0).dims, (std::vector<int64_t>{c.m, c.n}));
  EXPECT_EQ(h.output_desc(0).dtype, dtype_of<Y>());
  EXPECT_EQ(h.output_desc(0).layout, Layout::kPlain);
  for (int repeat = 0; repeat < 2; ++repeat) {
    h.run();
    const std::vector<Y> got = h.output<Y>(0);
    if constexpr (std::is_same_v<Y, float>) {
      expect_close(got, want, 1e-5f, 1e-5f);
      std::vector<float> fp32f(fp32.begin(), fp32.end());
      expect_close(want, fp32f, 1e-5f, 1e-6f);
    } else {
      const LsbStats stats = expect_within_one_lsb(got, want);
      if (repeat == 0) report_lsb(std::string("Gemm ") + c.name + " (" + h.impl() + ")", stats);
      expect_near_fp32(want, p.alpha_y, fp32, 0.5);
      expect_near_fp32(got, p.alpha_y, fp32, 1.5);
    }
  }
}

class GemmInt8Test : public ::testing::TestWithParam<GemmInt8Case> {};

TEST_P(GemmInt8Test, MatchesReferenceWithinOneLsb) {
  const GemmInt8Case& c = GetParam();
  const bool u8 = c.a == DType::kU8;
  switch (c.y) {
    case DType::kU8: return u8 ? check_gemm<uint8_t, uint8_t>(c) : check_gemm<int8_t, uint8_t>(c);
    case DType::kS8: return u8 ? check_gemm<uint8_t, int8_t>(c) : check_gemm<int8_t, int8_t>(c);
    default: return u8 ? check_gemm<uint8_t, float>(c) : check_gemm<int8_t, float>(c);
  }
}

using K = fb::ActivationKind;
constexpr DType U8 = DType::kU8, S8 = DType::kS8, F32 = DType::kF32;

INSTANTIATE_TEST_SUITE_P(
    Shapes, GemmInt8Test,
    ::testing::Values(
        GemmInt8Case{"u8_to_u8_per_column_bias_relu", 7, 33, 19, false, false, U8, U8, true, true, K::Relu},
        GemmInt8Case{"s8_to_s8_per_tensor_bias", 5, 17, 11, false, true, S8, S8, false, true},
        GemmInt8Case{"u8_to_f32_trans_a", 6, 29, 13, true, false, U8, F32, true, true},
        GemmInt8Case{"s8_to_u8_trans_both_relu6", 9, 64, 23, true, true, S8, U8, true, false, K::Clip, 0.f, 6.f},
        GemmInt8Case{"s8_to_s8_clip", 8, 40, 21, false, true, S8, S8, true, true, K::Clip, -1.f, 2.f},
        GemmInt8Case{"u8_to_s8_leaky_relu", 11, 31, 9, false, true, U8, S8, true, true, K::LeakyRelu, 0.1f},
        GemmInt8Case{"u8_to_u8_sigmoid", 4, 48, 15, false, true, U8, U8, true, true, K::Sigmoid},
        GemmInt8Case{"s8_to_s8_tanh", 6, 20, 14, false, false, S8, S8, false, true, K::Tanh},
        GemmInt8Case{"s8_to_s8_hardswish", 10, 37, 12, false, true, S8, S8, true, true, K::HardSwish},
        GemmInt8Case{"s8_to_f32_runtime_b", 3, 19, 8, false, false, S8, F32, false, true, K::None, 0.f, 0.f, false},
        GemmInt8Case{"u8_to_s8_runtime_b", 12, 45, 10, false, false, U8, S8, false, false, K::None, 0.f, 0.f, false},
        GemmInt8Case{"single_row_u8_to_s8", 1, 100, 37, false, true, U8, S8, true, true},
        GemmInt8Case{"large_u8_to_s8", 64, 256, 96, false, true, U8, S8, true, true},
        GemmInt8Case{"large_s8_to_u8_relu", 48, 200, 72, false, true, S8, U8, true, true, K::Relu},
        GemmInt8Case{"b7_large_u8_to_s8", 64, 256, 96, false, true, U8, S8, true, true, K::None, 0.f, 0.f, true, true},
        GemmInt8Case{"b7_s8_to_u8_relu6_trans_b", 33, 75, 40, false, true, S8, U8, true, true, K::Clip, 0.f, 6.f, true, true},
        GemmInt8Case{"b7_u8_to_s8_sigmoid", 20, 64, 24, false, false, U8, S8, false, true, K::Sigmoid, 0.f, 0.f, true, true},
        GemmInt8Case{"b7_u8_to_f32", 17, 50, 30, false, false, U8, F32, true, true, K::None, 0.f, 0.f, true, true}),
    [](const ::testing::TestParamInfo<GemmInt8Case>& info) { return std::string(info.param.name); });

// A Gemm of u8 A [2, 3] with B [3, 4] of `b_dtype` and the given B scales.
Status prepare_bad(DType b_dtype, const std::vector<float>& b_scales, int b_axis, float alpha = 1.f,
                   DType c_dtype = DType::kS32) {
  const GemmInt8Case c{"bad", 2, 3, 4, false, false, U8, U8, true, true};
  const QuantParamsHolder qa({0.1f}), qb(b_scales, b_axis), qy({0.2f});
  KernelHarness h(gemm_op(c, alpha), "fc");
  h.add_input(qdesc({2, 3}, DType::kU8, &qa, Layout::kPlain, "a"), std::vector<uint8_t>(6));
  h.add_input(qdesc({3, 4}, b_dtype, &qb, Layout::kPlain, "b"), std::vector<uint8_t>(12), true);
  h.add_input(desc({4}, c_dtype, Layout::kPlain, "c"), std::vector<uint8_t>(16), true);
  h.add_output("y", qy.get(), DType::kU8);
  auto kernel = make_gemm_kernel();
  return h.prepare(*kernel);
}

TEST(GemmInt8Errors, UnsignedBIsRefused) {
  const Status st = prepare_bad(DType::kU8, {0.1f}, -1);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'fc' (Gemm): input 1 'b' has dtype u8, expected s8 (oneDNN's int8 matmul needs "
                          "signed B; the converter emits s8)");
}

TEST(GemmInt8Errors, PerColumnScalesMustBeOnTheNDim) {
  const Status st = prepare_bad(DType::kS8, {0.1f, 0.2f, 0.3f}, 0);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'fc' (Gemm): input 1 'b' has 3 quant scales on axis 0, expected 1 (per tensor) or "
                          "4 (per column, on axis 1)");
}

TEST(GemmInt8Errors, AlphaMustBeFolded) {
  const Status st = prepare_bad(DType::kS8, {0.1f}, -1, 0.5f);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'fc' (Gemm): INT8 Gemm has alpha 0.500000 and beta 1.000000, expected 1 and 1 "
                          "(folded into the scales and the bias)");
}

TEST(GemmInt8Errors, BiasMustBeS32) {
  const Status st = prepare_bad(DType::kS8, {0.1f}, -1, 1.f, DType::kF32);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'fc' (Gemm): input 2 'c' has dtype f32, expected s32");
}

}  // namespace
}  // namespace saturn::testing
