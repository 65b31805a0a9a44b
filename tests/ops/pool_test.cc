#include <gtest/gtest.h>

#include <algorithm>

#include "ops/ops.h"
#include "tests/ops/fp32_reference.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

struct PoolCase {
  const char* name;
  bool one_d;  // X [N, C, W] (H = 1 in the reference)
  int64_t n, c, h, w;
  bool max, count_include_pad, ceil_mode;
  Window2d g;
};

void PrintTo(const PoolCase& c, std::ostream* os) { *os << c.name; }

std::vector<int32_t> i32(std::initializer_list<int64_t> v) {
  return std::vector<int32_t>(v.begin(), v.end());
}

OpFn pool_op(const PoolCase& c) {
  return [c](flatbuffers::FlatBufferBuilder& b) {
    const Window2d& g = c.g;
    std::vector<int32_t> kernel, strides, dilations, pads;
    if (c.one_d) {
      kernel = i32({g.kernel[1]});
      strides = i32({g.stride[1]});
      dilations = i32({g.dilation[1]});
      pads = i32({g.pad_begin[1], g.pad_end[1]});
    } else {
      kernel = i32({g.kernel[0], g.kernel[1]});
      strides = i32({g.stride[0], g.stride[1]});
      dilations = i32({g.dilation[0], g.dilation[1]});
      pads = i32({g.pad_begin[0], g.pad_begin[1], g.pad_end[0], g.pad_end[1]});
    }
    const auto kind = c.max ? fb::PoolKind::Max : fb::PoolKind::Average;
    return std::make_pair(fb::Op::Pool, fb::CreatePoolDirect(b, kind, &kernel, &strides, &dilations, &pads,
                                                             c.ceil_mode, c.count_include_pad)
                                            .Union());
  };
}

class PoolTest : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolTest, MatchesScalarReference) {
  const PoolCase c = GetParam();
  const std::vector<int64_t> x4 = {c.n, c.c, c.h, c.w};
  // Negative values, so that max pooling over padding would show up.
  const std::vector<float> x = random_floats(static_cast<size_t>(c.n * c.c * c.h * c.w), -3.f, -0.5f, 31);
  const Tensor4 want = pool2d({x, x4}, c.max, c.count_include_pad, c.ceil_mode, c.g);

  KernelHarness h(pool_op(c), "pool");
  if (c.one_d) {
    h.add_input(desc({c.n, c.c, c.w}, DType::kF32, Layout::kPlain, "x"), bytes_of(x));
  } else {
    h.add_input(desc(x4, DType::kF32, Layout::kNhwc, "x"), bytes_of(to_nhwc(x, x4)));
  }
  h.add_output("y");
  auto kernel = make_pool_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_FALSE(h.impl().empty());
  const TensorDesc& y = h.output_desc(0);
  if (c.one_d) {
    EXPECT_EQ(y.dims, (std::vector<int64_t>{c.n, c.c, want.dims[3]}));
    EXPECT_EQ(y.layout, Layout::kPlain);
  } else {
    EXPECT_EQ(y.dims, want.dims);
    EXPECT_EQ(y.layout, Layout::kNhwc);
  }
  h.run();
  std::vector<float> got = h.output<float>(0);
  if (!c.one_d) got = from_nhwc(got, want.dims);
  expect_close(got, want.data, 1e-4f, 1e-6f);
}

// Window2d: {kernel}, {stride}, {dilation}, {pad_begin}, {pad_end}; index 0 = H, 1 = W.
INSTANTIATE_TEST_SUITE_P(
    Shapes, PoolTest,
    ::testing::Values(
        PoolCase{
            "max3x3_s2_p1", false, 1, 3, 9, 9, true, false, false, {{3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}}},
        PoolCase{
            "max_ceil", false, 1, 5, 10, 11, true, false, true, {{3, 3}, {2, 2}, {1, 1}, {0, 0}, {0, 0}}},
        PoolCase{"max_ceil_drops_window_in_end_pad",
                 false,
                 1,
                 2,
                 4,
                 4,
                 true,
                 false,
                 true,
                 {{2, 2}, {2, 2}, {1, 1}, {0, 0}, {1, 1}}},
        PoolCase{
            "max_dilation", false, 2, 7, 8, 9, true, false, false, {{2, 3}, {1, 2}, {2, 2}, {1, 1}, {1, 0}}},
        PoolCase{"avg_exclude_asym_pads",
                 false,
                 2,
                 3,
                 7,
                 8,
                 false,
                 false,
                 false,
                 {{3, 2}, {1, 2}, {1, 1}, {1, 0}, {0, 1}}},
        PoolCase{"avg_include_pads",
                 false,
                 1,
                 4,
                 9,
                 9,
                 false,
                 true,
                 false,
                 {{3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}}},
        PoolCase{"avg_include_ceil",
                 false,
                 1,
                 3,
                 10,
                 10,
                 false,
                 true,
                 true,
                 {{3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}}},
        PoolCase{"avg_include_ceil_no_pads",
                 false,
                 2,
                 5,
                 7,
                 8,
                 false,
                 true,
                 true,
                 {{2, 3}, {2, 2}, {1, 1}, {0, 0}, {0, 0}}},
        PoolCase{"avg_exclude_ceil",
                 false,
                 1,
                 3,
                 10,
                 7,
                 false,
                 false,
                 true,
                 {{3, 3}, {2, 2}, {1, 1}, {1, 0}, {0, 1}}},
        PoolCase{"avg_include_dilation",
                 false,
                 1,
                 2,
                 9,
                 9,
                 false,
                 true,
                 false,
                 {{2, 2}, {2, 1}, {2, 3}, {1, 1}, {1, 1}}},
        PoolCase{"max_global_like_7x7",
                 false,
                 1,
                 16,
                 7,
                 7,
                 true,
                 false,
                 false,
                 {{7, 7}, {1, 1}, {1, 1}, {0, 0}, {0, 0}}},
        PoolCase{
            "max1d_ceil", true, 2, 3, 1, 11, true, false, true, {{1, 3}, {1, 2}, {1, 1}, {0, 1}, {0, 1}}},
        PoolCase{"avg1d_include_ceil",
                 true,
                 2,
                 3,
                 1,
                 12,
                 false,
                 true,
                 true,
                 {{1, 3}, {1, 2}, {1, 1}, {0, 1}, {0, 1}}}),
    [](const ::testing::TestParamInfo<PoolCase>& info) { return std::string(info.param.name); });

TEST(PoolErrors, KernelLargerThanPaddedInputIsRejected) {
  const PoolCase c{"bad", false, 1, 1, 2, 2, true, false, false, {{3, 3}, {1, 1}, {1, 1}, {0, 0}, {0, 0}}};
  KernelHarness h(pool_op(c), "pool");
  h.add_input(desc({1, 1, 2, 2}, DType::kF32, Layout::kNhwc, "x"), std::vector<uint8_t>(16));
  h.add_output("y");
  auto kernel = make_pool_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(),
            "node 'pool' (Pool): spatial dim 0 of X [1, 1, 2, 2] plus pads is smaller than the dilated "
            "kernel window 3");
}

OpFn global_pool_op(fb::PoolKind kind) {
  return [kind](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::GlobalPool, fb::CreateGlobalPool(b, kind).Union());
  };
}

TEST(GlobalPoolTest, AverageAndMaxMatchReference) {
  for (const bool max : {false, true}) {
    for (const bool one_d : {false, true}) {
      SCOPED_TRACE(std::string(max ? "max" : "avg") + (one_d ? " 1d" : " 2d"));
      const std::vector<int64_t> x4 = {2, 7, one_d ? 1 : 5, 6};
      const std::vector<float> x = random_floats(static_cast<size_t>(2 * 7 * x4[2] * 6), -2.f, 2.f, 41);
      std::vector<float> want;
      for (int64_t nc = 0; nc < 14; ++nc) {
        const auto first = x.begin() + nc * x4[2] * 6, last = first + x4[2] * 6;
        double sum = 0;
        for (auto it = first; it != last; ++it) sum += *it;
        want.push_back(max ? *std::max_element(first, last) : static_cast<float>(sum / (x4[2] * 6)));
      }
      KernelHarness h(global_pool_op(max ? fb::PoolKind::Max : fb::PoolKind::Average), "gap");
      if (one_d) {
        h.add_input(desc({2, 7, 6}, DType::kF32, Layout::kPlain, "x"), bytes_of(x));
      } else {
        h.add_input(desc(x4, DType::kF32, Layout::kNhwc, "x"), bytes_of(to_nhwc(x, x4)));
      }
      h.add_output("y");
      auto kernel = make_global_pool_kernel();
      const Status st = h.prepare(*kernel);
      ASSERT_TRUE(st.is_ok()) << st.message();
      EXPECT_EQ(h.output_desc(0).dims,
                one_d ? (std::vector<int64_t>{2, 7, 1}) : (std::vector<int64_t>{2, 7, 1, 1}));
      h.run();
      // [N, C, 1, 1] has the same element order in Nhwc and Plain.
      expect_close(h.output<float>(0), want, 1e-4f, 1e-6f);
    }
  }
}

}  // namespace
}  // namespace saturn::testing
