#include <gtest/gtest.h>

#include "ops/ops.h"
#include "tests/ops/fp32_reference.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

struct DeconvCase {
  const char* name;
  bool one_d;  // X [N, C, W] (H = 1 in the reference)
  int64_t n, c, h, w, m, group;
  Window2d g;
  int64_t output_padding[2];
  bool bias;
  fb::ActivationKind act = fb::ActivationKind::None;
};

void PrintTo(const DeconvCase& c, std::ostream* os) { *os << c.name; }

std::vector<int32_t> i32(std::initializer_list<int64_t> v) {
  return std::vector<int32_t>(v.begin(), v.end());
}

OpFn deconv_op(const DeconvCase& c) {
  return [c](flatbuffers::FlatBufferBuilder& b) {
    const Window2d& g = c.g;
    std::vector<int32_t> kernel, strides, dilations, pads, op;
    if (c.one_d) {
      kernel = i32({g.kernel[1]});
      strides = i32({g.stride[1]});
      dilations = i32({g.dilation[1]});
      pads = i32({g.pad_begin[1], g.pad_end[1]});
      op = i32({c.output_padding[1]});
    } else {
      kernel = i32({g.kernel[0], g.kernel[1]});
      strides = i32({g.stride[0], g.stride[1]});
      dilations = i32({g.dilation[0], g.dilation[1]});
      pads = i32({g.pad_begin[0], g.pad_begin[1], g.pad_end[0], g.pad_end[1]});
      op = i32({c.output_padding[0], c.output_padding[1]});
    }
    const auto act = fb::CreateActivation(b, c.act, 0.f, 0.f);
    return std::make_pair(fb::Op::ConvTranspose,
                          fb::CreateConvTransposeDirect(b, &kernel, &strides, &dilations, &pads, &op,
                                                        static_cast<int32_t>(c.group), act)
                              .Union());
  };
}

class ConvTransposeTest : public ::testing::TestWithParam<DeconvCase> {};

TEST_P(ConvTransposeTest, MatchesScalarReference) {
  const DeconvCase c = GetParam();
  const std::vector<int64_t> x4 = {c.n, c.c, c.h, c.w};
  const std::vector<float> x = random_floats(static_cast<size_t>(c.n * c.c * c.h * c.w), -1.f, 1.f, 21);
  const int64_t mg = c.m / c.group;
  const std::vector<int64_t> w_dims = c.one_d ? std::vector<int64_t>{c.c, mg, c.g.kernel[1]}
                                              : std::vector<int64_t>{c.c, mg, c.g.kernel[0], c.g.kernel[1]};
  const std::vector<float> w =
      random_floats(static_cast<size_t>(c.c * mg * c.g.kernel[0] * c.g.kernel[1]), -1.f, 1.f, 22);
  const std::vector<float> bias =
      c.bias ? random_floats(static_cast<size_t>(c.m), -1.f, 1.f, 23) : std::vector<float>{};
  const Tensor4 want = conv_transpose2d({x, x4}, w, bias, c.m, c.group, c.g, c.output_padding, c.act);

  KernelHarness h(deconv_op(c), "up");
  if (c.one_d) {
    h.add_input(desc({c.n, c.c, c.w}, DType::kF32, Layout::kPlain, "x"), bytes_of(x));
  } else {
    h.add_input(desc(x4, DType::kF32, Layout::kNhwc, "x"), bytes_of(to_nhwc(x, x4)));
  }
  h.add_input(desc(w_dims, DType::kF32, Layout::kPlain, "w"), bytes_of(w), /*constant=*/true);
  if (c.bias) h.add_input(desc({c.m}, DType::kF32, Layout::kPlain, "b"), bytes_of(bias), true);
  h.add_output("y");
  auto kernel = make_conv_transpose_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_FALSE(h.impl().empty());
  const TensorDesc& y = h.output_desc(0);
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
}

// Window2d: {kernel}, {stride}, {dilation}, {pad_begin}, {pad_end}; index 0 = H, 1 = W.
INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvTransposeTest,
    ::testing::Values(
        DeconvCase{"stride2_output_padding",
                   false,
                   1,
                   3,
                   4,
                   5,
                   4,
                   1,
                   {{3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}},
                   {1, 1},
                   true},
        DeconvCase{"groups_dilation_asym",
                   false,
                   2,
                   6,
                   3,
                   4,
                   9,
                   3,
                   {{2, 3}, {2, 1}, {1, 2}, {0, 1}, {1, 0}},
                   {1, 0},
                   true,
                   fb::ActivationKind::Relu},
        DeconvCase{"depthwise_upsample",
                   false,
                   1,
                   4,
                   5,
                   5,
                   4,
                   4,
                   {{4, 4}, {2, 2}, {1, 1}, {1, 1}, {1, 1}},
                   {0, 0},
                   false},
        DeconvCase{"groups_out_ne_in",
                   false,
                   1,
                   4,
                   3,
                   3,
                   6,
                   2,
                   {{3, 3}, {1, 1}, {1, 1}, {0, 0}, {0, 0}},
                   {0, 0},
                   true},
        DeconvCase{"odd_channels",
                   false,
                   2,
                   7,
                   4,
                   3,
                   5,
                   1,
                   {{3, 2}, {1, 3}, {1, 1}, {0, 1}, {2, 0}},
                   {0, 2},
                   true,
                   fb::ActivationKind::Tanh},
        DeconvCase{
            "deconv1d", true, 1, 5, 1, 7, 3, 1, {{1, 4}, {1, 3}, {1, 1}, {0, 2}, {0, 1}}, {0, 2}, true}),
    [](const ::testing::TestParamInfo<DeconvCase>& info) { return std::string(info.param.name); });

TEST(ConvTransposeErrors, OutputPaddingNotBelowStrideIsRejected) {
  const DeconvCase c{"bad", false, 1, 2, 3, 3, 2, 1, {{3, 3}, {2, 2}, {1, 1}, {0, 0}, {0, 0}}, {2, 0}, false};
  KernelHarness h(deconv_op(c), "up");
  h.add_input(desc({1, 2, 3, 3}, DType::kF32, Layout::kNhwc, "x"), std::vector<uint8_t>(72));
  h.add_input(desc({2, 2, 3, 3}, DType::kF32, Layout::kPlain, "w"), std::vector<uint8_t>(144), true);
  h.add_output("y");
  auto kernel = make_conv_transpose_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(),
            "node 'up' (ConvTranspose): attribute 'output_padding'[0] is 2, expected >= 0 and smaller than "
            "the stride 2");
}

TEST(ConvTransposeErrors, WeightsMustStartWithInputChannels) {
  const DeconvCase c{"bad", false, 1, 2, 3, 3, 2, 1, {{3, 3}, {1, 1}, {1, 1}, {0, 0}, {0, 0}}, {0, 0}, false};
  KernelHarness h(deconv_op(c), "up");
  h.add_input(desc({1, 2, 3, 3}, DType::kF32, Layout::kNhwc, "x"), std::vector<uint8_t>(72));
  h.add_input(desc({3, 2, 3, 3}, DType::kF32, Layout::kPlain, "w"), std::vector<uint8_t>(216), true);
  h.add_output("y");
  auto kernel = make_conv_transpose_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(),
            "node 'up' (ConvTranspose): input 1 'w' has dims [3, 2, 3, 3], expected dim 0 = C = 2");
}

}  // namespace
}  // namespace saturn::testing
