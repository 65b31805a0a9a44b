#include <gtest/gtest.h>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

struct MatMulCase {
  const char* name;
  std::vector<int64_t> a, b, y;
  bool a_constant, b_constant;
};

void PrintTo(const MatMulCase& c, std::ostream* os) { *os << c.name; }

OpFn matmul_op() {
  return [](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::MatMul, fb::CreateMatMul(b).Union());
  };
}

int64_t count(const std::vector<int64_t>& d) {
  int64_t n = 1;
  for (int64_t v : d) n *= v;
  return n;
}

// numpy matmul, written out: promote rank-1 operands, broadcast batch dims, drop promoted dims.
std::vector<float> reference(const std::vector<float>& a, std::vector<int64_t> ad,
                             const std::vector<float>& b, std::vector<int64_t> bd) {
  if (ad.size() == 1) ad.insert(ad.begin(), 1);
  if (bd.size() == 1) bd.push_back(1);
  const size_t rank = std::max(ad.size(), bd.size());
  ad.insert(ad.begin(), rank - ad.size(), 1);
  bd.insert(bd.begin(), rank - bd.size(), 1);
  const int64_t m = ad[rank - 2], k = ad[rank - 1], n = bd[rank - 1];
  std::vector<int64_t> batch(rank - 2);
  for (size_t i = 0; i + 2 < rank; ++i) batch[i] = std::max(ad[i], bd[i]);
  const int64_t batches = count(batch);
  std::vector<float> y(static_cast<size_t>(batches * m * n));
  for (int64_t bi = 0; bi < batches; ++bi) {
    // Offsets of this batch in A and B (broadcast dims stay at index 0).
    int64_t rem = bi, a_off = 0, b_off = 0, a_stride = m * k, b_stride = k * n;
    for (size_t i = rank - 2; i-- > 0;) {
      const int64_t idx = rem % batch[i];
      rem /= batch[i];
      a_off += (ad[i] == 1 ? 0 : idx) * a_stride;
      b_off += (bd[i] == 1 ? 0 : idx) * b_stride;
      a_stride *= ad[i];
      b_stride *= bd[i];
    }
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += double{a[a_off + i * k + p]} * b[b_off + p * n + j];
        y[(bi * m + i) * n + j] = static_cast<float>(acc);
      }
  }
  return y;
}

class MatMulTest : public ::testing::TestWithParam<MatMulCase> {};

TEST_P(MatMulTest, MatchesNumpySemantics) {
  const MatMulCase c = GetParam();
  const std::vector<float> a = random_floats(static_cast<size_t>(count(c.a)), -1.f, 1.f, 61);
  const std::vector<float> b = random_floats(static_cast<size_t>(count(c.b)), -1.f, 1.f, 62);
  const std::vector<float> want = reference(a, c.a, b, c.b);

  KernelHarness h(matmul_op(), "mm");
  h.add_input(desc(c.a, DType::kF32, Layout::kPlain, "a"), bytes_of(a), c.a_constant);
  h.add_input(desc(c.b, DType::kF32, Layout::kPlain, "b"), bytes_of(b), c.b_constant);
  h.add_output("y");
  auto kernel = make_matmul_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_FALSE(h.impl().empty());
  EXPECT_EQ(h.output_desc(0).dims, c.y);
  EXPECT_EQ(h.output_desc(0).layout, Layout::kPlain);
  h.run();
  expect_close(h.output<float>(0), want, 1e-4f, 1e-5f);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, MatMulTest,
    ::testing::Values(MatMulCase{"plain_2d", {3, 4}, {4, 5}, {3, 5}, false, false},
                      MatMulCase{"batched_const_b", {2, 3, 4}, {4, 5}, {2, 3, 5}, false, true},
                      MatMulCase{"vector_lhs", {4}, {4, 5}, {5}, false, true},
                      MatMulCase{"vector_rhs", {2, 3, 4}, {4}, {2, 3}, false, false},
                      MatMulCase{"dot", {7}, {7}, {}, false, false},
                      MatMulCase{"vector_lhs_batched_rhs", {4}, {3, 4, 2}, {3, 2}, false, false},
                      MatMulCase{"both_broadcast", {2, 1, 3, 4}, {1, 5, 4, 6}, {2, 5, 3, 6}, false, false},
                      MatMulCase{
                          "both_broadcast_const_b", {2, 1, 3, 4}, {5, 4, 6}, {2, 5, 3, 6}, false, true},
                      MatMulCase{"attention_like", {2, 4, 9, 8}, {2, 4, 8, 9}, {2, 4, 9, 9}, false, false},
                      MatMulCase{"const_a_runtime_b", {3, 4}, {2, 4, 5}, {2, 3, 5}, true, false},
                      MatMulCase{"odd_sizes", {1, 13, 17}, {17, 11}, {1, 13, 11}, false, true},
                      // One-row batches (ViT's QKV projection, [197, 1, 768]) fold into one product.
                      MatMulCase{"rows_as_batches", {2, 6, 1, 8}, {8, 5}, {2, 6, 1, 5}, false, true},
                      MatMulCase{"rows_as_batches_runtime_b", {6, 1, 8}, {1, 8, 5}, {6, 1, 5}, false, false},
                      // Rows of B 512 bytes apart: stored padded (dnnl_util::constant_b_desc).
                      MatMulCase{"padded_b_rows", {2, 5, 24}, {24, 256}, {2, 5, 256}, false, true}),
    [](const ::testing::TestParamInfo<MatMulCase>& info) { return std::string(info.param.name); });

TEST(MatMulErrors, BatchDimsMustBroadcast) {
  KernelHarness h(matmul_op(), "mm");
  h.add_input(desc({2, 3, 4}, DType::kF32, Layout::kPlain, "a"), std::vector<uint8_t>(96));
  h.add_input(desc({3, 4, 5}, DType::kF32, Layout::kPlain, "b"), std::vector<uint8_t>(240));
  h.add_output("y");
  auto kernel = make_matmul_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(),
            "node 'mm' (MatMul): batch dims of A [2, 3, 4] and B [3, 4, 5] do not broadcast: 2 vs 3");
}

TEST(MatMulErrors, InnerDimsMustMatch) {
  KernelHarness h(matmul_op(), "mm");
  h.add_input(desc({2, 3}, DType::kF32, Layout::kPlain, "a"), std::vector<uint8_t>(24));
  h.add_input(desc({4}, DType::kF32, Layout::kPlain, "b"), std::vector<uint8_t>(16));
  h.add_output("y");
  auto kernel = make_matmul_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(),
            "node 'mm' (MatMul): input 1 'b' has dims [4], expected K = 3 (the last dim of A [2, 3]) in its "
            "only dim");
}

}  // namespace
}  // namespace saturn::testing
