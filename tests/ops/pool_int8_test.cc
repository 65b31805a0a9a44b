// INT8 Pool and GlobalPool (schema/saturn.fbs, DESIGN section 2): X and Y share dtype and scale.
// Max pooling must match ops/reference/pool exactly; average within +-1 LSB; the reference's
// dequantized result vs FP32 pooling of the dequantized input within half an LSB.
#include <gtest/gtest.h>

#include "ops/ops.h"
#include "ops/reference/pool.h"
#include "tests/ops/fp32_reference.h"
#include "tests/ops/int8_test_util.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

struct PoolInt8Case {
  const char* name;
  std::vector<int64_t> x;  // [N, C, W] or [N, C, H, W]
  bool max, count_include_pad, ceil_mode;
  // Per spatial dim (H, W or just W); pads as [begins..., ends...].
  std::vector<int32_t> kernel, strides, dilations, pads;
  DType dtype;
};

void PrintTo(const PoolInt8Case& c, std::ostream* os) { *os << c.name; }

OpFn pool_op(const PoolInt8Case& c) {
  return [c](flatbuffers::FlatBufferBuilder& b) {
    const auto kind = c.max ? fb::PoolKind::Max : fb::PoolKind::Average;
    return std::make_pair(fb::Op::Pool, fb::CreatePoolDirect(b, kind, &c.kernel, &c.strides, &c.dilations, &c.pads,
                                                             c.ceil_mode, c.count_include_pad)
                                            .Union());
  };
}

std::vector<int64_t> i64(const std::vector<int32_t>& v) { return std::vector<int64_t>(v.begin(), v.end()); }

template <typename Q>
void check_pool(const PoolInt8Case& c) {
  const size_t spatial = c.x.size() - 2;
  reference::PoolShape s;
  s.x = c.x;
  s.kernel = i64(c.kernel);
  s.strides = i64(c.strides);
  s.dilations = i64(c.dilations);
  s.pad_begin.assign(c.pads.begin(), c.pads.begin() + static_cast<std::ptrdiff_t>(spatial));
  s.pad_end.assign(c.pads.begin() + static_cast<std::ptrdiff_t>(spatial), c.pads.end());
  s.ceil_mode = c.ceil_mode;
  s.count_include_pad = c.count_include_pad;
  int64_t size = 1;
  for (int64_t d : c.x) size *= d;
  const std::vector<Q> x = random_q<Q>(static_cast<size_t>(size), 81);
  const std::vector<Q> want = c.max ? reference::max_pool_int8(s, x.data()) : reference::average_pool_int8(s, x.data());
  const std::vector<int64_t> y_dims = reference::pool_output_dims(s);

  // FP32 pooling (tests/ops/fp32_reference.h) of the dequantized input; rank 3 is 2D with H = 1.
  const float alpha = 0.05f;
  Tensor4 xf{{}, spatial == 1 ? std::vector<int64_t>{c.x[0], c.x[1], 1, c.x[2]} : c.x};
  for (Q v : x) xf.data.push_back(alpha * static_cast<float>(v));
  Window2d g{};
  for (int d = 0; d < 2; ++d) {
    const bool dummy = spatial == 1 && d == 0;  // H of a 1D pool
    const size_t i = spatial == 1 ? 0 : static_cast<size_t>(d);
    g.kernel[d] = dummy ? 1 : s.kernel[i];
    g.stride[d] = dummy ? 1 : s.strides[i];
    g.dilation[d] = dummy ? 1 : s.dilations[i];
    g.pad_begin[d] = dummy ? 0 : s.pad_begin[i];
    g.pad_end[d] = dummy ? 0 : s.pad_end[i];
  }
  const Tensor4 yf = pool2d(xf, c.max, c.count_include_pad, c.ceil_mode, g);
  ASSERT_EQ(yf.data.size(), want.size());
  const std::vector<double> fp32(yf.data.begin(), yf.data.end());
  expect_near_fp32(want, alpha, fp32, c.max ? 1e-5 : 0.5);

  const bool nhwc = c.x.size() == 4;
  const QuantParamsHolder q({alpha});
  KernelHarness h(pool_op(c), "pool");
  h.add_input(qdesc(c.x, dtype_of<Q>(), &q, nhwc ? Layout::kNhwc : Layout::kPlain, "x"),
              bytes_of(nhwc ? to_nhwc(x, c.x) : x));
  h.add_output("y", q.get(), dtype_of<Q>());
  auto kernel = make_pool_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(h.output_desc(0).dims, y_dims);
  EXPECT_EQ(h.output_desc(0).dtype, dtype_of<Q>());
  EXPECT_EQ(h.output_desc(0).layout, nhwc ? Layout::kNhwc : Layout::kPlain);
  for (int repeat = 0; repeat < 2; ++repeat) {
    h.run();
    const std::vector<Q> got = nhwc ? from_nhwc(h.output<Q>(0), y_dims) : h.output<Q>(0);
    if (c.max) {
      EXPECT_EQ(got, want);
    } else {
      const LsbStats stats = expect_within_one_lsb(got, want);
      if (repeat == 0) report_lsb(std::string("Pool ") + c.name + " (" + h.impl() + ")", stats);
      expect_near_fp32(got, alpha, fp32, 1.5);
    }
  }
}

class PoolInt8Test : public ::testing::TestWithParam<PoolInt8Case> {};

TEST_P(PoolInt8Test, MatchesReference) {
  const PoolInt8Case& c = GetParam();
  if (c.dtype == DType::kU8) return check_pool<uint8_t>(c);
  check_pool<int8_t>(c);
}

constexpr DType U8 = DType::kU8, S8 = DType::kS8;

INSTANTIATE_TEST_SUITE_P(
    Shapes, PoolInt8Test,
    ::testing::Values(
        PoolInt8Case{"max_3x3_s2_pad_u8", {2, 5, 11, 13}, true, false, false, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, U8},
        PoolInt8Case{"max_ceil_dilated_s8", {1, 7, 10, 9}, true, false, true, {2, 3}, {2, 2}, {2, 1}, {0, 1, 1, 0}, S8},
        PoolInt8Case{"avg_exclude_pad_u8", {2, 6, 9, 12}, false, false, false, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, U8},
        PoolInt8Case{"avg_include_pad_s8", {1, 9, 8, 7}, false, true, false, {3, 2}, {1, 2}, {1, 1}, {1, 0, 1, 1}, S8},
        PoolInt8Case{"avg_ceil_exclude_pad_s8", {2, 3, 7, 11}, false, false, true, {3, 3}, {2, 3}, {1, 1}, {0, 1, 0, 1}, S8},
        // ceil_mode reaches past the declared end padding: the recomputed outputs.
        PoolInt8Case{"avg_ceil_include_pad_u8", {1, 5, 6, 10}, false, true, true, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, U8},
        PoolInt8Case{"avg_ceil_include_pad_s8", {2, 4, 9, 8}, false, true, true, {2, 3}, {2, 2}, {1, 1}, {0, 1, 0, 0}, S8},
        PoolInt8Case{"avg_2x2_s2_u8", {1, 16, 14, 14}, false, false, false, {2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}, U8},
        PoolInt8Case{"avg_7x7_s8", {2, 32, 7, 7}, false, false, false, {7, 7}, {1, 1}, {1, 1}, {0, 0, 0, 0}, S8},
        PoolInt8Case{"avg_1d_u8", {2, 3, 17}, false, true, false, {4}, {3}, {1}, {2, 1}, U8},
        PoolInt8Case{"max_1d_s8", {1, 4, 15}, true, false, true, {3}, {2}, {2}, {1, 1}, S8}),
    [](const ::testing::TestParamInfo<PoolInt8Case>& info) { return std::string(info.param.name); });

struct GlobalCase {
  const char* name;
  std::vector<int64_t> x;
  bool max;
  DType dtype;
};

void PrintTo(const GlobalCase& c, std::ostream* os) { *os << c.name; }

template <typename Q>
void check_global(const GlobalCase& c) {
  int64_t size = 1;
  for (int64_t d : c.x) size *= d;
  const std::vector<Q> x = random_q<Q>(static_cast<size_t>(size), 82);
  const int64_t planes = c.x[0] * c.x[1], plane = size / planes;
  std::vector<Q> want;
  if (c.max) {
    for (int64_t p = 0; p < planes; ++p) want.push_back(*std::max_element(x.begin() + p * plane, x.begin() + (p + 1) * plane));
  } else {
    want = reference::global_average_pool_int8(c.x, x.data());
  }
  const float alpha = 0.03f;
  std::vector<double> fp32;  // the mean of the dequantized plane
  for (int64_t p = 0; p < planes; ++p) {
    double sum = 0, best = -1e30;
    for (int64_t i = 0; i < plane; ++i) {
      sum += double{alpha} * x[p * plane + i];
      best = std::max(best, double{alpha} * x[p * plane + i]);
    }
    fp32.push_back(c.max ? best : sum / static_cast<double>(plane));
  }
  expect_near_fp32(want, alpha, fp32, c.max ? 1e-5 : 0.5);

  std::vector<int64_t> y_dims = {c.x[0], c.x[1]};
  y_dims.resize(c.x.size(), 1);
  const bool nhwc = c.x.size() == 4;
  const QuantParamsHolder q({alpha});
  KernelHarness h(
      [&c](flatbuffers::FlatBufferBuilder& b) {
        return std::make_pair(fb::Op::GlobalPool,
                              fb::CreateGlobalPool(b, c.max ? fb::PoolKind::Max : fb::PoolKind::Average).Union());
      },
      "gap");
  h.add_input(qdesc(c.x, dtype_of<Q>(), &q, nhwc ? Layout::kNhwc : Layout::kPlain, "x"),
              bytes_of(nhwc ? to_nhwc(x, c.x) : x));
  h.add_output("y", q.get(), dtype_of<Q>());
  auto kernel = make_global_pool_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(h.output_desc(0).dims, y_dims);
  EXPECT_EQ(h.output_desc(0).dtype, dtype_of<Q>());
  h.run();
  const std::vector<Q> got = h.output<Q>(0);  // spatial 1x1: NHWC and NCHW orders agree
  if (c.max) {
    EXPECT_EQ(got, want);
  } else {
    report_lsb(std::string("GlobalPool ") + c.name + " (" + h.impl() + ")", expect_within_one_lsb(got, want));
    expect_near_fp32(got, alpha, fp32, 1.5);
  }
}

class GlobalPoolInt8Test : public ::testing::TestWithParam<GlobalCase> {};

TEST_P(GlobalPoolInt8Test, MatchesReference) {
  const GlobalCase& c = GetParam();
  if (c.dtype == DType::kU8) return check_global<uint8_t>(c);
  check_global<int8_t>(c);
}

INSTANTIATE_TEST_SUITE_P(Shapes, GlobalPoolInt8Test,
                         ::testing::Values(GlobalCase{"avg_u8", {2, 64, 7, 7}, false, U8},
                                           GlobalCase{"avg_s8_odd", {3, 13, 5, 9}, false, S8},
                                           GlobalCase{"avg_s8_large_plane", {1, 24, 28, 28}, false, S8},
                                           GlobalCase{"avg_1d_u8", {2, 5, 31}, false, U8},
                                           GlobalCase{"max_s8", {2, 11, 6, 5}, true, S8}),
                         [](const ::testing::TestParamInfo<GlobalCase>& info) { return std::string(info.param.name); });

TEST(PoolInt8Errors, OutputMustKeepTheScale) {
  const PoolInt8Case c{"bad", {1, 2, 4, 4}, false, false, false, {2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}, U8};
  const QuantParamsHolder qx({0.05f}), qy({0.1f});
  KernelHarness h(pool_op(c), "pool");
  h.add_input(qdesc(c.x, DType::kU8, &qx, Layout::kNhwc, "x"), std::vector<uint8_t>(32));
  h.add_output("y", qy.get(), DType::kU8);
  auto kernel = make_pool_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'pool' (Pool): output 0 'y' has quant scale 0.100000, expected the input's scale "
                          "0.050000 (INT8 pooling keeps it)");
}

}  // namespace
}  // namespace saturn::testing
