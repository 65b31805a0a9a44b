#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"

namespace saturn::testing {
namespace {

OpFn pad(std::vector<int64_t> pads, fb::PadMode mode, float value = 0.f) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::Pad, fb::CreatePad(b, b.CreateVector(pads), mode, value).Union());
  };
}

// Pads x (Plain values, logical dims) stored in `layout`; returns Y's Plain values.
template <typename T>
std::vector<T> run_pad(const OpFn& op, const std::vector<int64_t>& dims, DType dtype, const std::vector<T>& x,
                       std::vector<int64_t>* out_dims = nullptr, const fb::QuantParams* quant = nullptr,
                       Layout layout = Layout::kPlain) {
  KernelHarness h(op);
  const bool nhwc = layout == Layout::kNhwc;
  h.add_input(desc(dims, dtype, layout), bytes_of(nhwc ? to_nhwc(x, dims) : x));
  h.add_output("y", quant);
  auto kernel = make_pad_kernel();
  const Status s = h.prepare(*kernel);
  EXPECT_TRUE(s.is_ok()) << s.message();
  if (!s.is_ok()) return {};
  EXPECT_EQ(h.output_desc(0).layout, layout);
  if (out_dims != nullptr) *out_dims = h.output_desc(0).dims;
  h.run();
  return nhwc ? from_nhwc(h.output<T>(0), h.output_desc(0).dims) : h.output<T>(0);
}

TEST(Pad, OneDimModes) {
  const std::vector<float> x = {1, 2, 3, 4};
  EXPECT_EQ(run_pad(pad({2, 3}, fb::PadMode::Constant, 0.5f), {4}, DType::kF32, x),
            (std::vector<float>{0.5f, 0.5f, 1, 2, 3, 4, 0.5f, 0.5f, 0.5f}));
  EXPECT_EQ(run_pad(pad({2, 3}, fb::PadMode::Reflect), {4}, DType::kF32, x),
            (std::vector<float>{3, 2, 1, 2, 3, 4, 3, 2, 1}));
  EXPECT_EQ(run_pad(pad({2, 3}, fb::PadMode::Edge), {4}, DType::kF32, x),
            (std::vector<float>{1, 1, 1, 2, 3, 4, 4, 4, 4}));
}

TEST(Pad, NegativePadsCrop) {
  const std::vector<float> x = {1, 2, 3, 4};
  std::vector<int64_t> dims;
  EXPECT_EQ(run_pad(pad({-1, 2}, fb::PadMode::Constant, 9.f), {4}, DType::kF32, x, &dims),
            (std::vector<float>{2, 3, 4, 9, 9}));
  EXPECT_EQ(dims, std::vector<int64_t>{5});
  EXPECT_EQ(run_pad(pad({1, -3}, fb::PadMode::Edge), {4}, DType::kF32, x), (std::vector<float>{1, 1}));
  EXPECT_EQ(run_pad(pad({-2, -2}, fb::PadMode::Reflect), {4}, DType::kF32, x, &dims), (std::vector<float>{}));
  EXPECT_EQ(dims, std::vector<int64_t>{0});
}

TEST(Pad, TwoDimsHandWritten) {
  // [[1, 2], [3, 4]], one row before, one column after.
  const std::vector<int32_t> x = {1, 2, 3, 4};
  std::vector<int64_t> dims;
  EXPECT_EQ(run_pad(pad({1, 0, 0, 1}, fb::PadMode::Reflect), {2, 2}, DType::kS32, x, &dims),
            (std::vector<int32_t>{3, 4, 3, 1, 2, 1, 3, 4, 3}));
  EXPECT_EQ(dims, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(run_pad(pad({1, 0, 0, 1}, fb::PadMode::Edge), {2, 2}, DType::kS32, x),
            (std::vector<int32_t>{1, 2, 2, 1, 2, 2, 3, 4, 4}));
  EXPECT_EQ(run_pad(pad({1, 0, 0, 1}, fb::PadMode::Constant, -7.f), {2, 2}, DType::kS32, x),
            (std::vector<int32_t>{-7, -7, -7, 1, 2, -7, 3, 4, -7}));
}

TEST(Pad, FourDimsSpatialConstantAndReflect) {
  // NCHW [1, 2, 3, 3], pads (0, 0, 1, 2) begin and (0, 0, 2, -1) end: H 3 -> 6, W 3 -> 4.
  const std::vector<int64_t> dims = {1, 2, 3, 3};
  std::vector<float> x(18);
  std::iota(x.begin(), x.end(), 1.f);
  const std::vector<int64_t> pads = {0, 0, 1, 2, 0, 0, 2, -1};
  for (fb::PadMode mode : {fb::PadMode::Constant, fb::PadMode::Reflect, fb::PadMode::Edge}) {
    SCOPED_TRACE(static_cast<int>(mode));
    std::vector<float> want;
    for (int64_t c = 0; c < 2; ++c) {
      for (int64_t h = -1; h < 5; ++h) {
        for (int64_t w = -2; w < 2; ++w) {
          const auto map = [&](int64_t i) {
            if (mode == fb::PadMode::Edge) return std::clamp<int64_t>(i, 0, 2);
            if (i < 0) return -i;  // reflect, dim 3: -1 -> 1, -2 -> 2
            return i > 2 ? 4 - i : i;
          };
          const bool inside = h >= 0 && h < 3 && w >= 0 && w < 3;
          want.push_back(mode == fb::PadMode::Constant && !inside ? 0.f : x[(c * 3 + map(h)) * 3 + map(w)]);
        }
      }
    }
    for (Layout layout : {Layout::kPlain, Layout::kNhwc}) {
      std::vector<int64_t> out_dims;
      EXPECT_EQ(run_pad(pad(pads, mode), dims, DType::kF32, x, &out_dims, nullptr, layout), want);
      EXPECT_EQ(out_dims, (std::vector<int64_t>{1, 2, 6, 4}));
    }
  }
}

// Nhwc u8 data padded on every dim, channels included (the innermost stored dim), and on H only
// (whole pixels copied at once): the values of ONNX Pad's definition.
TEST(Pad, NhwcU8AllDimsAndRowsOnly) {
  const std::vector<int64_t> dims = {2, 3, 2, 4};
  std::vector<uint8_t> x(48);
  std::iota(x.begin(), x.end(), uint8_t{1});
  for (const std::vector<int64_t>& pads :
       {std::vector<int64_t>{1, 2, 0, 1, 0, 1, 2, 1}, std::vector<int64_t>{0, 0, 1, 0, 0, 0, 2, 0}}) {
    std::vector<int64_t> out = dims;
    for (size_t d = 0; d < 4; ++d) out[d] += pads[d] + pads[d + 4];
    std::vector<uint8_t> want;
    for (int64_t n = 0; n < out[0]; ++n)
      for (int64_t c = 0; c < out[1]; ++c)
        for (int64_t h = 0; h < out[2]; ++h)
          for (int64_t w = 0; w < out[3]; ++w) {
            const int64_t i[4] = {n - pads[0], c - pads[1], h - pads[2], w - pads[3]};
            bool inside = true;
            for (size_t d = 0; d < 4; ++d) inside = inside && i[d] >= 0 && i[d] < dims[d];
            want.push_back(inside ? x[((i[0] * 3 + i[1]) * 2 + i[2]) * 4 + i[3]] : 0);
          }
    std::vector<int64_t> out_dims;
    EXPECT_EQ(run_pad(pad(pads, fb::PadMode::Constant), dims, DType::kU8, x, &out_dims, nullptr, Layout::kNhwc),
              want);
    EXPECT_EQ(out_dims, out);
  }
}

TEST(Pad, QuantizedConstantUsesOutputScale) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateQuantParams(b, b.CreateVector(std::vector<float>{0.5f}), -1, 63.5f));
  const auto* quant = flatbuffers::GetRoot<fb::QuantParams>(b.GetBufferPointer());
  const std::vector<int8_t> x = {-3, 4};
  // 1.25 / 0.5 = 2.5 -> 2 (half to even); 100 / 0.5 saturates to 127.
  EXPECT_EQ(run_pad(pad({1, 1}, fb::PadMode::Constant, 1.25f), {2}, DType::kS8, x, nullptr, quant),
            (std::vector<int8_t>{2, -3, 4, 2}));
  EXPECT_EQ(run_pad(pad({1, 0}, fb::PadMode::Constant, 100.f), {2}, DType::kS8, x, nullptr, quant),
            (std::vector<int8_t>{127, -3, 4}));
}

TEST(Pad, RejectsWrongPadCount) {
  KernelHarness h(pad({1, 1}, fb::PadMode::Constant), "p");
  h.add_input(desc({2, 2}, DType::kF32, Layout::kPlain, "x"), bytes_of(std::vector<float>(4)));
  h.add_output();
  auto kernel = make_pad_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(), "node 'p' (Pad): pads has 2 entries, expected 4 for input 0 'x' with dims [2, 2]");
}

}  // namespace
}  // namespace saturn::testing
