// INT8 MatMul (schema/saturn.fbs, DESIGN section 2): constant B (per column or per tensor) and
// runtime B (activation x activation), batch broadcasting, rank-1 operands; oneDNN vs
// ops/reference/matmul within +-1 LSB, and both vs FP32 on the dequantized operands.
#include <gtest/gtest.h>

#include "ops/ops.h"
#include "ops/reference/matmul.h"
#include "tests/ops/fp32_reference.h"
#include "tests/ops/int8_test_util.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

struct MatMulInt8Case {
  const char* name;
  std::vector<int64_t> a_dims, b_dims;
  DType a, y;
  bool b_constant, per_column;
  fb::ActivationKind act = fb::ActivationKind::None;
  float act_alpha = 0.f, act_beta = 0.f;
  bool b_7bit = false;  // |b_q| <= 64: the jit path even without VNNI (constant B)
};

void PrintTo(const MatMulInt8Case& c, std::ostream* os) { *os << c.name; }

OpFn matmul_op(const MatMulInt8Case& c) {
  return [c](flatbuffers::FlatBufferBuilder& b) {
    const auto act = fb::CreateActivation(b, c.act, c.act_alpha, c.act_beta);
    return std::make_pair(fb::Op::MatMul, fb::CreateMatMul(b, act).Union());
  };
}

int64_t count(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// FP32 matmul of the dequantized operands in double, numpy semantics, written independently of the
// reference: every output index is mapped back to A's and B's indices.
std::vector<double> fp32_matmul(const std::vector<int64_t>& a_dims, const std::vector<double>& a,
                                const std::vector<int64_t>& b_dims, const std::vector<double>& b,
                                const std::vector<int64_t>& y_dims) {
  std::vector<int64_t> pa = a_dims, pb = b_dims;
  if (pa.size() == 1) pa.insert(pa.begin(), 1);
  if (pb.size() == 1) pb.push_back(1);
  const size_t rank = std::max(pa.size(), pb.size());
  pa.insert(pa.begin(), rank - pa.size(), 1);
  pb.insert(pb.begin(), rank - pb.size(), 1);
  const int64_t m = pa[rank - 2], k = pa[rank - 1], n = pb[rank - 1];
  std::vector<double> y(static_cast<size_t>(count(y_dims)));
  for (size_t o = 0; o < y.size(); ++o) {
    // Decompose o over [batch..., m, n] (the padded output dims).
    int64_t rest = static_cast<int64_t>(o);
    const int64_t j = rest % n;
    rest /= n;
    const int64_t i = rest % m;
    rest /= m;
    std::vector<int64_t> batch(rank - 2);
    for (size_t d = rank - 2; d-- > 0;) {
      const int64_t size = std::max(pa[d], pb[d]);
      batch[d] = rest % size;
      rest /= size;
    }
    int64_t a_off = 0, b_off = 0;
    for (size_t d = 0; d + 2 < rank; ++d) {
      a_off = a_off * pa[d] + (pa[d] == 1 ? 0 : batch[d]);
      b_off = b_off * pb[d] + (pb[d] == 1 ? 0 : batch[d]);
    }
    double acc = 0;
    for (int64_t t = 0; t < k; ++t) acc += a[(a_off * m + i) * k + t] * b[(b_off * k + t) * n + j];
    y[o] = acc;
  }
  return y;
}

template <typename A, typename Y>
void check_matmul(const MatMulInt8Case& c) {
  const std::vector<A> a = random_q<A>(static_cast<size_t>(count(c.a_dims)), 71);
  const std::vector<int8_t> b = random_q<int8_t>(static_cast<size_t>(count(c.b_dims)), 72, c.b_7bit ? 64 : 0);
  const int64_t n = c.b_dims.size() == 1 ? 1 : c.b_dims.back();
  reference::MatMulInt8 p;
  p.a_dims = c.a_dims;
  p.b_dims = c.b_dims;
  p.alpha_a = std::is_same_v<A, uint8_t> ? 0.01f : 0.02f;
  p.alpha_b = c.per_column ? random_floats(static_cast<size_t>(n), 0.002f, 0.006f, 73) : std::vector<float>{0.004f};
  p.activation = {c.act, c.act_alpha, c.act_beta};
  const std::vector<int64_t> y_dims = reference::matmul_output_dims(c.a_dims, c.b_dims);
  ASSERT_FALSE(y_dims.empty());
  if constexpr (!std::is_same_v<Y, float>) {
    p.alpha_y = scale_for<Y>(reference::matmul_int8<A, float>(p, a.data(), b.data()), 0.9f);
  }
  const std::vector<Y> want = reference::matmul_int8<A, Y>(p, a.data(), b.data());

  std::vector<double> a_real(a.size()), b_real(b.size());
  for (size_t i = 0; i < a.size(); ++i) a_real[i] = double{p.alpha_a} * a[i];
  for (size_t i = 0; i < b.size(); ++i) b_real[i] = double{p.alpha_b.size() == 1 ? p.alpha_b[0] : p.alpha_b[i % n]} * b[i];
  std::vector<double> fp32 = fp32_matmul(c.a_dims, a_real, c.b_dims, b_real, y_dims);
  for (double& v : fp32) v = activate(c.act, c.act_alpha, c.act_beta, v);

  const QuantParamsHolder qa({p.alpha_a});
  const QuantParamsHolder qb(p.alpha_b, c.per_column ? static_cast<int>(c.b_dims.size()) - 1 : -1);
  const QuantParamsHolder qy({p.alpha_y});
  KernelHarness h(matmul_op(c), "mm");
  h.add_input(qdesc(c.a_dims, dtype_of<A>(), &qa, Layout::kPlain, "a"), bytes_of(a));
  h.add_input(qdesc(c.b_dims, DType::kS8, &qb, Layout::kPlain, "b"), bytes_of(b), c.b_constant);
  h.add_output("y", std::is_same_v<Y, float> ? nullptr : qy.get(), dtype_of<Y>());
  auto kernel = make_matmul_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(h.output_desc(0).dims, y_dims);
  EXPECT_EQ(h.output_desc(0).dtype, dtype_of<Y>());
  for (int repeat = 0; repeat < 2; ++repeat) {
    h.run();
    const std::vector<Y> got = h.output<Y>(0);
    if constexpr (std::is_same_v<Y, float>) {
      expect_close(got, want, 1e-5f, 1e-5f);
      std::vector<float> fp32f(fp32.begin(), fp32.end());
      expect_close(want, fp32f, 1e-5f, 1e-6f);
    } else {
      const LsbStats stats = expect_within_one_lsb(got, want);
      if (repeat == 0) report_lsb(std::string("MatMul ") + c.name + " (" + h.impl() + ")", stats);
      expect_near_fp32(want, p.alpha_y, fp32, 0.5);
      expect_near_fp32(got, p.alpha_y, fp32, 1.5);
    }
  }
}

class MatMulInt8Test : public ::testing::TestWithParam<MatMulInt8Case> {};

TEST_P(MatMulInt8Test, MatchesReferenceWithinOneLsb) {
  const MatMulInt8Case& c = GetParam();
  const bool u8 = c.a == DType::kU8;
  switch (c.y) {
    case DType::kU8: return u8 ? check_matmul<uint8_t, uint8_t>(c) : check_matmul<int8_t, uint8_t>(c);
    case DType::kS8: return u8 ? check_matmul<uint8_t, int8_t>(c) : check_matmul<int8_t, int8_t>(c);
    default: return u8 ? check_matmul<uint8_t, float>(c) : check_matmul<int8_t, float>(c);
  }
}

using K = fb::ActivationKind;
constexpr DType U8 = DType::kU8, S8 = DType::kS8, F32 = DType::kF32;

INSTANTIATE_TEST_SUITE_P(
    Shapes, MatMulInt8Test,
    ::testing::Values(
        MatMulInt8Case{"u8_to_u8_per_column_relu", {7, 33}, {33, 19}, U8, U8, true, true, K::Relu},
        MatMulInt8Case{"s8_to_s8_batched_constant_b", {2, 3, 5, 17}, {17, 9}, S8, S8, true, true},
        MatMulInt8Case{"s8_to_f32_broadcast_runtime_b", {3, 1, 4, 8}, {1, 2, 8, 6}, S8, F32, false, false},
        MatMulInt8Case{"act_x_act_s8", {2, 7, 16}, {2, 16, 5}, S8, S8, false, false},
        MatMulInt8Case{"act_x_act_u8_a_clip", {4, 9, 24}, {4, 24, 11}, U8, S8, false, false, K::Clip, -0.5f, 1.f},
        MatMulInt8Case{"act_x_act_batch_broadcast", {1, 6, 20}, {3, 20, 7}, U8, U8, false, false, K::Relu},
        MatMulInt8Case{"rank1_a_u8_to_f32", {12}, {12, 7}, U8, F32, true, true},
        MatMulInt8Case{"rank1_b_s8_to_s8", {3, 4, 12}, {12}, S8, S8, true, false},
        MatMulInt8Case{"u8_runtime_b_hardswish", {5, 30}, {30, 13}, U8, S8, false, false, K::HardSwish},
        MatMulInt8Case{"s8_per_tensor_sigmoid", {6, 18}, {18, 10}, S8, U8, true, false, K::Sigmoid},
        MatMulInt8Case{"large_u8_to_s8", {128, 256}, {256, 64}, U8, S8, true, true},
        MatMulInt8Case{"large_act_x_act", {4, 64, 64}, {4, 64, 64}, S8, S8, false, false},
        MatMulInt8Case{"b7_large_u8_to_s8", {128, 256}, {256, 64}, U8, S8, true, true, K::None, 0.f, 0.f, true},
        MatMulInt8Case{"b7_batched_s8_relu", {2, 3, 5, 17}, {17, 9}, S8, U8, true, true, K::Relu, 0.f, 0.f, true},
        MatMulInt8Case{"b7_u8_hardswish", {3, 40, 48}, {48, 20}, U8, S8, true, false, K::HardSwish, 0.f, 0.f, true}),
    [](const ::testing::TestParamInfo<MatMulInt8Case>& info) { return std::string(info.param.name); });

Status prepare_bad(DType b_dtype, bool b_constant, const std::vector<float>& b_scales, int b_axis) {
  const MatMulInt8Case c{"bad", {2, 3}, {3, 4}, U8, U8, b_constant, false};
  const QuantParamsHolder qa({0.1f}), qb(b_scales, b_axis), qy({0.2f});
  KernelHarness h(matmul_op(c), "mm");
  h.add_input(qdesc({2, 3}, DType::kU8, &qa, Layout::kPlain, "a"), std::vector<uint8_t>(6));
  h.add_input(qdesc({3, 4}, b_dtype, &qb, Layout::kPlain, "b"), std::vector<uint8_t>(12), b_constant);
  h.add_output("y", qy.get(), DType::kU8);
  auto kernel = make_matmul_kernel();
  return h.prepare(*kernel);
}

TEST(MatMulInt8Errors, UnsignedRuntimeBIsRefused) {
  const Status st = prepare_bad(DType::kU8, false, {0.1f}, -1);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'mm' (MatMul): input 1 'b' has dtype u8, expected s8 (oneDNN's int8 matmul needs "
                          "signed B; the converter emits s8)");
}

TEST(MatMulInt8Errors, RuntimeBHasOneScale) {
  const Status st = prepare_bad(DType::kS8, false, {0.1f, 0.2f, 0.3f, 0.4f}, 1);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'mm' (MatMul): input 1 'b' has 4 quant scales on axis 1, expected 1 (per tensor) "
                          "(a runtime B)");
}

TEST(MatMulInt8Errors, QuantizedOutputNeedsAScale) {
  const MatMulInt8Case c{"bad", {2, 3}, {3, 4}, U8, U8, true, false};
  const QuantParamsHolder qa({0.1f}), qb({0.1f});
  KernelHarness h(matmul_op(c), "mm");
  h.add_input(qdesc({2, 3}, DType::kU8, &qa, Layout::kPlain, "a"), std::vector<uint8_t>(6));
  h.add_input(qdesc({3, 4}, DType::kS8, &qb, Layout::kPlain, "b"), std::vector<uint8_t>(12), true);
  h.add_output("y", nullptr, DType::kS8);
  auto kernel = make_matmul_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'mm' (MatMul): output 0 'y' has 0 quant scales, expected 1 (per tensor)");
}

}  // namespace
}  // namespace saturn::testing
