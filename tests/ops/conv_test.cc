#include <gtest/gtest.h>
#include <omp.h>

#include "ops/avx2.h"
#include "ops/ops.h"
#include "ops/scoped_threads.h"
#include "tests/ops/fp32_reference.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

struct ConvCase {
  const char* name;
  bool one_d;  // X [N, C, W] (H = 1 in the reference)
  int64_t n, c, h, w, m, group;
  Window2d g;
  bool bias;
  fb::ActivationKind act = fb::ActivationKind::None;
  float alpha = 0.f, beta = 0.f;
};

void PrintTo(const ConvCase& c, std::ostream* os) { *os << c.name; }

std::vector<int32_t> i32(std::initializer_list<int64_t> v) {
  return std::vector<int32_t>(v.begin(), v.end());
}

OpFn conv_op(const ConvCase& c) {
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
    const auto act = fb::CreateActivation(b, c.act, c.alpha, c.beta);
    return std::make_pair(fb::Op::Conv, fb::CreateConvDirect(b, &kernel, &strides, &dilations, &pads,
                                                             static_cast<int32_t>(c.group), act)
                                            .Union());
  };
}

class ConvTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvTest, MatchesScalarReference) {
  const ScopedThreads two(2);  // as on the dev machine, whatever this one has: row bands included
  const ConvCase c = GetParam();
  const std::vector<int64_t> x4 = {c.n, c.c, c.h, c.w};
  const std::vector<float> x = random_floats(static_cast<size_t>(c.n * c.c * c.h * c.w), -1.f, 1.f, 11);
  const std::vector<int64_t> w_dims =
      c.one_d ? std::vector<int64_t>{c.m, c.c / c.group, c.g.kernel[1]}
              : std::vector<int64_t>{c.m, c.c / c.group, c.g.kernel[0], c.g.kernel[1]};
  const std::vector<float> w = random_floats(
      static_cast<size_t>(c.m * (c.c / c.group) * c.g.kernel[0] * c.g.kernel[1]), -1.f, 1.f, 12);
  const std::vector<float> bias =
      c.bias ? random_floats(static_cast<size_t>(c.m), -1.f, 1.f, 13) : std::vector<float>{};
  const Tensor4 want = conv2d({x, x4}, w, bias, c.m, c.group, c.g, c.act, c.alpha, c.beta);

  KernelHarness h(conv_op(c), "conv");
  if (c.one_d) {
    h.add_input(desc({c.n, c.c, c.w}, DType::kF32, Layout::kPlain, "x"), bytes_of(x));
  } else {
    h.add_input(desc(x4, DType::kF32, Layout::kNhwc, "x"), bytes_of(to_nhwc(x, x4)));
  }
  h.add_input(desc(w_dims, DType::kF32, Layout::kPlain, "w"), bytes_of(w), /*constant=*/true);
  if (c.bias) h.add_input(desc({c.m}, DType::kF32, Layout::kPlain, "b"), bytes_of(bias), true);
  h.add_output("y");
  auto kernel = make_conv_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_FALSE(h.impl().empty());
  const TensorDesc& y = h.output_desc(0);
  EXPECT_EQ(y.dtype, DType::kF32);
  if (c.one_d) {
    EXPECT_EQ(y.dims, (std::vector<int64_t>{c.n, c.m, want.dims[3]}));
    EXPECT_EQ(y.layout, Layout::kPlain);
  } else {
    EXPECT_EQ(y.dims, want.dims);
    EXPECT_EQ(y.layout, Layout::kNhwc);
  }
  h.run();
  std::vector<float> got = h.output<float>(0);
  if (!c.one_d) got = from_nhwc(got, want.dims);
  expect_close(got, want.data, 1e-4f, 1e-5f);
  // run() is repeatable: the same buffers give the same result.
  h.run();
  std::vector<float> again = h.output<float>(0);
  if (!c.one_d) again = from_nhwc(again, want.dims);
  expect_close(again, want.data, 1e-4f, 1e-5f);
}

// Window2d: {kernel}, {stride}, {dilation}, {pad_begin}, {pad_end}; index 0 = H, 1 = W.
INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvTest,
    ::testing::Values(
        ConvCase{"plain3x3", false, 1, 3, 7, 9, 5, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, true},
        ConvCase{"groups_stride_asym_pads",
                 false,
                 2,
                 6,
                 8,
                 7,
                 9,
                 3,
                 {{3, 2}, {2, 1}, {1, 1}, {0, 1}, {2, 0}},
                 true,
                 fb::ActivationKind::Relu},
        ConvCase{"depthwise_stride_dilation",
                 false,
                 1,
                 5,
                 9,
                 9,
                 5,
                 5,
                 {{3, 3}, {2, 2}, {2, 2}, {2, 1}, {1, 2}},
                 true,
                 fb::ActivationKind::Clip,
                 0.f,
                 6.f},
        ConvCase{"depthwise_multiplier2",
                 false,
                 2,
                 4,
                 6,
                 5,
                 8,
                 4,
                 {{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}},
                 false},
        ConvCase{"dilation3_no_bias",
                 false,
                 1,
                 7,
                 10,
                 10,
                 3,
                 1,
                 {{5, 3}, {1, 2}, {3, 2}, {3, 1}, {3, 0}},
                 false,
                 fb::ActivationKind::LeakyRelu,
                 0.1f},
        ConvCase{"pointwise_odd_channels",
                 false,
                 2,
                 13,
                 5,
                 5,
                 11,
                 1,
                 {{1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}},
                 true,
                 fb::ActivationKind::HardSwish},
        ConvCase{"wide_channels_stride2",
                 false,
                 1,
                 33,
                 11,
                 12,
                 17,
                 1,
                 {{3, 3}, {2, 2}, {1, 1}, {1, 0}, {1, 1}},
                 true},
        ConvCase{"conv1d",
                 true,
                 2,
                 5,
                 1,
                 20,
                 7,
                 1,
                 {{1, 3}, {1, 2}, {1, 2}, {0, 1}, {0, 2}},
                 true,
                 fb::ActivationKind::Sigmoid},
        ConvCase{
            "conv1d_depthwise", true, 1, 6, 1, 15, 6, 6, {{1, 5}, {1, 1}, {1, 1}, {0, 2}, {0, 2}}, false},
        // In row bands on two threads or more (see RowBands below): 17 rows as 8 + 9, the last
        // band without its bottom pad; a 7x7 stride-2 stem over 10 rows.
        ConvCase{"row_bands_odd_rows_stride2",
                 false,
                 1,
                 8,
                 35,
                 9,
                 16,
                 1,
                 {{3, 3}, {2, 2}, {1, 1}, {1, 1}, {0, 1}},
                 true,
                 fb::ActivationKind::Relu},
        ConvCase{"row_bands_7x7_stem", false, 1, 3, 20, 20, 8, 1, {{7, 7}, {2, 2}, {1, 1}, {3, 3}, {3, 3}}, true},
        ConvCase{"pads_beyond_window", false, 1, 2, 2, 4, 3, 1, {{3, 3}, {1, 1}, {1, 1}, {6, 1}, {0, 1}}, true}),
    [](const ::testing::TestParamInfo<ConvCase>& info) { return std::string(info.param.name); });

// 3x3 stride-1 FP32 convs in the scope of the Winograd kernel (ops/winograd_f32.h): odd and even
// sizes (partial 2x2 tiles), no pads, asymmetric and large pads, a batch, 8 to 64 channels, bias or
// none, Relu and Clip; and next to them shapes that stay on oneDNN (channels not a multiple of 8).
const ConvCase kWinogradCases[] = {
    {"wino_odd_sizes", false, 1, 8, 5, 7, 8, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, true},
    {"wino_no_pads_batch2", false, 2, 16, 6, 6, 24, 1, {{3, 3}, {1, 1}, {1, 1}, {0, 0}, {0, 0}}, false,
     fb::ActivationKind::Relu},
    {"wino_resnet_like", false, 1, 64, 14, 14, 64, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, true,
     fb::ActivationKind::Relu},
    {"wino_asym_pads", false, 1, 32, 9, 4, 16, 1, {{3, 3}, {1, 1}, {1, 1}, {2, 0}, {0, 1}}, true,
     fb::ActivationKind::Clip, 0.f, 6.f},
    {"wino_tiny", false, 1, 24, 3, 3, 8, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, false},
    {"direct_12_channels", false, 1, 12, 6, 6, 8, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, true},
};

INSTANTIATE_TEST_SUITE_P(Winograd, ConvTest, ::testing::ValuesIn(kWinogradCases),
                         [](const ::testing::TestParamInfo<ConvCase>& info) { return std::string(info.param.name); });

TEST(Winograd, RunsWhereInScope) {
  const ScopedThreads two(2);
  for (const ConvCase& c : kWinogradCases) {
    SCOPED_TRACE(c.name);
    KernelHarness h(conv_op(c), "conv");
    h.add_input(desc({c.n, c.c, c.h, c.w}, DType::kF32, Layout::kNhwc, "x"),
                std::vector<uint8_t>(static_cast<size_t>(c.n * c.c * c.h * c.w) * 4));
    h.add_input(desc({c.m, c.c, 3, 3}, DType::kF32, Layout::kPlain, "w"),
                bytes_of(random_floats(static_cast<size_t>(c.m * c.c * 9), -1.f, 1.f, 5)), true);
    h.add_output("y");
    auto kernel = make_conv_kernel();
    ASSERT_TRUE(h.prepare(*kernel).is_ok());
    const bool in_scope = c.c % 8 == 0 && c.m % 8 == 0;
    EXPECT_EQ(h.impl() == "saturn_winograd_f32:avx2", in_scope && avx2::available_at_avx2_or_above()) << h.impl();
  }
}

// An FP32 conv over one image with a window larger than one pixel runs in one band of output rows
// per thread when the rows split evenly enough (ops/conv.cc); the implementation name says so.
TEST(RowBands, OnlyWhereTheRowsSplitEvenly) {
  const ScopedThreads two(2);
  const struct {
    ConvCase c;
    bool banded;
  } cases[] = {
      {{"rows7", false, 1, 3, 7, 9, 5, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, true}, false},  // 7 rows: 4 + 3
      {{"rows6", false, 1, 3, 6, 9, 5, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, true}, true},
      {{"rows17", false, 1, 3, 17, 9, 5, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, true}, true},  // 8 + 9
      {{"batch2", false, 2, 3, 6, 9, 5, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, true}, false},
      {{"pointwise", false, 1, 3, 6, 9, 5, 1, {{1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}}, true}, false},
      {{"grouped", false, 1, 4, 6, 9, 4, 2, {{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, true}, false},
      // The first band's windows would lie in the top pad only.
      {{"pads_beyond_window", false, 1, 2, 2, 4, 3, 1, {{3, 3}, {1, 1}, {1, 1}, {6, 1}, {0, 1}}, true}, false},
  };
  for (const auto& [c, banded] : cases) {
    SCOPED_TRACE(c.name);
    const std::vector<int64_t> x4 = {c.n, c.c, c.h, c.w};
    KernelHarness h(conv_op(c), "conv");
    h.add_input(desc(x4, DType::kF32, Layout::kNhwc, "x"), std::vector<uint8_t>(static_cast<size_t>(c.n * c.c * c.h * c.w) * 4));
    const size_t w_count = static_cast<size_t>(c.m * (c.c / c.group) * c.g.kernel[0] * c.g.kernel[1]);
    h.add_input(desc({c.m, c.c / c.group, c.g.kernel[0], c.g.kernel[1]}, DType::kF32, Layout::kPlain, "w"),
                bytes_of(random_floats(w_count, -1.f, 1.f, 5)), true);
    h.add_input(desc({c.m}, DType::kF32, Layout::kPlain, "b"), bytes_of(random_floats(static_cast<size_t>(c.m), -1.f, 1.f, 6)), true);
    h.add_output("y");
    auto kernel = make_conv_kernel();
    const Status st = h.prepare(*kernel);
    ASSERT_TRUE(st.is_ok()) << st.message();
    EXPECT_EQ(h.impl().find(" in 2 row bands") != std::string::npos, banded) << h.impl();
  }
}

// Inside the caller's own parallel region, OpenMP gives the bands a team of one thread, which then
// computes every band.
TEST(RowBands, ATeamOfOneThreadComputesEveryBand) {
  const ScopedThreads two(2);
  const ConvCase c{"rows6", false, 1, 3, 6, 9, 5, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, true};
  const std::vector<int64_t> x4 = {1, 3, 6, 9};
  const std::vector<float> x = random_floats(162, -1.f, 1.f, 21), w = random_floats(135, -1.f, 1.f, 22),
                           b = random_floats(5, -1.f, 1.f, 23);
  const Tensor4 want = conv2d({x, x4}, w, b, 5, 1, c.g);
  KernelHarness h(conv_op(c), "conv");
  h.add_input(desc(x4, DType::kF32, Layout::kNhwc, "x"), bytes_of(to_nhwc(x, x4)));
  h.add_input(desc({5, 3, 3, 3}, DType::kF32, Layout::kPlain, "w"), bytes_of(w), true);
  h.add_input(desc({5}, DType::kF32, Layout::kPlain, "b"), bytes_of(b), true);
  h.add_output("y");
  auto kernel = make_conv_kernel();
  ASSERT_TRUE(h.prepare(*kernel).is_ok());
  ASSERT_NE(h.impl().find(" in 2 row bands"), std::string::npos) << h.impl();
  const int levels = omp_get_max_active_levels();
  omp_set_max_active_levels(0);  // every parallel region gets one thread, as a nested one does
  h.run();
  omp_set_max_active_levels(levels);
  expect_close(from_nhwc(h.output<float>(0), want.dims), want.data, 1e-4f, 1e-5f);
}

ConvCase small_case() {
  return {"small", false, 1, 4, 5, 5, 6, 2, {{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, false};
}

TEST(ConvErrors, RuntimeWeightsAreRejected) {
  const ConvCase c = small_case();
  KernelHarness h(conv_op(c), "conv");
  h.add_input(desc({1, 4, 5, 5}, DType::kF32, Layout::kNhwc, "x"), std::vector<uint8_t>(400));
  h.add_input(desc({6, 2, 3, 3}, DType::kF32, Layout::kPlain, "w"), std::vector<uint8_t>(432), false);
  h.add_output("y");
  auto kernel = make_conv_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'conv' (Conv): input 1 'w' is a runtime tensor, expected a constant");
}

TEST(ConvErrors, WeightChannelsMustMatchGroups) {
  const ConvCase c = small_case();
  KernelHarness h(conv_op(c), "conv");
  h.add_input(desc({1, 4, 5, 5}, DType::kF32, Layout::kNhwc, "x"), std::vector<uint8_t>(400));
  h.add_input(desc({6, 4, 3, 3}, DType::kF32, Layout::kPlain, "w"), std::vector<uint8_t>(864), true);
  h.add_output("y");
  auto kernel = make_conv_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(),
            "node 'conv' (Conv): input 1 'w' has dims [6, 4, 3, 3], expected dim 1 = C/group = 2");
}

TEST(ConvErrors, PadsListMustCoverEverySpatialDim) {
  ConvCase c = small_case();
  c.one_d = true;  // writes 1D attributes, but X is 2D below
  KernelHarness h(conv_op(c), "conv");
  h.add_input(desc({1, 4, 5, 5}, DType::kF32, Layout::kNhwc, "x"), std::vector<uint8_t>(400));
  h.add_input(desc({6, 2, 3, 3}, DType::kF32, Layout::kPlain, "w"), std::vector<uint8_t>(432), true);
  h.add_output("y");
  auto kernel = make_conv_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'conv' (Conv): attribute 'kernel' has 1 values, expected 2");
}

// An S8 X selects the INT8 form (tests/ops/conv_int8_test.cc), which needs X's scale.
TEST(ConvErrors, Int8InputWithoutScaleIsRejected) {
  const ConvCase c = small_case();
  KernelHarness h(conv_op(c), "conv");
  h.add_input(desc({1, 4, 5, 5}, DType::kS8, Layout::kNhwc, "x"), std::vector<uint8_t>(100));
  h.add_input(desc({6, 2, 3, 3}, DType::kF32, Layout::kPlain, "w"), std::vector<uint8_t>(432), true);
  h.add_output("y");
  auto kernel = make_conv_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'conv' (Conv): input 0 'x' has 0 quant scales, expected 1 (per tensor)");
}

}  // namespace
}  // namespace saturn::testing
