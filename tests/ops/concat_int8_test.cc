// INT8 Concat (schema/saturn.fbs): data movement on U8/S8; every input and Y share dtype and scale.
// oneDNN concat must match ops/reference/concat exactly.
#include <gtest/gtest.h>

#include "ops/ops.h"
#include "ops/reference/concat.h"
#include "tests/ops/int8_test_util.h"

namespace saturn::testing {
namespace {

struct ConcatInt8Case {
  const char* name;
  std::vector<std::vector<int64_t>> inputs;
  int axis;
  DType dtype;
  Layout layout;  // of rank-4 inputs
};

void PrintTo(const ConcatInt8Case& c, std::ostream* os) { *os << c.name; }

OpFn concat_op(int axis) {
  return [axis](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::Concat, fb::CreateConcat(b, axis).Union());
  };
}

template <typename Q>
void check_concat(const ConcatInt8Case& c) {
  const QuantParamsHolder q({0.04f});
  std::vector<std::vector<Q>> xs;
  std::vector<const Q*> ptrs;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    int64_t size = 1;
    for (int64_t d : c.inputs[i]) size *= d;
    xs.push_back(random_q<Q>(static_cast<size_t>(size), 111 + static_cast<uint32_t>(i)));
  }
  for (const std::vector<Q>& x : xs) ptrs.push_back(x.data());
  const std::vector<Q> want = reference::concat(c.inputs, ptrs, c.axis);
  std::vector<int64_t> y_dims = c.inputs[0];
  y_dims[c.axis] = 0;
  for (const auto& d : c.inputs) y_dims[c.axis] += d[c.axis];

  const bool nhwc = c.layout == Layout::kNhwc;
  KernelHarness h(concat_op(c.axis), "cat");
  for (size_t i = 0; i < xs.size(); ++i)
    h.add_input(qdesc(c.inputs[i], dtype_of<Q>(), &q, c.layout), bytes_of(nhwc ? to_nhwc(xs[i], c.inputs[i]) : xs[i]));
  h.add_output("y", q.get(), dtype_of<Q>());
  auto kernel = make_concat_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(h.output_desc(0).dims, y_dims);
  EXPECT_EQ(h.output_desc(0).dtype, dtype_of<Q>());
  EXPECT_EQ(h.output_desc(0).layout, c.layout);
  h.run();
  EXPECT_EQ(nhwc ? from_nhwc(h.output<Q>(0), y_dims) : h.output<Q>(0), want);
}

class ConcatInt8Test : public ::testing::TestWithParam<ConcatInt8Case> {};

TEST_P(ConcatInt8Test, MatchesReferenceExactly) {
  const ConcatInt8Case& c = GetParam();
  if (c.dtype == DType::kU8) return check_concat<uint8_t>(c);
  check_concat<int8_t>(c);
}

constexpr DType U8 = DType::kU8, S8 = DType::kS8;

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConcatInt8Test,
    ::testing::Values(ConcatInt8Case{"channels_u8_nhwc", {{1, 5, 7, 6}, {1, 3, 7, 6}, {1, 17, 7, 6}}, 1, U8, Layout::kNhwc},
                      ConcatInt8Case{"channels_s8_nhwc", {{2, 16, 4, 3}, {2, 32, 4, 3}}, 1, S8, Layout::kNhwc},
                      ConcatInt8Case{"width_s8_plain", {{2, 3, 4, 5}, {2, 3, 4, 2}}, 3, S8, Layout::kPlain},
                      ConcatInt8Case{"batch_u8_rank3", {{1, 4, 9}, {3, 4, 9}}, 0, U8, Layout::kPlain},
                      ConcatInt8Case{"last_axis_s8_rank2", {{5, 7}, {5, 1}, {5, 12}}, 1, S8, Layout::kPlain}),
    [](const ::testing::TestParamInfo<ConcatInt8Case>& info) { return std::string(info.param.name); });

TEST(ConcatInt8Errors, InputsMustShareTheScale) {
  const QuantParamsHolder q1({0.04f}), q2({0.05f});
  KernelHarness h(concat_op(1), "cat");
  h.add_input(qdesc({1, 2, 3}, DType::kS8, &q1, Layout::kPlain, "a"), std::vector<uint8_t>(6));
  h.add_input(qdesc({1, 2, 3}, DType::kS8, &q2, Layout::kPlain, "b"), std::vector<uint8_t>(6));
  h.add_output("y", q1.get(), DType::kS8);
  auto kernel = make_concat_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'cat' (Concat): input 1 'b' has scale 0.050000, expected the output's scale 0.040000");
}

TEST(ConcatInt8Errors, InputsMustShareTheDtype) {
  const QuantParamsHolder q({0.04f});
  KernelHarness h(concat_op(1), "cat");
  h.add_input(qdesc({1, 2, 3}, DType::kS8, &q, Layout::kPlain, "a"), std::vector<uint8_t>(6));
  h.add_input(qdesc({1, 2, 3}, DType::kU8, &q, Layout::kPlain, "b"), std::vector<uint8_t>(6));
  h.add_output("y", q.get(), DType::kS8);
  auto kernel = make_concat_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'cat' (Concat): input 1 'b' has dtype u8, expected s8");
}

}  // namespace
}  // namespace saturn::testing
