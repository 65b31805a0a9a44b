// End to end: an INT8 model written by the converter loads and runs in the Session, and its output
// stays close to the FP32 model's on held-out samples.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/converter/quant_test_util.h"

namespace saturn::converter::testing {
namespace {

// x [4,3,8,8] -> Conv 3x3 (8, Relu) -> MaxPool 2x2 -> Conv 1x1 (8) -> Add(., pool) -> Relu
// -> Concat(., pool) -> GlobalAveragePool -> Flatten -> Gemm (5) -> Softmax -> y
std::string cnn(const std::string& file) {
  OnnxBuilder b(13);
  b.input("x", {4, 3, 8, 8}).output("y");
  b.floats("w1", {8, 3, 3, 3}, random_values(8 * 27, 1, 0.f, 0.3f)).floats("b1", {8}, random_values(8, 2, 0.f, 0.1f));
  b.floats("w2", {8, 8, 1, 1}, random_values(64, 3, 0.f, 0.3f)).floats("b2", {8}, random_values(8, 4, 0.f, 0.1f));
  b.floats("fc", {5, 16}, random_values(80, 5, 0.f, 0.5f)).floats("fcb", {5}, random_values(5, 6, 0.f, 0.1f));
  auto& c1 = b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1");
  OnnxBuilder::attr(c1, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  auto& mp = b.node("MaxPool", {"r1"}, {"p"}, "pool");
  OnnxBuilder::attr(mp, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(mp, "strides", std::vector<int64_t>{2, 2});
  b.node("Conv", {"p", "w2", "b2"}, {"c2"}, "conv2");
  b.node("Add", {"c2", "p"}, {"s"}, "add");
  b.node("Relu", {"s"}, {"sr"}, "relu2");
  OnnxBuilder::attr(b.node("Concat", {"sr", "p"}, {"cat"}, "concat"), "axis", int64_t{1});
  b.node("GlobalAveragePool", {"cat"}, {"g"}, "gap");
  OnnxBuilder::attr(b.node("Flatten", {"g"}, {"f"}, "flatten"), "axis", int64_t{1});
  auto& fc = b.node("Gemm", {"f", "fc", "fcb"}, {"logits"}, "fc");
  OnnxBuilder::attr(fc, "transB", int64_t{1});
  OnnxBuilder::attr(b.node("Softmax", {"logits"}, {"y"}, "softmax"), "axis", int64_t{1});
  return b.save(file);
}

TEST(QuantizeEndToEnd, Int8ModelRunsCloseToFp32) {
  const std::string onnx = cnn("e2e_int8.onnx");
  auto fp32 = convert_onnx_file(onnx, {});
  ASSERT_TRUE(fp32) << fp32.status().message();
  auto int8 = convert_int8(onnx, {{"x", {64, 3, 8, 8}, random_values(64 * 192, 100)}}, {});
  ASSERT_TRUE(int8) << int8.status().message();
  EXPECT_EQ(int8->report.quantize.fused_residuals, 1);
  const std::vector<float> x = random_values(4 * 192, 999);  // held out
  const std::vector<float> ref = run_model(fp32.value(), x), got = run_model(int8->bytes, x);
  ASSERT_EQ(ref.size(), 20u);
  ASSERT_EQ(got.size(), ref.size());
  float max_diff = 0.f;
  for (size_t i = 0; i < ref.size(); ++i) max_diff = std::max(max_diff, std::fabs(ref[i] - got[i]));
  // Softmax probabilities: INT8 error well under 0.05 absolute on this small net.
  EXPECT_LT(max_diff, 0.05f);
  std::printf("max |fp32 - int8| of the probabilities: %g\n", max_diff);
}

}  // namespace
}  // namespace saturn::converter::testing
