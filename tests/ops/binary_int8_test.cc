// INT8 Binary Add and Mul (schema/saturn.fbs, DESIGN section 2): oneDNN vs ops/reference/binary
// within +-1 LSB over broadcasting, dtypes, folded and general activations; both vs FP32 on the
// dequantized inputs.
#include <gtest/gtest.h>

#include "ops/channel_gate_int8.h"
#include "ops/ops.h"
#include "ops/reference/binary.h"
#include "tests/ops/fp32_reference.h"
#include "tests/ops/int8_test_util.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

struct BinaryInt8Case {
  const char* name;
  std::vector<int64_t> a_dims, b_dims;
  DType a, b, y;
  fb::ActivationKind act = fb::ActivationKind::None;
  float act_alpha = 0.f, act_beta = 0.f;
  bool nhwc = false;  // rank-4 inputs (full-shaped) in NHWC
  fb::BinaryKind kind = fb::BinaryKind::Add;
  bool gate = false;  // runs on Saturn's channel gate (ops/channel_gate_int8.h) where the CPU has AVX2
};

void PrintTo(const BinaryInt8Case& c, std::ostream* os) { *os << c.name; }

OpFn binary_op(const BinaryInt8Case& c, fb::BinaryKind kind) {
  return [c, kind](flatbuffers::FlatBufferBuilder& b) {
    const auto act = fb::CreateActivation(b, c.act, c.act_alpha, c.act_beta);
    return std::make_pair(fb::Op::Binary, fb::CreateBinary(b, kind, act).Union());
  };
}

int64_t count(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

template <typename A, typename B, typename Y>
void check_binary(const BinaryInt8Case& c) {
  const std::vector<A> a = random_q<A>(static_cast<size_t>(count(c.a_dims)), 91);
  const std::vector<B> b = random_q<B>(static_cast<size_t>(count(c.b_dims)), 92);
  reference::BinaryInt8 p;
  p.kind = c.kind;
  p.a_dims = c.a_dims;
  p.b_dims = c.b_dims;
  p.alpha_a = 0.031f;
  p.alpha_b = 0.017f;
  p.activation = {c.act, c.act_alpha, c.act_beta};
  std::vector<int64_t> y_dims;
  ASSERT_TRUE(reference::broadcast_dims(c.a_dims, c.b_dims, &y_dims));
  if constexpr (!std::is_same_v<Y, float>) {
    p.alpha_y = scale_for<Y>(reference::binary_int8<A, B, float>(p, a.data(), b.data()), 0.85f);
  }
  const std::vector<Y> want = reference::binary_int8<A, B, Y>(p, a.data(), b.data());

  // FP32 of the dequantized inputs: index arithmetic written out per output element.
  std::vector<double> fp32(want.size());
  const size_t rank = y_dims.size();
  for (size_t o = 0; o < fp32.size(); ++o) {
    int64_t rest = static_cast<int64_t>(o), ia = 0, ib = 0, sa = 1, sb = 1;
    for (size_t d = rank; d-- > 0;) {
      const int64_t pos = rest % y_dims[d];
      rest /= y_dims[d];
      const size_t da = d + c.a_dims.size() - rank, db = d + c.b_dims.size() - rank;
      if (d + c.a_dims.size() >= rank) {
        ia += (c.a_dims[da] == 1 ? 0 : pos) * sa;
        sa *= c.a_dims[da];
      }
      if (d + c.b_dims.size() >= rank) {
        ib += (c.b_dims[db] == 1 ? 0 : pos) * sb;
        sb *= c.b_dims[db];
      }
    }
    const double x = double{p.alpha_a} * a[ia], z = double{p.alpha_b} * b[ib];
    fp32[o] = activate(c.act, c.act_alpha, c.act_beta, c.kind == fb::BinaryKind::Mul ? x * z : x + z);
  }

  const Layout layout = c.nhwc ? Layout::kNhwc : Layout::kPlain;
  const QuantParamsHolder qa({p.alpha_a}), qb({p.alpha_b}), qy({p.alpha_y});
  KernelHarness h(binary_op(c, c.kind), "binary");
  h.add_input(qdesc(c.a_dims, dtype_of<A>(), &qa, layout, "a"), bytes_of(c.nhwc ? to_nhwc(a, c.a_dims) : a));
  h.add_input(qdesc(c.b_dims, dtype_of<B>(), &qb, layout, "b"), bytes_of(c.nhwc ? to_nhwc(b, c.b_dims) : b));
  h.add_output("y", std::is_same_v<Y, float> ? nullptr : qy.get(), dtype_of<Y>());
  auto kernel = make_binary_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(h.output_desc(0).dims, y_dims);
  EXPECT_EQ(h.output_desc(0).dtype, dtype_of<Y>());
  EXPECT_EQ(h.output_desc(0).layout, layout);
  if (channel_gate_int8::available()) {
    EXPECT_EQ(h.impl() == "saturn_gate_int8:avx2", c.gate) << h.impl();
  }
  for (int repeat = 0; repeat < 2; ++repeat) {
    h.run();
    const std::vector<Y> got = c.nhwc ? from_nhwc(h.output<Y>(0), y_dims) : h.output<Y>(0);
    if constexpr (std::is_same_v<Y, float>) {
      expect_close(got, want, 1e-5f, 1e-5f);
      std::vector<float> fp32f(fp32.begin(), fp32.end());
      expect_close(want, fp32f, 1e-5f, 1e-6f);
    } else {
      const LsbStats stats = expect_within_one_lsb(got, want);
      if (repeat == 0) report_lsb(std::string(fb::EnumNameBinaryKind(c.kind)) + " " + c.name + " (" + h.impl() + ")", stats);
      expect_near_fp32(want, p.alpha_y, fp32, 0.5);
      expect_near_fp32(got, p.alpha_y, fp32, 1.5);
    }
  }
}

template <typename A, typename B>
void dispatch_y(const BinaryInt8Case& c) {
  switch (c.y) {
    case DType::kU8: return check_binary<A, B, uint8_t>(c);
    case DType::kS8: return check_binary<A, B, int8_t>(c);
    default: return check_binary<A, B, float>(c);
  }
}

class BinaryInt8Test : public ::testing::TestWithParam<BinaryInt8Case> {};

TEST_P(BinaryInt8Test, MatchesReferenceWithinOneLsb) {
  const BinaryInt8Case& c = GetParam();
  if (c.a == DType::kU8) return c.b == DType::kU8 ? dispatch_y<uint8_t, uint8_t>(c) : dispatch_y<uint8_t, int8_t>(c);
  c.b == DType::kU8 ? dispatch_y<int8_t, uint8_t>(c) : dispatch_y<int8_t, int8_t>(c);
}

using K = fb::ActivationKind;
constexpr DType U8 = DType::kU8, S8 = DType::kS8, F32 = DType::kF32;
constexpr fb::BinaryKind M = fb::BinaryKind::Mul;

INSTANTIATE_TEST_SUITE_P(
    Shapes, BinaryInt8Test,
    ::testing::Values(
        BinaryInt8Case{"same_shape_s8_nhwc", {2, 19, 7, 5}, {2, 19, 7, 5}, S8, S8, S8, K::None, 0.f, 0.f, true},
        BinaryInt8Case{"residual_relu_u8_nhwc", {1, 32, 9, 11}, {1, 32, 9, 11}, U8, S8, U8, K::Relu, 0.f, 0.f, true},
        BinaryInt8Case{"same_shape_u8_plain", {3, 5, 13}, {3, 5, 13}, U8, U8, U8},
        BinaryInt8Case{"b_per_channel", {2, 7, 5, 3}, {1, 7, 1, 1}, S8, S8, S8},
        BinaryInt8Case{"a_broadcast_swapped", {7, 1}, {3, 7, 9}, U8, S8, S8, K::Clip, -1.f, 2.f},
        BinaryInt8Case{"both_broadcast_expanded", {4, 1, 6}, {1, 5, 1}, S8, U8, U8, K::Relu},
        BinaryInt8Case{"scalar_b", {2, 3, 17}, {}, S8, S8, S8, K::LeakyRelu, 0.2f},
        BinaryInt8Case{"to_f32", {5, 11}, {11}, U8, S8, F32},
        BinaryInt8Case{"sigmoid_general", {4, 23}, {4, 23}, S8, S8, U8, K::Sigmoid},
        BinaryInt8Case{"hardswish_general", {3, 8, 10}, {1, 8, 10}, S8, U8, S8, K::HardSwish},
        BinaryInt8Case{"large_s8", {1, 64, 28, 28}, {1, 64, 28, 28}, S8, S8, S8, K::None, 0.f, 0.f, true},
        // Mul: squeeze-and-excitation (a per-channel gate), SiLU-like products, broadcasts, dtypes.
        BinaryInt8Case{"mul_se_gate_nhwc", {1, 24, 9, 7}, {1, 24, 1, 1}, S8, U8, S8, K::None, 0.f, 0.f, true, M, true},
        BinaryInt8Case{"mul_gate_per_image", {2, 40, 5, 3}, {2, 40, 1, 1}, U8, S8, S8, K::None, 0.f, 0.f, true, M, true},
        BinaryInt8Case{"mul_gate_u8_large", {1, 96, 56, 56}, {1, 96, 1, 1}, U8, U8, U8, K::None, 0.f, 0.f, true, M, true},
        BinaryInt8Case{"mul_gate_s8_channels_7", {1, 7, 6, 6}, {1, 7, 1, 1}, S8, S8, U8, K::None, 0.f, 0.f, true, M, true},
        BinaryInt8Case{"mul_gate_relu_onednn", {1, 24, 9, 7}, {1, 24, 1, 1}, S8, U8, S8, K::Relu, 0.f, 0.f, true, M},
        BinaryInt8Case{"mul_gate_first_u8", {1, 16, 1, 1}, {1, 16, 5, 6}, U8, U8, U8, K::None, 0.f, 0.f, false, M},
        BinaryInt8Case{"mul_same_shape_relu", {3, 5, 13}, {3, 5, 13}, S8, S8, U8, K::Relu, 0.f, 0.f, false, M},
        BinaryInt8Case{"mul_both_broadcast", {4, 1, 6}, {1, 5, 1}, S8, U8, S8, K::Clip, -1.f, 1.f, false, M},
        BinaryInt8Case{"mul_to_f32", {5, 11}, {11}, U8, S8, F32, K::None, 0.f, 0.f, false, M},
        BinaryInt8Case{"mul_hardswish_general", {3, 8, 10}, {1, 8, 10}, S8, U8, S8, K::HardSwish, 0.f, 0.f, false, M},
        BinaryInt8Case{"mul_large_nhwc", {1, 64, 28, 28}, {1, 64, 28, 28}, U8, S8, S8, K::None, 0.f, 0.f, true, M}),
    [](const ::testing::TestParamInfo<BinaryInt8Case>& info) { return std::string(info.param.name); });

TEST(BinaryInt8Errors, OnlyAddAndMulHaveAnInt8Form) {
  const BinaryInt8Case c{"bad", {2, 3}, {2, 3}, S8, S8, S8};
  const QuantParamsHolder q({0.1f});
  KernelHarness h(binary_op(c, fb::BinaryKind::Sub), "sub");
  h.add_input(qdesc({2, 3}, DType::kS8, &q, Layout::kPlain, "a"), std::vector<uint8_t>(6));
  h.add_input(qdesc({2, 3}, DType::kS8, &q, Layout::kPlain, "b"), std::vector<uint8_t>(6));
  h.add_output("y", q.get(), DType::kS8);
  auto kernel = make_binary_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'sub' (Binary): binary kind Sub has no INT8 form, expected Add or Mul (or f32 inputs)");
}

TEST(BinaryInt8Errors, MixedFloatAndInt8InputsAreRefused) {
  const BinaryInt8Case c{"bad", {2, 3}, {2, 3}, S8, S8, S8};
  const QuantParamsHolder q({0.1f});
  KernelHarness h(binary_op(c, fb::BinaryKind::Add), "add");
  h.add_input(qdesc({2, 3}, DType::kS8, &q, Layout::kPlain, "a"), std::vector<uint8_t>(6));
  h.add_input(desc({2, 3}, DType::kF32, Layout::kPlain, "b"), std::vector<uint8_t>(24));
  h.add_output("y", q.get(), DType::kS8);
  auto kernel = make_binary_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'add' (Binary): input 1 'b' has dtype f32, expected u8 or s8 (INT8 Add)");
}

}  // namespace
}  // namespace saturn::testing
