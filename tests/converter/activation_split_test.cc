// A Conv's Swish in an INT8 conversion (converter/passes/passes.h split_table_activations): the
// Conv requantizes its calibrated pre-activation, an INT8 Unary maps it through the Swish table,
// the output stays close to the FP32 model's, and the QDQ export writes the same two steps.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "tests/converter/quant_test_util.h"

namespace saturn::converter::testing {
namespace {

// x [1,8,32,32] -> Conv 3x3 (16, pads 1) -> Swish -> Conv 1x1 (8) -> y, Swish as exported:
// Mul(c, Sigmoid(c)).
std::string swish_model(const std::string& file) {
  OnnxBuilder b(13);
  b.input("x", {1, 8, 32, 32}).output("y");
  b.floats("w1", {16, 8, 3, 3}, random_values(16 * 72, 31, 0.f, 0.2f))
      .floats("b1", {16}, random_values(16, 32, 0.f, 0.3f));
  b.floats("w2", {8, 16, 1, 1}, random_values(128, 33, 0.f, 0.3f));
  OnnxBuilder::attr(b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1"), "pads",
                    std::vector<int64_t>{1, 1, 1, 1});
  b.node("Sigmoid", {"c1"}, {"s1"}, "sigmoid");
  b.node("Mul", {"c1", "s1"}, {"m1"}, "mul");
  b.node("Conv", {"m1", "w2"}, {"y"}, "conv2");
  return b.save(file);
}

TEST(ActivationSplit, Int8SwishRunsAsATableCloseToFp32) {
  const std::string onnx = swish_model("split_swish.onnx");
  auto fp32 = convert_onnx_file(onnx, {});
  ASSERT_TRUE(fp32) << fp32.status().message();
  ConvertOptions o;
  o.int8.qdq_path = ::testing::TempDir() + "split_swish_qdq.onnx";
  auto int8 = convert_int8(onnx, {samples("x", {16, 8, 32, 32}, 34)}, o);
  ASSERT_TRUE(int8) << int8.status().message();

  // FP32: Swish stays fused into conv1. INT8: conv1 (no activation) -> Unary Swish, both S8.
  auto fp32_model = Model::from_bytes(fp32.value());
  ASSERT_TRUE(fp32_model);
  EXPECT_EQ(fp32_model.value()->fb().graph()->nodes()->size(), 2u);
  EXPECT_EQ(int8->ops(), (std::vector<std::string>{"Quantize", "Conv", "Unary", "Conv"}));
  const fb::Node* conv1 = int8->node("conv1");
  ASSERT_NE(conv1, nullptr);
  const fb::Activation* fused = conv1->op_as_Conv()->activation();
  EXPECT_TRUE(fused == nullptr || fused->kind() == fb::ActivationKind::None);
  const fb::Node* unary = int8->node("conv1_Swish");
  ASSERT_NE(unary, nullptr);
  EXPECT_EQ(unary->op_as_Unary()->activation()->kind(), fb::ActivationKind::Swish);
  const fb::Tensor* pre = int8->input(unary, 0);
  EXPECT_EQ(pre, int8->output(conv1));
  EXPECT_EQ(pre->dtype(), fb::DType::S8);
  EXPECT_EQ(int8->output(unary)->dtype(), fb::DType::S8);
  EXPECT_GT(scale_of(pre), 0.f);
  EXPECT_GT(scale_of(int8->output(unary)), 0.f);

  // Held-out input: SQNR of INT8 against FP32.
  const std::vector<float> x = random_values(8 * 32 * 32, 35);
  const std::vector<float> ref = run_model(fp32.value(), x), got = run_model(int8->bytes, x);
  ASSERT_EQ(ref.size(), 8u * 32 * 32);
  ASSERT_EQ(got.size(), ref.size());
  double signal = 0, noise = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    signal += double{ref[i]} * ref[i];
    noise += (double{ref[i]} - got[i]) * (double{ref[i]} - got[i]);
  }
  const double sqnr = 10 * std::log10(signal / noise);
  std::printf("INT8 vs FP32 SQNR with the Swish table: %.1f dB\n", sqnr);
  EXPECT_GT(sqnr, 30.0);

  // QDQ: conv1 -> Q/DQ at the pre-activation's scale -> Sigmoid, Mul -> Q/DQ -> conv2.
  onnx::ModelProto q;
  std::ifstream f(o.int8.qdq_path, std::ios::binary);
  ASSERT_TRUE(q.ParseFromIstream(&f));
  std::vector<std::string> ops;
  for (const auto& n : q.graph().node())
    if (n.op_type() != "DequantizeLinear") ops.push_back(n.op_type());
  EXPECT_EQ(ops, (std::vector<std::string>{"QuantizeLinear", "Conv", "QuantizeLinear", "Sigmoid", "Mul",
                                           "QuantizeLinear", "Conv"}));
}

}  // namespace
}  // namespace saturn::converter::testing
