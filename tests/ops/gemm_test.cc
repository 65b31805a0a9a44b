#include <gtest/gtest.h>

#include "ops/ops.h"
#include "tests/ops/fp32_reference.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

enum class CKind { kNone, kConstant, kRuntime };

struct GemmCase {
  const char* name;
  int64_t m, k, n;
  bool trans_a, trans_b;
  float alpha, beta;
  std::vector<int64_t> c_dims;  // C's dims (when c != kNone)
  CKind c;
  bool b_constant;
  fb::ActivationKind act = fb::ActivationKind::None;
};

void PrintTo(const GemmCase& c, std::ostream* os) { *os << c.name; }

OpFn gemm_op(const GemmCase& c) {
  return [c](flatbuffers::FlatBufferBuilder& b) {
    const auto act = fb::CreateActivation(b, c.act, 0.f, 0.f);
    return std::make_pair(fb::Op::Gemm,
                          fb::CreateGemm(b, c.alpha, c.beta, c.trans_a, c.trans_b, act).Union());
  };
}

class GemmTest : public ::testing::TestWithParam<GemmCase> {};

TEST_P(GemmTest, MatchesScalarReference) {
  const GemmCase c = GetParam();
  const std::vector<float> a = random_floats(static_cast<size_t>(c.m * c.k), -1.f, 1.f, 51);
  const std::vector<float> b = random_floats(static_cast<size_t>(c.k * c.n), -1.f, 1.f, 52);
  int64_t c_size = 1;
  for (int64_t d : c.c_dims) c_size *= d;
  const std::vector<float> cv = random_floats(static_cast<size_t>(c_size), -1.f, 1.f, 53);
  const int64_t c_rows = c.c_dims.size() == 2 ? c.c_dims[0] : 1;
  const int64_t c_cols = c.c_dims.empty() ? 1 : c.c_dims.back();

  std::vector<float> want(static_cast<size_t>(c.m * c.n));
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < c.k; ++p) {
        const float av = c.trans_a ? a[p * c.m + i] : a[i * c.k + p];
        const float bv = c.trans_b ? b[j * c.k + p] : b[p * c.n + j];
        acc += double{av} * bv;
      }
      double y = c.alpha * acc;
      if (c.c != CKind::kNone) y += c.beta * cv[(c_rows == 1 ? 0 : i) * c_cols + (c_cols == 1 ? 0 : j)];
      want[i * c.n + j] = static_cast<float>(activate(c.act, 0.f, 0.f, y));
    }

  KernelHarness h(gemm_op(c), "fc");
  h.add_input(desc(c.trans_a ? std::vector<int64_t>{c.k, c.m} : std::vector<int64_t>{c.m, c.k}, DType::kF32,
                   Layout::kPlain, "a"),
              bytes_of(a));
  h.add_input(desc(c.trans_b ? std::vector<int64_t>{c.n, c.k} : std::vector<int64_t>{c.k, c.n}, DType::kF32,
                   Layout::kPlain, "b"),
              bytes_of(b), c.b_constant);
  if (c.c != CKind::kNone)
    h.add_input(desc(c.c_dims, DType::kF32, Layout::kPlain, "c"), bytes_of(cv), c.c == CKind::kConstant);
  h.add_output("y");
  auto kernel = make_gemm_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_FALSE(h.impl().empty());
  EXPECT_EQ(h.output_desc(0).dims, (std::vector<int64_t>{c.m, c.n}));
  EXPECT_EQ(h.output_desc(0).layout, Layout::kPlain);
  h.run();
  expect_close(h.output<float>(0), want, 1e-4f, 1e-5f);
  h.run();
  expect_close(h.output<float>(0), want, 1e-4f, 1e-5f);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, GemmTest,
    ::testing::Values(
        GemmCase{"linear_bias_row", 4, 7, 5, false, true, 1.f, 1.f, {5}, CKind::kConstant, true},
        GemmCase{"no_c", 3, 9, 6, false, false, 1.f, 1.f, {}, CKind::kNone, true},
        // Rows of B 512 bytes apart: stored padded (dnnl_util::constant_b_desc).
        GemmCase{"padded_b_rows", 3, 20, 128, false, true, 1.f, 1.f, {128}, CKind::kConstant, true},
        GemmCase{"trans_a_alpha_beta",
                 5,
                 4,
                 3,
                 true,
                 false,
                 0.5f,
                 2.f,
                 {1, 3},
                 CKind::kConstant,
                 true,
                 fb::ActivationKind::Relu},
        GemmCase{"column_c", 6, 5, 7, true, true, 1.5f, -0.5f, {6, 1}, CKind::kConstant, true},
        GemmCase{"full_c_runtime_b", 4, 3, 5, false, false, 1.f, 0.25f, {4, 5}, CKind::kConstant, false},
        GemmCase{"scalar_c", 2, 3, 4, false, true, 2.f, 3.f, {}, CKind::kConstant, true},
        GemmCase{"runtime_c_row", 5, 6, 4, false, true, 0.75f, 1.5f, {4}, CKind::kRuntime, true},
        GemmCase{"runtime_c_column", 5, 6, 4, true, false, 1.f, -2.f, {5, 1}, CKind::kRuntime, false},
        GemmCase{"runtime_c_full",
                 3,
                 17,
                 9,
                 false,
                 false,
                 1.f,
                 1.f,
                 {3, 9},
                 CKind::kRuntime,
                 true,
                 fb::ActivationKind::Sigmoid},
        GemmCase{"beta_zero_ignores_c", 3, 4, 5, false, false, 1.f, 0.f, {5}, CKind::kConstant, true}),
    [](const ::testing::TestParamInfo<GemmCase>& info) { return std::string(info.param.name); });

TEST(GemmErrors, InnerDimsMustMatch) {
  const GemmCase c{"bad", 0, 0, 0, false, true, 1.f, 1.f, {}, CKind::kNone, true};
  KernelHarness h(gemm_op(c), "fc");
  h.add_input(desc({2, 3}, DType::kF32, Layout::kPlain, "a"), std::vector<uint8_t>(24));
  h.add_input(desc({4, 5}, DType::kF32, Layout::kPlain, "b"), std::vector<uint8_t>(80), true);
  h.add_output("y");
  auto kernel = make_gemm_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(),
            "node 'fc' (Gemm): input 1 'b' has dims [4, 5] (transposed), expected K = 3 from A [2, 3]");
}

TEST(GemmErrors, CMustBroadcastToOutput) {
  const GemmCase c{"bad", 0, 0, 0, false, false, 1.f, 1.f, {}, CKind::kNone, true};
  KernelHarness h(gemm_op(c), "fc");
  h.add_input(desc({2, 3}, DType::kF32, Layout::kPlain, "a"), std::vector<uint8_t>(24));
  h.add_input(desc({3, 4}, DType::kF32, Layout::kPlain, "b"), std::vector<uint8_t>(48), true);
  h.add_input(desc({2}, DType::kF32, Layout::kPlain, "c"), std::vector<uint8_t>(8), true);
  h.add_output("y");
  auto kernel = make_gemm_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(),
            "node 'fc' (Gemm): input 2 'c' has dims [2], expected dims broadcastable to [2, 4]");
}

}  // namespace
}  // namespace saturn::testing
