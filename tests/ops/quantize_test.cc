// Quantize and Dequantize kernels (ops/quantize.cc) against the per-value reference
// (ops/reference/quantize.h): bit-exact, NaN/Inf, ties to even, symmetric saturation, layouts.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ops/ops.h"
#include "ops/reference/quantize.h"
#include "ops/registry.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/quant_params.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

OpFn quantize_op() {
  return [](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::Quantize, fb::CreateQuantize(b).Union());
  };
}
OpFn dequantize_op() {
  return [](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::Dequantize, fb::CreateDequantize(b).Union());
  };
}

// Runs Quantize on `x` (dims, layout) into `dtype` with scale `alpha`, its readers wanting
// `readers` (Y's expected layout: X's, or Nhwc for a Plain X whose readers want Nhwc); returns the
// raw output bytes.
template <typename Q>
std::vector<Q> run_quantize(const std::vector<float>& x, std::vector<int64_t> dims, Layout layout, float alpha,
                            Layout readers = Layout::kPlain) {
  const DType dtype = std::is_same_v<Q, uint8_t> ? DType::kU8 : DType::kS8;
  QuantParamsHolder qy({alpha});
  KernelHarness h(quantize_op(), "q");
  h.add_input(desc(dims, DType::kF32, layout, "x"), bytes_of(x));
  h.add_output("y", qy.get(), dtype);
  h.set_readers_layout(readers);
  auto kernel = make_quantize_kernel();
  const Status st = h.prepare(*kernel);
  EXPECT_TRUE(st.is_ok()) << st.message();
  if (!st.is_ok()) return {};
  EXPECT_EQ(h.output_desc(0).dtype, dtype);
  EXPECT_EQ(h.output_desc(0).dims, dims);
  EXPECT_EQ(h.output_desc(0).layout, readers == Layout::kNhwc ? Layout::kNhwc : layout);
  h.run();
  return h.output<Q>(0);
}

template <typename Q>
std::vector<float> run_dequantize(const std::vector<Q>& x, std::vector<int64_t> dims, Layout layout, float alpha) {
  const DType dtype = std::is_same_v<Q, uint8_t> ? DType::kU8 : std::is_same_v<Q, int8_t> ? DType::kS8 : DType::kS32;
  QuantParamsHolder qx({alpha});
  KernelHarness h(dequantize_op(), "dq");
  TensorDesc d = desc(dims, dtype, layout, "x");
  d.quant = qx.get();
  h.add_input(d, bytes_of(x));
  h.add_output("y");
  auto kernel = make_dequantize_kernel();
  const Status st = h.prepare(*kernel);
  EXPECT_TRUE(st.is_ok()) << st.message();
  if (!st.is_ok()) return {};
  EXPECT_EQ(h.output_desc(0).dtype, DType::kF32);
  EXPECT_EQ(h.output_desc(0).dims, dims);
  EXPECT_EQ(h.output_desc(0).layout, layout);
  h.run();
  return h.output<float>(0);
}

std::vector<int> as_ints(const std::vector<int8_t>& v) { return std::vector<int>(v.begin(), v.end()); }
std::vector<int> as_ints(const std::vector<uint8_t>& v) { return std::vector<int>(v.begin(), v.end()); }

TEST(Quantize, SeedExampleRoundsHalfToEven) {
  const std::vector<float> x = {1, 2, 3, 4, 5, 12700};
  EXPECT_EQ(as_ints(run_quantize<int8_t>(x, {6}, Layout::kPlain, 5.f / 127.f)),
            (std::vector<int>{25, 51, 76, 102, 127, 127}));
}

TEST(Quantize, TiesGoToEvenAndSaturationIsSymmetric) {
  // alpha = 0.5: x / alpha lands exactly on .5 for these x.
  const std::vector<float> x = {1.25f, 1.75f, -1.25f, -1.75f, 0.25f, -0.25f, 0.75f, -1000.f, 1000.f, 63.25f};
  EXPECT_EQ(as_ints(run_quantize<int8_t>(x, {10}, Layout::kPlain, 0.5f)),
            (std::vector<int>{2, 4, -2, -4, 0, 0, 2, -127, 127, 126}));
  EXPECT_EQ(as_ints(run_quantize<uint8_t>(x, {10}, Layout::kPlain, 0.5f)),
            (std::vector<int>{2, 4, 0, 0, 0, 0, 2, 0, 255, 126}));
}

TEST(Quantize, NanIsZeroAndInfSaturates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {nan, inf, -inf, -nan, 0.f, -0.f, 3.f};
  EXPECT_EQ(as_ints(run_quantize<int8_t>(x, {7}, Layout::kPlain, 0.1f)),
            (std::vector<int>{0, 127, -127, 0, 0, 0, 30}));
  EXPECT_EQ(as_ints(run_quantize<uint8_t>(x, {7}, Layout::kPlain, 0.1f)),
            (std::vector<int>{0, 255, 0, 0, 0, 0, 30}));
}

// Random values over and beyond the range, odd sizes (vector loop tails), both layouts: bit-exact
// with the reference element by element (elementwise, so the layout only permutes the elements).
TEST(Quantize, MatchesReferenceBitExactInEveryLayout) {
  const std::vector<int64_t> dims = {2, 13, 7, 5};
  const size_t n = 2 * 13 * 7 * 5;
  std::vector<float> x = random_floats(n, -3.f, 3.f, 21);
  x[17] = std::numeric_limits<float>::quiet_NaN();
  x[18] = std::numeric_limits<float>::infinity();
  x[19] = -std::numeric_limits<float>::infinity();
  x[20] = 0.5f * 0.0117f;  // a tie after division, unless float rounding moves it
  const float alpha = 0.0117f;
  for (Layout layout : {Layout::kPlain, Layout::kNhwc}) {
    const std::vector<int8_t> s8 = run_quantize<int8_t>(x, dims, layout, alpha);
    const std::vector<uint8_t> u8 = run_quantize<uint8_t>(x, dims, layout, alpha);
    ASSERT_EQ(s8.size(), n);
    ASSERT_EQ(u8.size(), n);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(s8[i], reference::quantize<int8_t>(x[i], alpha)) << "at " << i << " x " << x[i];
      EXPECT_EQ(u8[i], reference::quantize<uint8_t>(x[i], alpha)) << "at " << i << " x " << x[i];
    }
  }
}

// A Plain X whose readers want Nhwc (an image before the first Conv) is written in Nhwc:
// three channels (16 pixels at a time, then a tail of 5) and five (the plain loop), two images.
TEST(Quantize, PlainImageIntoNhwcForItsReaders) {
  for (const int64_t c : {3, 5}) {
    const std::vector<int64_t> dims = {2, c, 3, 37};
    const size_t n = static_cast<size_t>(2 * c * 3 * 37);
    const std::vector<float> x = random_floats(n, -3.f, 3.f, 22);
    const float alpha = 0.0213f;
    const std::vector<int8_t> s8 = run_quantize<int8_t>(x, dims, Layout::kPlain, alpha, Layout::kNhwc);
    const std::vector<uint8_t> u8 = run_quantize<uint8_t>(x, dims, Layout::kPlain, alpha, Layout::kNhwc);
    const std::vector<float> x_nhwc = to_nhwc(x, dims);
    ASSERT_EQ(s8.size(), n);
    ASSERT_EQ(u8.size(), n);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(s8[i], reference::quantize<int8_t>(x_nhwc[i], alpha)) << "C " << c << " at " << i;
      EXPECT_EQ(u8[i], reference::quantize<uint8_t>(x_nhwc[i], alpha)) << "C " << c << " at " << i;
    }
  }
}

TEST(Dequantize, MatchesReferenceBitExactForEveryType) {
  const float alpha = 0.0371f;
  std::vector<int8_t> s8;
  std::vector<uint8_t> u8;
  for (int v = -127; v <= 127; ++v) s8.push_back(static_cast<int8_t>(v));
  for (int v = 0; v <= 255; ++v) u8.push_back(static_cast<uint8_t>(v));
  const std::vector<int32_t> s32 = {0, 1, -1, 123456, -7654321, 2147483647, -2147483647 - 1};
  const std::vector<float> fs8 = run_dequantize(s8, {1, 5, 1, 51}, Layout::kNhwc, alpha);
  const std::vector<float> fu8 = run_dequantize(u8, {256}, Layout::kPlain, alpha);
  const std::vector<float> fs32 = run_dequantize(s32, {7}, Layout::kPlain, alpha);
  ASSERT_EQ(fs8.size(), s8.size());
  ASSERT_EQ(fu8.size(), u8.size());
  ASSERT_EQ(fs32.size(), s32.size());
  for (size_t i = 0; i < s8.size(); ++i) EXPECT_EQ(fs8[i], reference::dequantize(s8[i], alpha));
  for (size_t i = 0; i < u8.size(); ++i) EXPECT_EQ(fu8[i], reference::dequantize(u8[i], alpha));
  for (size_t i = 0; i < s32.size(); ++i) EXPECT_EQ(fs32[i], reference::dequantize(s32[i], alpha));
}

TEST(QuantizeDequantize, RoundTripIsWithinHalfAStep) {
  const std::vector<float> x = random_floats(1001, -2.f, 2.f, 22);
  const float alpha = 2.f / 127.f;
  const std::vector<float> back = run_dequantize(run_quantize<int8_t>(x, {1001}, Layout::kPlain, alpha), {1001},
                                                 Layout::kPlain, alpha);
  ASSERT_EQ(back.size(), x.size());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_LE(std::fabs(back[i] - x[i]), alpha / 2 * (1 + 1e-5f)) << x[i];
}

TEST(QuantizeErrors, OutputMustBeU8OrS8WithOneScale) {
  QuantParamsHolder two({0.1f, 0.2f}, 0);
  {
    KernelHarness h(quantize_op(), "q");
    h.add_input(desc({4}, DType::kF32, Layout::kPlain, "x"), std::vector<uint8_t>(16));
    h.add_output("y", nullptr, DType::kF32);
    const Status st = h.prepare(*make_quantize_kernel());
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.message(), "node 'q' (Quantize): output 0 'y' has dtype f32 in the model, expected u8 or s8");
  }
  {
    KernelHarness h(quantize_op(), "q");
    h.add_input(desc({2}, DType::kF32, Layout::kPlain, "x"), std::vector<uint8_t>(8));
    h.add_output("y", two.get(), DType::kS8);
    const Status st = h.prepare(*make_quantize_kernel());
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.message(), "node 'q' (Quantize): output 0 'y' has 2 quant scales, expected 1 (per tensor)");
  }
  {
    QuantParamsHolder one({0.1f});
    KernelHarness h(quantize_op(), "q");
    h.add_input(desc({2}, DType::kU8, Layout::kPlain, "x"), std::vector<uint8_t>(2));
    h.add_output("y", one.get(), DType::kS8);
    const Status st = h.prepare(*make_quantize_kernel());
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.message(), "node 'q' (Quantize): input 0 'x' has dtype u8, expected f32");
  }
}

TEST(DequantizeErrors, InputMustBeQuantized) {
  {
    KernelHarness h(dequantize_op(), "dq");
    h.add_input(desc({4}, DType::kF32, Layout::kPlain, "x"), std::vector<uint8_t>(16));
    h.add_output("y");
    const Status st = h.prepare(*make_dequantize_kernel());
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.message(), "node 'dq' (Dequantize): input 0 'x' has dtype f32, expected u8, s8 or s32");
  }
  {
    KernelHarness h(dequantize_op(), "dq");
    h.add_input(desc({4}, DType::kS8, Layout::kPlain, "x"), std::vector<uint8_t>(4));
    h.add_output("y");
    const Status st = h.prepare(*make_dequantize_kernel());
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.message(), "node 'dq' (Dequantize): input 0 'x' has 0 quant scales, expected 1 (per tensor)");
  }
}

TEST(QuantizeRegistry, BothOpsAreRegisteredLayoutAgnostic) {
  for (fb::Op op : {fb::Op::Quantize, fb::Op::Dequantize}) {
    const OpEntry* entry = find_op(op);
    ASSERT_NE(entry, nullptr) << fb::EnumNameOp(op);
    EXPECT_STREQ(entry->name, fb::EnumNameOp(op));
    EXPECT_EQ(entry->layout, LayoutPolicy::kFollowFirst);
    EXPECT_NE(entry->create(), nullptr);
  }
}

}  // namespace
}  // namespace saturn::testing
