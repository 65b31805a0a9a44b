// The INT8 pass: weight and bias values, region borders, concat scales, residual fusion,
// --fp32-nodes, and the written model's structure.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/conv_int8.h"
#include "ops/reference/quantize.h"
#include "tests/converter/quant_test_util.h"

namespace saturn::converter::testing {
namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::vector<float> weights(size_t n, uint32_t seed, float sd) { return random_values(n, seed, 0.f, sd); }

TEST(QuantizePass, PerChannelWeightScalesAndS32Bias) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 4, 4}).output("y");
  // 3 output channels; channel c's max |w| is 1.27 * (c + 1); channel 2 has a negative extreme.
  std::vector<float> w(3 * 2 * 3 * 3, 0.1f);
  w[0] = 1.27f;
  w[18 + 5] = 2.54f;
  w[36 + 7] = -3.81f;
  b.floats("w", {3, 2, 3, 3}, w).floats("bias", {3}, {0.5f, -1.25f, 3.0f});
  b.node("Conv", {"x", "w", "bias"}, {"y"}, "conv");
  auto m = convert_int8(b.save("q_weights.onnx"), {samples("x", {4, 2, 4, 4}, 1)}, {});
  ASSERT_TRUE(m) << m.status().message();
  const fb::Node* conv = m->node("conv");
  ASSERT_TRUE(conv);
  ASSERT_EQ(conv->op_type(), fb::Op::Conv);
  const fb::Tensor* x = m->input(conv, 0);
  const fb::Tensor* wq = m->input(conv, 1);
  const fb::Tensor* bq = m->input(conv, 2);
  EXPECT_EQ(x->dtype(), fb::DType::S8);  // gaussian input: signed
  ASSERT_EQ(wq->dtype(), fb::DType::S8);
  ASSERT_EQ(wq->quant()->axis(), 0);
  ASSERT_EQ(wq->quant()->scale()->size(), 3u);
  EXPECT_FLOAT_EQ(wq->quant()->scale()->Get(0), 1.27f / 127.f);
  EXPECT_FLOAT_EQ(wq->quant()->scale()->Get(1), 2.54f / 127.f);
  EXPECT_FLOAT_EQ(wq->quant()->scale()->Get(2), 3.81f / 127.f);
  const auto* wdata = m->model->fb().buffers()->Get(wq->buffer())->data();
  const int8_t* wv = reinterpret_cast<const int8_t*>(wdata->data());
  EXPECT_EQ(wv[0], 127);
  EXPECT_EQ(wv[18 + 5], 127);
  EXPECT_EQ(wv[36 + 7], -127);
  EXPECT_EQ(wv[1], static_cast<int8_t>(std::nearbyint(0.1f / (1.27f / 127.f))));  // 10
  EXPECT_EQ(wv[19], static_cast<int8_t>(std::nearbyint(0.1f / (2.54f / 127.f))));  // 5
  // Bias: round(b / (alpha_x * alpha_w[c])).
  ASSERT_EQ(bq->dtype(), fb::DType::S32);
  const float ax = scale_of(x);
  ASSERT_GT(ax, 0.f);
  const int32_t* bv = reinterpret_cast<const int32_t*>(m->model->fb().buffers()->Get(bq->buffer())->data()->data());
  const float bias[3] = {0.5f, -1.25f, 3.0f};
  for (int c = 0; c < 3; ++c) {
    const double s = static_cast<double>(ax) * wq->quant()->scale()->Get(c);
    EXPECT_EQ(bv[c], static_cast<int32_t>(std::nearbyint(bias[c] / s))) << "channel " << c;
    EXPECT_FLOAT_EQ(bq->quant()->scale()->Get(c), ax * wq->quant()->scale()->Get(c));
  }
  // The input's scale is its calibrated threshold / 127; the graph output stays F32 (Conv -> F32).
  EXPECT_FLOAT_EQ(ax, x->quant()->threshold() / 127.f);
  EXPECT_EQ(x->quant()->method(), fb::CalibrationMethod::Max);  // a graph input keeps max|x| (calibrate/ranges.h)
  EXPECT_EQ(m->output(conv)->dtype(), fb::DType::F32);
  EXPECT_EQ(m->ops(), (std::vector<std::string>{"Quantize", "Conv"}));
}

TEST(QuantizePass, PerTensorWeightsAndGemmAlphaBetaFolded) {
  OnnxBuilder b(13);
  b.input("x", {2, 3}).output("y");
  b.floats("B", {4, 3}, {1, 2, 3, -4, 5, 6, 7, 8, 0.5f, 1, 1, 1}).floats("C", {4}, {1, 2, 3, 4});
  auto& g = b.node("Gemm", {"x", "B", "C"}, {"y"}, "gemm");
  OnnxBuilder::attr(g, "transB", int64_t{1});
  OnnxBuilder::attr(g, "alpha", 2.0f);
  OnnxBuilder::attr(g, "beta", 0.5f);
  ConvertOptions o;
  o.int8.per_tensor_weights = true;
  o.int8.ranges.method = calibrate::Method::kMax;
  auto m = convert_int8(b.save("q_gemm.onnx"), {samples("x", {4, 3}, 2)}, o);
  ASSERT_TRUE(m) << m.status().message();
  const fb::Node* gemm = m->node("gemm");
  ASSERT_TRUE(gemm);
  const auto* opt = gemm->op_as_Gemm();
  EXPECT_EQ(opt->alpha(), 1.f);
  EXPECT_EQ(opt->beta(), 1.f);
  EXPECT_TRUE(opt->trans_b());
  const fb::Tensor* bq = m->input(gemm, 1);
  ASSERT_EQ(bq->quant()->axis(), -1);
  ASSERT_EQ(bq->quant()->scale()->size(), 1u);
  EXPECT_FLOAT_EQ(bq->quant()->scale()->Get(0), 2.f * 8.f / 127.f);  // alpha folded into B
  const fb::Tensor* x = m->input(gemm, 0);
  EXPECT_EQ(x->quant()->method(), fb::CalibrationMethod::Max);
  const float ax = scale_of(x);
  const int32_t* cv = reinterpret_cast<const int32_t*>(m->model->fb().buffers()->Get(m->input(gemm, 2)->buffer())->data()->data());
  for (int n = 0; n < 4; ++n)
    EXPECT_EQ(cv[n], static_cast<int32_t>(std::nearbyint(0.5 * (n + 1) / (static_cast<double>(ax) * (16.f / 127.f)))));
}

// x -> conv1 (Relu) -> maxpool -> conv2 -> Softmax (FP32) -> conv3 -> y, and maxpool -> Tanh -> z.
TEST(QuantizePass, QuantizeAndDequantizeOnlyAtRegionBorders) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 8, 8}).output("y").output("z");
  b.floats("w1", {4, 2, 3, 3}, weights(72, 1, 0.3f)).floats("w2", {4, 4, 1, 1}, weights(16, 2, 0.3f));
  b.floats("w3", {2, 4, 1, 1}, weights(8, 3, 0.3f));
  b.node("Conv", {"x", "w1"}, {"c1"}, "conv1");
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  auto& mp = b.node("MaxPool", {"r1"}, {"p"}, "pool");
  OnnxBuilder::attr(mp, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(mp, "strides", std::vector<int64_t>{2, 2});
  b.node("Conv", {"p", "w2"}, {"c2"}, "conv2");
  OnnxBuilder::attr(b.node("Softmax", {"c2"}, {"s"}, "softmax"), "axis", int64_t{1});
  b.node("Conv", {"s", "w3"}, {"y"}, "conv3");
  b.node("Tanh", {"p"}, {"z"}, "tanh");
  auto m = convert_int8(b.save("q_borders.onnx"), {samples("x", {2, 2, 8, 8}, 3)}, {});
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_EQ(m->count(fb::Op::Quantize), 2);    // x, s
  EXPECT_EQ(m->count(fb::Op::Dequantize), 1);  // p for Tanh
  EXPECT_EQ(m->report.quantize.int8_nodes, 4);  // conv1, pool, conv2, conv3
  EXPECT_EQ(m->report.quantize.fp32_nodes, 2);  // softmax, tanh
  const fb::Node* conv1 = m->node("conv1");
  const fb::Node* pool = m->node("pool");
  const fb::Node* conv2 = m->node("conv2");
  // conv1 has a fused Relu: u8 output, and the pool keeps its tensor's scale and type.
  EXPECT_EQ(m->output(conv1)->dtype(), fb::DType::U8);
  EXPECT_EQ(m->output(pool)->dtype(), fb::DType::U8);
  EXPECT_EQ(m->input(pool, 0)->name()->str(), m->output(conv1)->name()->str());
  EXPECT_EQ(scale_of(m->output(pool)), scale_of(m->output(conv1)));
  EXPECT_FLOAT_EQ(scale_of(m->output(conv1)), m->output(conv1)->quant()->threshold() / 255.f);
  // conv2's only consumer is FP32: it produces F32 directly, without a Dequantize.
  EXPECT_EQ(m->output(conv2)->dtype(), fb::DType::F32);
  EXPECT_EQ(m->output(conv2)->name()->str(), "c2");
  // Graph inputs and outputs stay F32.
  for (const auto* list : {m->graph().inputs(), m->graph().outputs()})
    for (int32_t t : *list) EXPECT_EQ(m->tensor(t)->dtype(), fb::DType::F32) << m->tensor(t)->name()->str();
  // Every node's inputs have the type it runs in: Quantize reads F32, Dequantize reads INT8.
  for (const auto* n : *m->graph().nodes()) {
    const auto in = [&] { return m->input(n, 0)->dtype(); };
    if (n->op_type() == fb::Op::Quantize) {
      EXPECT_EQ(in(), fb::DType::F32);
    }
    if (n->op_type() == fb::Op::Dequantize) {
      EXPECT_NE(in(), fb::DType::F32);
    }
    if (n->op_type() == fb::Op::Unary || n->op_type() == fb::Op::Softmax) {
      EXPECT_EQ(in(), fb::DType::F32);
    }
  }
}

TEST(QuantizePass, Int8GraphOutputIsDequantizedUnderItsOwnName) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 4, 4}).output("y");
  b.floats("w", {2, 2, 1, 1}, {1, 0, 0, 1});
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  b.node("Relu", {"c"}, {"r"}, "relu");
  OnnxBuilder::attr(b.node("Flatten", {"r"}, {"y"}, "flatten"), "axis", int64_t{1});
  auto m = convert_int8(b.save("q_out.onnx"), {samples("x", {3, 2, 4, 4}, 4)}, {});
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_EQ(m->ops(), (std::vector<std::string>{"Quantize", "Conv", "Flatten", "Dequantize"}));
  const fb::Node* flatten = m->node("flatten");
  EXPECT_EQ(m->output(flatten)->name()->str(), "y_int8");
  EXPECT_EQ(m->output(flatten)->dtype(), fb::DType::U8);
  EXPECT_EQ(m->tensor(m->graph().outputs()->Get(0))->name()->str(), "y");
}

TEST(QuantizePass, ConcatInputsShareOneScaleAndType) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 4, 4}).output("y");
  b.floats("wa", {2, 2, 1, 1}, {0.1f, 0.f, 0.f, 0.1f}).floats("wb", {3, 2, 1, 1}, {5, 1, -3, 2, 4, 4});
  b.floats("wc", {1, 5, 1, 1}, {1, 1, 1, 1, 1});
  b.node("Conv", {"x", "wa"}, {"a"}, "conva");
  b.node("Relu", {"a"}, {"ar"}, "relua");
  b.node("Conv", {"x", "wb"}, {"bb"}, "convb");  // signed, larger range
  OnnxBuilder::attr(b.node("Concat", {"ar", "bb"}, {"cat"}, "concat"), "axis", int64_t{1});
  b.node("Conv", {"cat", "wc"}, {"y"}, "convc");
  auto m = convert_int8(b.save("q_concat.onnx"), {samples("x", {2, 2, 4, 4}, 5)}, {});
  ASSERT_TRUE(m) << m.status().message();
  const fb::Node* concat = m->node("concat");
  ASSERT_EQ(concat->op_type(), fb::Op::Concat);
  const fb::Tensor* out = m->output(concat);
  EXPECT_EQ(out->dtype(), fb::DType::S8);  // s8: one input can go negative
  for (uint32_t i = 0; i < 2; ++i) {
    EXPECT_EQ(m->input(concat, i)->dtype(), fb::DType::S8) << i;
    EXPECT_EQ(scale_of(m->input(concat, i)), scale_of(out)) << i;
  }
  // The producers emit the shared scale directly (no requantizing node between them and the Concat).
  EXPECT_EQ(m->output(m->node("conva"))->name()->str(), m->input(concat, 0)->name()->str());
  EXPECT_EQ(m->output(m->node("convb"))->name()->str(), m->input(concat, 1)->name()->str());
  EXPECT_EQ(m->count(fb::Op::Quantize), 1);
  // The shared threshold is the largest of the members' (convb's range dominates).
  EXPECT_GT(out->quant()->threshold(), 1.f);
}

// x -> conv1 (Relu) -> conv2 -> Add(conv2, r1) -> Relu -> conv3 -> y
TEST(QuantizePass, ResidualAddFusesIntoConv) {
  OnnxBuilder b = residual_block_model();
  auto m = convert_int8(b.save("q_residual.onnx"), {samples("x", {2, 4, 4, 4}, 6)}, {});
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_EQ(m->report.quantize.fused_residuals, 1);
  EXPECT_EQ(m->count(fb::Op::Binary), 0);
  EXPECT_EQ(m->ops(), (std::vector<std::string>{"Quantize", "Conv", "Conv", "Conv"}));
  const fb::Node* conv2 = m->node("conv2");
  ASSERT_EQ(conv2->inputs()->size(), 4u);
  const fb::Tensor* r = m->input(conv2, 3);
  EXPECT_EQ(r->name()->str(), m->output(m->node("conv1"))->name()->str());
  EXPECT_EQ(r->dtype(), fb::DType::U8);
  EXPECT_EQ(m->output(conv2)->dtype(), fb::DType::U8);  // the Add's Relu: u8, same type as R
  EXPECT_EQ(m->output(conv2)->name()->str(), "sr");     // the Conv produces the Add's (fused Relu) output
  ASSERT_TRUE(conv2->op_as_Conv()->activation());
  EXPECT_EQ(conv2->op_as_Conv()->activation()->kind(), fb::ActivationKind::Relu);
}

// A ResNet downsample block: the shortcut is a Conv without activation (s8), the block output after
// the Add's Relu is u8 all the same (R keeps its own type and scale).
TEST(QuantizePass, ResidualWithSignedShortcutKeepsAnUnsignedBlockOutput) {
  OnnxBuilder b(13);
  b.input("x", {1, 4, 4, 4}).output("y");
  b.floats("w1", {4, 4, 1, 1}, weights(16, 11, 0.5f)).floats("wd", {4, 4, 1, 1}, weights(16, 12, 0.5f));
  b.floats("w2", {4, 4, 1, 1}, weights(16, 13, 0.5f)).floats("w3", {2, 4, 1, 1}, weights(8, 14, 0.5f));
  b.node("Conv", {"x", "w1"}, {"c1"}, "conv1");
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  b.node("Conv", {"x", "wd"}, {"d"}, "downsample");
  b.node("Conv", {"r1", "w2"}, {"c2"}, "conv2");
  b.node("Add", {"c2", "d"}, {"s"}, "add");
  b.node("Relu", {"s"}, {"sr"}, "relu2");
  b.node("Conv", {"sr", "w3"}, {"y"}, "conv3");
  auto m = convert_int8(b.save("q_residual_signed.onnx"), {samples("x", {2, 4, 4, 4}, 7)}, {});
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_EQ(m->report.quantize.fused_residuals, 1);
  const fb::Node* conv2 = m->node("conv2");
  ASSERT_EQ(conv2->inputs()->size(), 4u);
  const fb::Tensor* r = m->input(conv2, 3);
  EXPECT_EQ(r->name()->str(), "d");
  EXPECT_EQ(r->dtype(), fb::DType::S8);
  EXPECT_EQ(m->output(conv2)->dtype(), fb::DType::U8);
  EXPECT_NE(scale_of(r), scale_of(m->output(conv2)));
}

// --weight-range reduced: |w_q| <= 63 behind a u8 input (Gemm included), even values up to 126
// behind an s8 input, and the full range for a depthwise conv with a u8 input.
TEST(QuantizePass, ReducedRangeWeightGrids) {
  OnnxBuilder b(13);
  b.input("x", {1, 4, 4, 4}).output("y");
  b.floats("w1", {4, 4, 3, 3}, weights(144, 21, 0.3f)).floats("wdw", {4, 1, 3, 3}, weights(36, 22, 0.3f));
  b.floats("w2", {4, 4, 1, 1}, weights(16, 23, 0.3f)).floats("B", {64, 3}, weights(192, 24, 0.3f));
  auto& c1 = b.node("Conv", {"x", "w1"}, {"c1"}, "conv_s8_input");
  OnnxBuilder::attr(c1, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  auto& dw = b.node("Conv", {"r1", "wdw"}, {"c2"}, "depthwise");
  OnnxBuilder::attr(dw, "group", int64_t{4});
  OnnxBuilder::attr(dw, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c2"}, {"r2"}, "relu2");
  b.node("Conv", {"r2", "w2"}, {"c3"}, "conv_u8_input");
  b.node("Relu", {"c3"}, {"r3"}, "relu3");
  OnnxBuilder::attr(b.node("Flatten", {"r3"}, {"f"}, "flatten"), "axis", int64_t{1});
  b.node("Gemm", {"f", "B"}, {"y"}, "gemm");
  ConvertOptions o;
  o.int8.weight_range = WeightRange::kReduced;
  auto m = convert_int8(b.save("q_reduced.onnx"), {samples("x", {2, 4, 4, 4}, 8)}, o);
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_TRUE(m->report.reduced_range);
  struct Want {
    const char* node;
    int qmax;
    bool even;
  };
  for (const Want& want : {Want{"conv_s8_input", 126, true}, Want{"depthwise", 127, false},
                           Want{"conv_u8_input", 63, false}, Want{"gemm", 63, false}}) {
    SCOPED_TRACE(want.node);
    const fb::Node* n = m->node(want.node);
    ASSERT_TRUE(n);
    const fb::Tensor* w = m->input(n, 1);
    ASSERT_EQ(w->dtype(), fb::DType::S8);
    const auto* data = m->model->fb().buffers()->Get(w->buffer())->data();
    const int8_t* v = reinterpret_cast<const int8_t*>(data->data());
    int max_abs = 0;
    bool even = true;
    for (size_t i = 0; i < data->size(); ++i) {
      max_abs = std::max(max_abs, std::abs(static_cast<int>(v[i])));
      even = even && v[i] % 2 == 0;
    }
    EXPECT_EQ(max_abs, want.qmax);  // every channel's extreme lands on the grid's end
    EXPECT_EQ(even, want.even);
  }
  EXPECT_EQ(m->input(m->node("conv_s8_input"), 0)->dtype(), fb::DType::S8);
  EXPECT_EQ(m->input(m->node("conv_u8_input"), 0)->dtype(), fb::DType::U8);
  // A Relu output (unbounded) takes the run's method, the graph input max|x|.
  EXPECT_EQ(m->input(m->node("depthwise"), 0)->quant()->method(), fb::CalibrationMethod::Entropy);
  EXPECT_EQ(m->input(m->node("conv_s8_input"), 0)->quant()->method(), fb::CalibrationMethod::Max);
}

// A bounded activation's output (ReLU6 here) keeps its whole range under entropy: T is the bound
// the network saturates at, not a threshold below it (calibrate/ranges.h).
TEST(QuantizePass, BoundedActivationKeepsItsRange) {
  OnnxBuilder b(13);
  b.input("x", {1, 4, 4, 4}).output("y");
  b.floats("w1", {4, 4, 1, 1}, weights(16, 31, 4.f)).floats("w2", {2, 4, 1, 1}, weights(8, 32, 0.5f));
  b.floats("lo", {}, {0.f}).floats("hi", {}, {6.f});
  b.node("Conv", {"x", "w1"}, {"c1"}, "conv1");
  b.node("Clip", {"c1", "lo", "hi"}, {"r1"}, "relu6");
  b.node("Conv", {"r1", "w2"}, {"y"}, "conv2");
  auto m = convert_int8(b.save("q_relu6.onnx"), {samples("x", {8, 4, 4, 4}, 33)}, {});
  ASSERT_TRUE(m) << m.status().message();
  const fb::Tensor* r1 = m->input(m->node("conv2"), 0);
  EXPECT_EQ(r1->dtype(), fb::DType::U8);
  EXPECT_FLOAT_EQ(r1->quant()->threshold(), 6.f);  // gaussian x times large weights: many saturate
  EXPECT_EQ(r1->quant()->method(), fb::CalibrationMethod::Max);
}

// Reduced range (no VNNI): ConvTranspose, a Gemm whose A can go negative read transposed (transA)
// and an activation x activation MatMul stay FP32 (oneDNN 2.6 has no INT8 kernel for them there that
// is both exact and faster than FP32); a Gemm behind a Relu, and one whose s8 A is row-major (the
// runtime's 1x1 convolution, with even weights), stay INT8. With the full range all run in INT8.
TEST(QuantizePass, ReducedRangeKeepsSlowInt8OpsFp32) {
  OnnxBuilder b(13);
  b.input("x", {1, 4, 4, 4}).output("y").output("z").output("v").output("u");
  b.floats("w1", {4, 4, 1, 1}, weights(16, 41, 0.5f)).floats("wt", {4, 2, 2, 2}, weights(32, 42, 0.5f));
  b.floats("B", {64, 3}, weights(192, 44, 0.3f));
  b.node("Conv", {"x", "w1"}, {"c1"}, "conv1");
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  auto& t = b.node("ConvTranspose", {"r1", "wt"}, {"y"}, "deconv");
  OnnxBuilder::attr(t, "strides", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(b.node("Flatten", {"r1"}, {"f"}, "flatten"), "axis", int64_t{1});
  OnnxBuilder::attr(b.node("Flatten", {"x"}, {"fx"}, "flatten_x"), "axis", int64_t{1});
  b.node("Gemm", {"f", "B"}, {"z"}, "gemm_u8");
  b.node("Gemm", {"fx", "B"}, {"g"}, "gemm_s8");
  OnnxBuilder::attr(b.node("Transpose", {"g"}, {"g_t"}, "transpose"), "perm", std::vector<int64_t>{1, 0});
  b.node("MatMul", {"g", "g_t"}, {"v"}, "matmul_act");
  OnnxBuilder::attr(b.node("Transpose", {"fx"}, {"fx_t"}, "transpose_x"), "perm", std::vector<int64_t>{1, 0});
  OnnxBuilder::attr(b.node("Gemm", {"fx_t", "B"}, {"u"}, "gemm_s8_trans_a"), "transA", int64_t{1});
  for (const WeightRange range : {WeightRange::kReduced, WeightRange::kFull}) {
    ConvertOptions o;
    o.int8.weight_range = range;
    auto m = convert_int8(b.save("q_slow_ops.onnx"), {samples("x", {2, 4, 4, 4}, 43)}, o);
    ASSERT_TRUE(m) << m.status().message();
    const bool reduced = range == WeightRange::kReduced;
    EXPECT_EQ(m->input(m->node("deconv"), 1)->dtype(), reduced ? fb::DType::F32 : fb::DType::S8);
    const fb::Tensor* b_s8 = m->input(m->node("gemm_s8"), 1);
    ASSERT_EQ(b_s8->dtype(), fb::DType::S8);
    bool even = true;
    for (uint8_t v : *m->model->fb().buffers()->Get(b_s8->buffer())->data()) even = even && v % 2 == 0;
    EXPECT_EQ(even, reduced);
    EXPECT_EQ(m->input(m->node("gemm_s8_trans_a"), 1)->dtype(), reduced ? fb::DType::F32 : fb::DType::S8);
    EXPECT_EQ(m->input(m->node("gemm_u8"), 1)->dtype(), fb::DType::S8);
    EXPECT_EQ(m->input(m->node("matmul_act"), 0)->dtype(), reduced ? fb::DType::F32 : fb::DType::S8);
    // The INT8-vs-FP32 check runs where the model can run here, and says why where it cannot.
    if (range == WeightRange::kReduced || conv_int8::cpu_has_vnni()) {
      ASSERT_EQ(m->report.output_check.size(), 4u);
      EXPECT_EQ(m->report.output_check[0].name, "y");
      EXPECT_GT(m->report.output_check[0].sqnr_db, 10.0);
    } else {
      EXPECT_NE(m->report.check_skipped.find("no exact INT8 implementation"), std::string::npos)
          << m->report.check_skipped;
    }
  }
}

// 1D and 3D convolutions stay FP32 (oneDNN's INT8 ones on plain NCW / NCDHW data are reference
// kernels); the 2D one between them runs INT8.
TEST(QuantizePass, OneAndThreeDimensionalConvsStayFp32) {
  OnnxBuilder b(13);
  b.input("x", {1, 4, 6}).input("v", {1, 2, 3, 4, 4}).output("y").output("z").output("u");
  b.floats("w1", {4, 4, 3}, weights(48, 81, 0.5f)).floats("w3", {2, 2, 1, 3, 3}, weights(36, 82, 0.5f));
  b.floats("w2", {4, 4, 1, 1}, weights(16, 83, 0.5f)).ints("axes", {1}, {3});
  b.node("Conv", {"x", "w1"}, {"y"}, "conv1d");
  b.node("Conv", {"v", "w3"}, {"z"}, "conv3d");
  b.node("Unsqueeze", {"x", "axes"}, {"x4"}, "to_2d");
  b.node("Conv", {"x4", "w2"}, {"u"}, "conv2d");
  auto m = convert_int8(b.save("q_rank35.onnx"), {samples("x", {2, 4, 6}, 84), samples("v", {2, 2, 3, 4, 4}, 85)}, {});
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_EQ(m->input(m->node("conv1d"), 1)->dtype(), fb::DType::F32);
  EXPECT_EQ(m->input(m->node("conv3d"), 1)->dtype(), fb::DType::F32);
  EXPECT_EQ(m->input(m->node("conv2d"), 1)->dtype(), fb::DType::S8);
}

// A Mul of two INT8 factors (a squeeze-and-excitation gate: conv + HardSigmoid over the pooled
// features) runs in INT8; a Mul with an FP32 factor (a standalone Tanh) stays FP32.
TEST(QuantizePass, MulRunsInInt8WhenBothFactorsDo) {
  OnnxBuilder b(13);
  b.input("x", {1, 4, 6, 6}).output("y").output("z");
  b.floats("w1", {8, 4, 1, 1}, weights(32, 61, 0.5f)).floats("w2", {8, 8, 1, 1}, weights(64, 62, 0.5f));
  b.floats("w3", {4, 8, 1, 1}, weights(32, 63, 0.5f));
  b.node("Conv", {"x", "w1"}, {"c1"}, "conv1");
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  b.node("GlobalAveragePool", {"r1"}, {"pooled"}, "pool");
  b.node("Conv", {"pooled", "w2"}, {"c2"}, "conv_gate");
  auto& hs = b.node("HardSigmoid", {"c2"}, {"gate"}, "hard_sigmoid");
  OnnxBuilder::attr(hs, "alpha", 0.2f);
  b.node("Mul", {"r1", "gate"}, {"m"}, "se_mul");
  b.node("Conv", {"m", "w3"}, {"y"}, "conv3");
  b.node("Conv", {"x", "w1"}, {"c4"}, "conv_tanh");
  b.node("Tanh", {"c4"}, {"s"}, "tanh");
  b.node("Mul", {"c4", "s"}, {"z"}, "fp32_mul");
  auto m = convert_int8(b.save("q_mul.onnx"), {samples("x", {8, 4, 6, 6}, 64)}, {});
  ASSERT_TRUE(m) << m.status().message();
  const fb::Node* se = m->node("se_mul");
  ASSERT_NE(se, nullptr);
  EXPECT_EQ(m->input(se, 0)->dtype(), fb::DType::U8);
  EXPECT_EQ(m->input(se, 1)->dtype(), fb::DType::U8);
  EXPECT_EQ(m->output(se)->dtype(), fb::DType::U8);
  EXPECT_EQ(m->input(m->node("fp32_mul"), 1)->dtype(), fb::DType::F32);
  EXPECT_EQ(m->output(m->node("fp32_mul"))->dtype(), fb::DType::F32);
  ASSERT_EQ(m->report.output_check.size(), 2u);
  for (const auto& o : m->report.output_check) EXPECT_GT(o.sqnr_db, 20.0) << o.name;
}

// Adds whose output no INT8 node reads (here a chain of two, the last a graph output) run in FP32:
// oneDNN has no fast INT8 binary with an F32 output. The Convs then produce F32 directly.
TEST(QuantizePass, AddWithoutInt8ReaderRunsInFp32) {
  OnnxBuilder b(13);
  b.input("x", {1, 4, 6, 6}).output("y");
  b.floats("w1", {8, 4, 1, 1}, weights(32, 71, 0.5f)).floats("w2", {8, 4, 1, 1}, weights(32, 72, 0.5f));
  b.node("Conv", {"x", "w1"}, {"c1"}, "conv1");
  b.node("Conv", {"x", "w2"}, {"c2"}, "conv2");
  b.node("Add", {"c1", "c2"}, {"a"}, "add1");
  b.node("Add", {"a", "c1"}, {"y"}, "add2");
  auto m = convert_int8(b.save("q_add_f32.onnx"), {samples("x", {8, 4, 6, 6}, 73)}, {});
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_EQ(m->ops(), (std::vector<std::string>{"Quantize", "Conv", "Conv", "Binary", "Binary"}));
  for (const char* add : {"add1", "add2"}) {
    const fb::Node* n = m->node(add);
    ASSERT_NE(n, nullptr) << add;
    EXPECT_EQ(m->input(n, 0)->dtype(), fb::DType::F32) << add;
    EXPECT_EQ(m->input(n, 1)->dtype(), fb::DType::F32) << add;
    EXPECT_EQ(m->output(n)->dtype(), fb::DType::F32) << add;
  }
  ASSERT_EQ(m->report.output_check.size(), 1u);
  EXPECT_GT(m->report.output_check[0].sqnr_db, 30.0);
}

// A bias that int32 could not hold at the input's scale (bias_q = b / (alpha_x * alpha_w), here
// ~4e12 with inputs of 1e-9) raises the weight scales instead of saturating: the output, which is
// then the bias, stays right (a saturated bias gave 1e-7 for 0.03 in an untrained GoogLeNet).
TEST(QuantizePass, BiasIsNeverSaturated) {
  OnnxBuilder b(13);
  b.input("x", {1, 4, 4, 4}).output("y");
  b.floats("w", {4, 4, 1, 1}, weights(16, 71, 0.5f)).floats("bias", {4}, {1.f, -2.f, 0.5f, 3.f});
  b.node("Conv", {"x", "w", "bias"}, {"y"}, "conv");
  const std::string onnx = b.save("q_bias_overflow.onnx");
  for (const float input_scale : {1e-9f, 1.f}) {
    calibrate::CalibrationInput data = samples("x", {8, 4, 4, 4}, 72);
    for (float& v : data.values) v *= input_scale;
    auto m = convert_int8(onnx, {data}, {});
    ASSERT_TRUE(m) << m.status().message();
    EXPECT_EQ(m->input(m->node("conv"), 0)->dtype(), fb::DType::S8);
    const fb::Tensor* bias = m->input(m->node("conv"), 2);
    const auto* bq = reinterpret_cast<const int32_t*>(m->model->fb().buffers()->Get(bias->buffer())->data()->data());
    // bias_floor aims at 2^30, float rounding aside; quantize_bias saturates at +-2147483520.
    for (int c = 0; c < 4; ++c) EXPECT_LT(std::abs(bq[c]), (1 << 30) + (1 << 20)) << "channel " << c;
    ASSERT_EQ(m->report.output_check.size(), 1u);
    EXPECT_GT(m->report.output_check[0].sqnr_db, 30.0);
  }
}

TEST(QuantizePass, Fp32NodesStayFp32) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 4, 4}).output("y");
  b.floats("w1", {3, 2, 1, 1}, weights(6, 1, 1.f)).floats("w2", {3, 3, 1, 1}, weights(9, 2, 1.f));
  b.floats("w3", {2, 3, 1, 1}, weights(6, 3, 1.f));
  b.node("Conv", {"x", "w1"}, {"c1"}, "conv1");
  b.node("Conv", {"c1", "w2"}, {"c2"}, "conv2");
  b.node("Conv", {"c2", "w3"}, {"y"}, "conv3");
  ConvertOptions o;
  o.int8.fp32_nodes = {"conv2"};
  const std::string onnx = b.save("q_fp32nodes.onnx");
  auto m = convert_int8(onnx, {samples("x", {2, 2, 4, 4}, 8)}, o);
  ASSERT_TRUE(m) << m.status().message();
  const fb::Node* conv2 = m->node("conv2");
  EXPECT_EQ(m->input(conv2, 0)->dtype(), fb::DType::F32);
  EXPECT_EQ(m->input(conv2, 1)->dtype(), fb::DType::F32);  // FP32 weights kept
  EXPECT_EQ(m->input(conv2, 0)->name()->str(), "c1");      // conv1 produces F32 directly
  EXPECT_EQ(m->input(m->node("conv3"), 1)->dtype(), fb::DType::S8);
  EXPECT_EQ(m->ops(), (std::vector<std::string>{"Quantize", "Conv", "Conv", "Quantize", "Conv"}));
  EXPECT_EQ(m->report.quantize.fp32_node_names, std::vector<std::string>{"conv2"});

  o.int8.fp32_nodes = {"nope"};
  auto bad = convert_int8(onnx, {samples("x", {2, 2, 4, 4}, 8)}, o);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(bad.status().message(), "--fp32-nodes: no node named 'nope'")) << bad.status().message();
}

TEST(QuantizePass, FP32PathUnchangedWithoutInt8) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 4, 4}).output("y");
  b.floats("w", {2, 2, 1, 1}, {1, 0, 0, 1});
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  auto r = convert_onnx_file(b.save("q_fp32.onnx"), {});
  ASSERT_TRUE(r) << r.status().message();
  auto m = Model::from_bytes(r.value());
  ASSERT_TRUE(m);
  for (const auto* t : *m.value()->fb().graph()->tensors()) {
    EXPECT_EQ(t->dtype(), fb::DType::F32);
    EXPECT_EQ(t->quant(), nullptr);
  }
}

}  // namespace
}  // namespace saturn::converter::testing
