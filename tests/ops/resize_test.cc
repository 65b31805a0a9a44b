#include <gtest/gtest.h>

#include <cmath>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

using CT = fb::CoordinateTransform;
using NR = fb::NearestRounding;

struct ResizeCase {
  const char* name;
  fb::ResizeMode mode;
  CT transform;
  NR rounding;
  std::vector<int64_t> x, y;
  float scale_h, scale_w;
};

void PrintTo(const ResizeCase& c, std::ostream* os) { *os << c.name; }

OpFn resize_op(const ResizeCase& c) {
  return [c](flatbuffers::FlatBufferBuilder& b) {
    const std::vector<float> scales = {1.f, 1.f, c.scale_h, c.scale_w};
    return std::make_pair(fb::Op::Resize,
                          fb::CreateResizeDirect(b, c.mode, c.transform, c.rounding, &scales, &c.y).Union());
  };
}

// The ONNX reference's formulation, in double: coordinate transform, then either nearest rounding
// with clamping, or linear interpolation between edge-padded neighbours.
double source_coordinate(CT t, int64_t o, int64_t in, int64_t out, double scale) {
  switch (t) {
    case CT::HalfPixel: return (o + 0.5) / scale - 0.5;
    case CT::Asymmetric: return o / scale;
    case CT::AlignCorners: return out == 1 ? 0.0 : o * double(in - 1) / double(out - 1);
    case CT::PytorchHalfPixel: return out > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
    case CT::TfHalfPixelForNearest: return (o + 0.5) / scale;
  }
  return 0;
}

int64_t nearest_index(NR r, double x, int64_t in) {
  int64_t i = 0;
  const bool tie = x == std::floor(x) + 0.5;
  switch (r) {
    case NR::RoundPreferFloor: i = static_cast<int64_t>(tie ? std::floor(x) : std::round(x)); break;
    case NR::RoundPreferCeil: i = static_cast<int64_t>(tie ? std::ceil(x) : std::round(x)); break;
    case NR::Floor: i = static_cast<int64_t>(std::floor(x)); break;
    case NR::Ceil: i = static_cast<int64_t>(std::ceil(x)); break;
  }
  return std::min(std::max<int64_t>(i, 0), in - 1);
}

std::vector<float> reference(const ResizeCase& c, const std::vector<float>& x) {
  const int64_t h = c.x[2], w = c.x[3], oh = c.y[2], ow = c.y[3];
  std::vector<float> y;
  for (int64_t nc = 0; nc < c.x[0] * c.x[1]; ++nc) {
    const float* plane = x.data() + nc * h * w;
    auto at = [&](int64_t i, int64_t j) {
      return double{
          plane[std::min(std::max<int64_t>(i, 0), h - 1) * w + std::min(std::max<int64_t>(j, 0), w - 1)]};
    };
    for (int64_t i = 0; i < oh; ++i) {
      const double sy = source_coordinate(c.transform, i, h, oh, c.scale_h);
      for (int64_t j = 0; j < ow; ++j) {
        const double sx = source_coordinate(c.transform, j, w, ow, c.scale_w);
        if (c.mode == fb::ResizeMode::Nearest) {
          y.push_back(
              static_cast<float>(at(nearest_index(c.rounding, sy, h), nearest_index(c.rounding, sx, w))));
          continue;
        }
        const double fy = std::floor(sy), fx = std::floor(sx);
        const double ry = sy - fy, rx = sx - fx;
        const auto y0 = static_cast<int64_t>(fy), x0 = static_cast<int64_t>(fx);
        const double top = at(y0, x0) * (1 - rx) + at(y0, x0 + 1) * rx;
        const double bottom = at(y0 + 1, x0) * (1 - rx) + at(y0 + 1, x0 + 1) * rx;
        y.push_back(static_cast<float>(top * (1 - ry) + bottom * ry));
      }
    }
  }
  return y;
}

class ResizeTest : public ::testing::TestWithParam<ResizeCase> {};

TEST_P(ResizeTest, MatchesOnnxReferenceInBothLayouts) {
  const ResizeCase c = GetParam();
  const std::vector<float> x =
      random_floats(static_cast<size_t>(c.x[0] * c.x[1] * c.x[2] * c.x[3]), -2.f, 2.f, 71);
  const std::vector<float> want = reference(c, x);
  for (Layout layout : {Layout::kNhwc, Layout::kPlain}) {
    SCOPED_TRACE(layout_name(layout));
    KernelHarness h(resize_op(c), "up");
    h.add_input(desc(c.x, DType::kF32, layout, "x"), bytes_of(layout == Layout::kNhwc ? to_nhwc(x, c.x) : x));
    h.add_output("y");
    auto kernel = make_resize_kernel();
    const Status st = h.prepare(*kernel);
    ASSERT_TRUE(st.is_ok()) << st.message();
    EXPECT_EQ(h.output_desc(0).dims, c.y);
    EXPECT_EQ(h.output_desc(0).layout, layout);
    h.run();
    std::vector<float> got = h.output<float>(0);
    if (layout == Layout::kNhwc) got = from_nhwc(got, c.y);
    expect_close(got, want, 1e-4f, 1e-6f);
  }
}

constexpr auto kNearest = fb::ResizeMode::Nearest;
constexpr auto kLinear = fb::ResizeMode::Linear;

INSTANTIATE_TEST_SUITE_P(Cases, ResizeTest,
                         ::testing::Values(ResizeCase{"nearest_asymmetric_floor_x2",
                                                      kNearest,
                                                      CT::Asymmetric,
                                                      NR::Floor,
                                                      {1, 3, 4, 5},
                                                      {1, 3, 8, 10},
                                                      2,
                                                      2},
                                           ResizeCase{"nearest_asymmetric_prefer_floor_ties",
                                                      kNearest,
                                                      CT::Asymmetric,
                                                      NR::RoundPreferFloor,
                                                      {1, 2, 3, 4},
                                                      {1, 2, 6, 8},
                                                      2,
                                                      2},
                                           ResizeCase{"nearest_asymmetric_prefer_ceil_ties",
                                                      kNearest,
                                                      CT::Asymmetric,
                                                      NR::RoundPreferCeil,
                                                      {1, 2, 3, 4},
                                                      {1, 2, 6, 8},
                                                      2,
                                                      2},
                                           ResizeCase{"nearest_half_pixel_down",
                                                      kNearest,
                                                      CT::HalfPixel,
                                                      NR::RoundPreferFloor,
                                                      {2, 3, 7, 9},
                                                      {2, 3, 4, 5},
                                                      4.f / 7,
                                                      5.f / 9},
                                           ResizeCase{"nearest_tf_half_pixel_ceil",
                                                      kNearest,
                                                      CT::TfHalfPixelForNearest,
                                                      NR::Ceil,
                                                      {1, 3, 5, 4},
                                                      {1, 3, 8, 7},
                                                      1.6f,
                                                      1.75f},
                                           ResizeCase{"nearest_align_corners_prefer_ceil",
                                                      kNearest,
                                                      CT::AlignCorners,
                                                      NR::RoundPreferCeil,
                                                      {1, 2, 5, 5},
                                                      {1, 2, 9, 7},
                                                      1.8f,
                                                      1.4f},
                                           ResizeCase{"nearest_pytorch_half_pixel_out1",
                                                      kNearest,
                                                      CT::PytorchHalfPixel,
                                                      NR::RoundPreferFloor,
                                                      {1, 2, 5, 6},
                                                      {1, 2, 1, 3},
                                                      0.2f,
                                                      0.5f},
                                           ResizeCase{"linear_half_pixel_x2",
                                                      kLinear,
                                                      CT::HalfPixel,
                                                      NR::RoundPreferFloor,
                                                      {1, 3, 4, 4},
                                                      {1, 3, 8, 8},
                                                      2,
                                                      2},
                                           ResizeCase{"linear_align_corners",
                                                      kLinear,
                                                      CT::AlignCorners,
                                                      NR::RoundPreferFloor,
                                                      {1, 5, 3, 4},
                                                      {1, 5, 7, 9},
                                                      7.f / 3,
                                                      9.f / 4},
                                           ResizeCase{"linear_asymmetric_down",
                                                      kLinear,
                                                      CT::Asymmetric,
                                                      NR::RoundPreferFloor,
                                                      {2, 3, 8, 8},
                                                      {2, 3, 3, 5},
                                                      0.375f,
                                                      0.625f},
                                           ResizeCase{"linear_pytorch_half_pixel_out1",
                                                      kLinear,
                                                      CT::PytorchHalfPixel,
                                                      NR::RoundPreferFloor,
                                                      {1, 2, 4, 6},
                                                      {1, 2, 1, 4},
                                                      0.25f,
                                                      4.f / 6},
                                           ResizeCase{"linear_half_pixel_given_scale",
                                                      kLinear,
                                                      CT::HalfPixel,
                                                      NR::RoundPreferFloor,
                                                      {1, 3, 3, 3},
                                                      {1, 3, 7, 7},
                                                      2.5f,
                                                      2.5f},
                                           ResizeCase{"linear_tf_half_pixel",
                                                      kLinear,
                                                      CT::TfHalfPixelForNearest,
                                                      NR::RoundPreferFloor,
                                                      {1, 1, 4, 5},
                                                      {1, 1, 6, 3},
                                                      1.5f,
                                                      0.6f}),
                         [](const ::testing::TestParamInfo<ResizeCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(ResizeErrors, ChannelResizeIsRejected) {
  const ResizeCase c{"bad", kNearest, CT::Asymmetric, NR::Floor, {1, 3, 4, 4}, {1, 6, 8, 8}, 2, 2};
  KernelHarness h(resize_op(c), "up");
  h.add_input(desc(c.x, DType::kF32, Layout::kNhwc, "x"), std::vector<uint8_t>(192));
  h.add_output("y");
  auto kernel = make_resize_kernel();
  const Status st = h.prepare(*kernel);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(),
            "node 'up' (Resize): attribute 'sizes' [1, 6, 8, 8] changes N or C of X [1, 3, 4, 4], expected "
            "only the two "
            "trailing dims to be resized");
}

}  // namespace
}  // namespace saturn::testing
