// INT8 nearest Resize (schema/saturn.fbs): data movement on U8/S8, X and Y share dtype and scale.
// The kernel must match ops/reference/resize exactly, and the FP32 kernel on the same values.
#include <gtest/gtest.h>

#include "ops/ops.h"
#include "ops/reference/resize.h"
#include "tests/ops/int8_test_util.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

using CT = fb::CoordinateTransform;
using NR = fb::NearestRounding;

struct ResizeInt8Case {
  const char* name;
  CT transform;
  NR rounding;
  std::vector<int64_t> x, y;
  float scale_h, scale_w;
  DType dtype;
  Layout layout;
};

void PrintTo(const ResizeInt8Case& c, std::ostream* os) { *os << c.name; }

OpFn resize_op(const ResizeInt8Case& c, fb::ResizeMode mode = fb::ResizeMode::Nearest) {
  return [c, mode](flatbuffers::FlatBufferBuilder& b) {
    const std::vector<float> scales = {1.f, 1.f, c.scale_h, c.scale_w};
    return std::make_pair(fb::Op::Resize,
                          fb::CreateResizeDirect(b, mode, c.transform, c.rounding, &scales, &c.y).Union());
  };
}

// Runs the Resize kernel on `x` (NCHW order) of dtype T and returns Y in NCHW order.
template <typename T>
std::vector<T> run_resize(const ResizeInt8Case& c, const std::vector<T>& x, const QuantParamsHolder* q) {
  const bool nhwc = c.layout == Layout::kNhwc;
  KernelHarness h(resize_op(c), "up");
  h.add_input(qdesc(c.x, dtype_of<T>(), q, c.layout, "x"), bytes_of(nhwc ? to_nhwc(x, c.x) : x));
  h.add_output("y", q == nullptr ? nullptr : q->get(), dtype_of<T>());
  auto kernel = make_resize_kernel();
  const Status st = h.prepare(*kernel);
  EXPECT_TRUE(st.is_ok()) << st.message();
  if (!st.is_ok()) return {};
  EXPECT_EQ(h.output_desc(0).dims, c.y);
  EXPECT_EQ(h.output_desc(0).dtype, dtype_of<T>());
  EXPECT_EQ(h.output_desc(0).layout, c.layout);
  h.run();
  return nhwc ? from_nhwc(h.output<T>(0), c.y) : h.output<T>(0);
}

template <typename Q>
void check_resize(const ResizeInt8Case& c) {
  int64_t size = 1;
  for (int64_t d : c.x) size *= d;
  const std::vector<Q> x = random_q<Q>(static_cast<size_t>(size), 101);
  reference::NearestResize p{c.x, c.y[2], c.y[3], c.scale_h, c.scale_w, c.transform, c.rounding};
  const std::vector<Q> want = reference::resize_nearest(p, x.data());
  const QuantParamsHolder q({0.07f});
  EXPECT_EQ(run_resize(c, x, &q), want);
  // The FP32 kernel moves the same values to the same places.
  const std::vector<float> xf(x.begin(), x.end());
  const std::vector<float> yf = run_resize(c, xf, nullptr);
  EXPECT_EQ(yf, std::vector<float>(want.begin(), want.end()));
}

class ResizeInt8Test : public ::testing::TestWithParam<ResizeInt8Case> {};

TEST_P(ResizeInt8Test, MatchesReferenceExactly) {
  const ResizeInt8Case& c = GetParam();
  if (c.dtype == DType::kU8) return check_resize<uint8_t>(c);
  check_resize<int8_t>(c);
}

constexpr DType U8 = DType::kU8, S8 = DType::kS8;
constexpr Layout kNhwc = Layout::kNhwc, kPlain = Layout::kPlain;

INSTANTIATE_TEST_SUITE_P(
    Shapes, ResizeInt8Test,
    ::testing::Values(
        ResizeInt8Case{"upsample2x_asymmetric_floor_u8_nhwc", CT::Asymmetric, NR::Floor, {1, 5, 4, 6}, {1, 5, 8, 12}, 2.f, 2.f, U8, kNhwc},
        ResizeInt8Case{"half_pixel_prefer_floor_s8_nhwc", CT::HalfPixel, NR::RoundPreferFloor, {2, 3, 5, 7}, {2, 3, 9, 11}, 1.8f, 11.f / 7.f, S8, kNhwc},
        ResizeInt8Case{"align_corners_prefer_ceil_u8_plain", CT::AlignCorners, NR::RoundPreferCeil, {1, 4, 6, 5}, {1, 4, 4, 9}, 4.f / 6.f, 1.8f, U8, kPlain},
        ResizeInt8Case{"pytorch_half_pixel_ceil_s8", CT::PytorchHalfPixel, NR::Ceil, {2, 2, 7, 3}, {2, 2, 3, 1}, 3.f / 7.f, 1.f / 3.f, S8, kNhwc},
        ResizeInt8Case{"tf_half_pixel_s8_plain", CT::TfHalfPixelForNearest, NR::RoundPreferFloor, {1, 6, 3, 3}, {1, 6, 7, 5}, 7.f / 3.f, 5.f / 3.f, S8, kPlain}),
    [](const ::testing::TestParamInfo<ResizeInt8Case>& info) { return std::string(info.param.name); });

TEST(ResizeInt8Errors, LinearNeedsFloat) {
  const ResizeInt8Case c{"bad", CT::HalfPixel, NR::Floor, {1, 1, 2, 2}, {1, 1, 4, 4}, 2.f, 2.f, U8, kNhwc};
  const QuantParamsHolder q({0.1f});
  KernelHarness h(resize_op(c, fb::ResizeMode::Linear), "up");
  h.add_input(qdesc(c.x, DType::kU8, &q, kNhwc, "x"), std::vector<uint8_t>(4));
  h.add_output("y", q.get(), DType::kU8);
  auto kernel = make_resize_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(),
            "node 'up' (Resize): input 0 'x' has dtype u8, expected f32 for mode Linear (INT8 is nearest only)");
}

TEST(ResizeInt8Errors, OutputMustKeepTheScale) {
  const ResizeInt8Case c{"bad", CT::Asymmetric, NR::Floor, {1, 1, 2, 2}, {1, 1, 4, 4}, 2.f, 2.f, S8, kNhwc};
  const QuantParamsHolder qx({0.1f}), qy({0.2f});
  KernelHarness h(resize_op(c), "up");
  h.add_input(qdesc(c.x, DType::kS8, &qx, kNhwc, "x"), std::vector<uint8_t>(4));
  h.add_output("y", qy.get(), DType::kS8);
  auto kernel = make_resize_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "node 'up' (Resize): output 0 'y' has quant scale 0.200000, expected the input's scale "
                          "0.100000 (nearest Resize keeps it)");
}

}  // namespace
}  // namespace saturn::testing
