// Graph passes: constant folding, BatchNorm folding, activation fusion, HardSwish, GELU and LayerNorm
// patterns, dead node removal, Pad folding, channel shuffles.
#include "converter/passes/passes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "converter/lowering/lowering.h"
#include "converter/onnx_import.h"
#include "tests/converter/onnx_builder.h"

namespace saturn::converter {
namespace {

using testing::OnnxBuilder;

ir::Graph import(OnnxBuilder& b, const ConvertOptions& o = {}) {
  auto r = import_onnx_model(b.model(), o, "'test.onnx'");
  EXPECT_TRUE(r) << r.status().message();
  return r ? std::move(r.value()) : ir::Graph{};
}

std::vector<std::string> op_types(const ir::Graph& g) {
  std::vector<std::string> v;
  for (const auto& n : g.nodes) v.push_back(n.op_type);
  return v;
}

using Ops = std::vector<std::string>;

TEST(ConstantFolding, ShapeGatherUnsqueezeConcatReshapeChain) {
  OnnxBuilder b(13);
  b.input("x", {-1, 3, 4, 4}).output("y", {-1, -1});
  b.ints("zero", {}, {0}).ints("axes0", {1}, {0}).ints("minus1", {1}, {-1});
  b.node("Shape", {"x"}, {"s"});
  b.node("Gather", {"s", "zero"}, {"n"});
  b.node("Unsqueeze", {"n", "axes0"}, {"n1"});
  OnnxBuilder::attr(b.node("Concat", {"n1", "minus1"}, {"target"}), "axis", int64_t{0});
  b.node("Reshape", {"x", "target"}, {"y"}, "reshape");
  ConvertOptions o;
  o.input_shapes["x"] = {2, 3, 4, 4};
  ir::Graph g = import(b, o);
  ASSERT_TRUE(fold_constants(g));
  ASSERT_EQ(op_types(g), Ops{"Reshape"});
  const ir::Tensor* target = g.constant(g.nodes[0].input(1));
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->as_int64s(), (std::vector<int64_t>{2, -1}));
  EXPECT_EQ(g.find("y")->dims, (std::vector<int64_t>{2, 48}));
}

TEST(ConstantFolding, WeightPreprocessingAndCastSliceChain) {
  OnnxBuilder b(13);
  b.input("x", {1, 4}).output("y");
  b.floats("w", {4, 1}, {1, 2, 3, 4}).floats("two", {}, {2});
  b.ints("st", {1}, {1}).ints("en", {1}, {INT64_MAX}).ints("ax", {1}, {0});
  b.node("Transpose", {"w"}, {"wt"});                 // [1, 4]
  b.node("Mul", {"wt", "two"}, {"w2"});                // 2, 4, 6, 8
  b.node("Shape", {"w2"}, {"ws"});
  b.node("Slice", {"ws", "st", "en", "ax"}, {"last"});  // [4]
  auto& cast = b.node("Cast", {"last"}, {"lastf"});
  OnnxBuilder::attr(cast, "to", int64_t{1});
  b.node("Div", {"w2", "lastf"}, {"w3"});              // 0.5, 1, 1.5, 2
  b.node("Add", {"x", "w3"}, {"y"}, "add");
  ir::Graph g = import(b);
  ASSERT_TRUE(fold_constants(g));
  ASSERT_EQ(op_types(g), Ops{"Add"});
  const ir::Tensor* w = g.constant(g.nodes[0].input(1));
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype, ir::ElemType::kFloat);
  EXPECT_EQ(w->dims, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(w->as_doubles(), (std::vector<double>{0.5, 1, 1.5, 2}));
}

// Swin's shifted-window mask, as exported: a zero mask whose regions ScatterND numbers, padding
// arithmetic in Mod (Python's sign for integers), and Equal / Not / Where / Cast on the result.
TEST(ConstantFolding, ScatterNdModNotChain) {
  OnnxBuilder b(13);
  b.input("x", {1, 4}).output("y", {1, 4});
  b.ints("zeros", {2, 2}, {0, 0, 0, 0}).ints("idx", {2, 2}, {0, 1, 1, -2}).ints("upd", {2}, {7, 9});
  b.ints("a", {2}, {-7, 7}).ints("m", {2}, {3, -3}).ints("base", {2}, {3, 6}).ints("zero", {}, {0});
  b.floats("one", {}, {1.f}).floats("off", {}, {-100.f});
  b.node("ScatterND", {"zeros", "idx", "upd"}, {"mask"});  // [[0, 7], [9, 0]]
  b.node("Mod", {"a", "m"}, {"r"});                        // [2, -2]: the divisor's sign
  OnnxBuilder::attr(b.node("Mod", {"a", "m"}, {"rc"}), "fmod", int64_t{1});  // [-1, 1]: the dividend's
  b.node("Mul", {"r", "rc"}, {"rr"});
  b.node("Add", {"rr", "base"}, {"target"});               // [1, 4] only with both signs right
  b.node("Reshape", {"mask", "target"}, {"flat"});
  b.node("Equal", {"flat", "zero"}, {"is0"});
  b.node("Not", {"is0"}, {"set"});
  b.node("Where", {"set", "off", "one"}, {"w"});           // [1, -100, -100, 1]
  b.node("Add", {"x", "w"}, {"y"}, "add");
  ir::Graph g = import(b);
  ASSERT_TRUE(fold_constants(g));
  ASSERT_EQ(op_types(g), Ops{"Add"});
  const ir::Tensor* w = g.constant(g.nodes[0].input(1));
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dims, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(w->as_doubles(), (std::vector<double>{1, -100, -100, 1}));
}

// Conv(1x1, 2->2) + BatchNormalization; returns the model.
OnnxBuilder conv_bn(bool standalone) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 1, 1}).output("y");
  b.floats("w", {2, 2, 1, 1}, {0.5f, -1.0f, 2.0f, 0.25f}).floats("b", {2}, {0.1f, -0.2f});
  b.floats("scale", {2}, {1.5f, 0.5f}).floats("beta", {2}, {0.3f, -0.4f});
  b.floats("mean", {2}, {0.2f, -0.1f}).floats("var", {2}, {4.0f, 0.25f});
  b.node("Conv", {"x", "w", "b"}, {"c"}, "conv");
  if (standalone) b.node("Relu", {"c"}, {"r"}, "relu");
  auto& bn = b.node("BatchNormalization", {standalone ? "r" : "c", "scale", "beta", "mean", "var"}, {"y"}, "bn");
  OnnxBuilder::attr(bn, "epsilon", 0.01f);
  return b;
}

TEST(BatchNormFolding, FoldsIntoConvNumerically) {
  OnnxBuilder b = conv_bn(false);
  ir::Graph g = import(b);
  ASSERT_TRUE(fold_batchnorm(g));
  ASSERT_EQ(op_types(g), Ops{"Conv"});
  EXPECT_EQ(g.nodes[0].outputs[0], "y");
  auto w = g.constant(g.nodes[0].input(1))->as_doubles();
  auto bias = g.constant(g.nodes[0].input(2))->as_doubles();
  const double x[2] = {0.7, -1.3};
  const double W[4] = {0.5, -1.0, 2.0, 0.25}, B[2] = {0.1, -0.2}, s[2] = {1.5, 0.5}, be[2] = {0.3, -0.4},
               mu[2] = {0.2, -0.1}, var[2] = {4.0, 0.25};
  for (int m = 0; m < 2; ++m) {
    const double conv = W[2 * m] * x[0] + W[2 * m + 1] * x[1] + B[m];
    const double want = (conv - mu[m]) / std::sqrt(var[m] + 0.01) * s[m] + be[m];
    const double got = w[2 * m] * x[0] + w[2 * m + 1] * x[1] + bias[m];
    EXPECT_NEAR(got, want, 1e-6) << "channel " << m;
  }
}

// A BatchNormalization that cannot fold into a Conv: on a rank-4 tensor a depthwise 1x1 Conv
// (W = s, B = shift), on another rank Mul then Add.
TEST(BatchNormFolding, StandaloneBecomesDepthwiseConvOrMulAdd) {
  const double sv[2] = {1.5 / std::sqrt(4.01), 0.5 / std::sqrt(0.26)};
  const double hv[2] = {0.3 - 0.2 * sv[0], -0.4 + 0.1 * sv[1]};
  const auto expect_params = [&](const ir::Tensor* s, const ir::Tensor* h) {
    ASSERT_TRUE(s && h);
    for (int c = 0; c < 2; ++c) {
      EXPECT_NEAR(s->as_doubles()[c], sv[c], 1e-6);
      EXPECT_NEAR(h->as_doubles()[c], hv[c], 1e-6);
    }
  };
  OnnxBuilder b = conv_bn(true);
  ir::Graph g = import(b);
  ASSERT_TRUE(fold_batchnorm(g));
  ASSERT_EQ(op_types(g), (Ops{"Conv", "Relu", "Conv"}));
  const ir::Node& dw = g.nodes[2];
  EXPECT_EQ(dw.attr_int("group", 1), 2);
  EXPECT_EQ(g.constant(dw.input(1))->dims, (std::vector<int64_t>{2, 1, 1, 1}));
  EXPECT_EQ(g.constant(dw.input(2))->dims, (std::vector<int64_t>{2}));
  expect_params(g.constant(dw.input(1)), g.constant(dw.input(2)));
  EXPECT_EQ(dw.outputs[0], "y");

  OnnxBuilder b3(13);
  b3.input("x", {1, 2, 3}).output("y");
  b3.floats("scale", {2}, {1.5f, 0.5f}).floats("beta", {2}, {0.3f, -0.4f});
  b3.floats("mean", {2}, {0.2f, -0.1f}).floats("var", {2}, {4.0f, 0.25f});
  OnnxBuilder::attr(b3.node("BatchNormalization", {"x", "scale", "beta", "mean", "var"}, {"y"}, "bn"), "epsilon", 0.01f);
  ir::Graph g3 = import(b3);
  ASSERT_TRUE(fold_batchnorm(g3));
  ASSERT_EQ(op_types(g3), (Ops{"Mul", "Add"}));
  EXPECT_EQ(g3.constant(g3.nodes[0].input(1))->dims, (std::vector<int64_t>{1, 2, 1}));
  expect_params(g3.constant(g3.nodes[0].input(1)), g3.constant(g3.nodes[1].input(1)));
  EXPECT_EQ(g3.nodes[1].outputs[0], "y");
}

struct ActCase {
  std::string op;
  int64_t opset;
  ir::ActivationKind kind;
  float alpha, beta;
};

class ActivationFusion : public ::testing::TestWithParam<ActCase> {};

TEST_P(ActivationFusion, FusesIntoConv) {
  const ActCase& p = GetParam();
  OnnxBuilder b(p.opset);
  b.input("x", {1, 1, 3, 3}).output("y");
  b.floats("w", {1, 1, 1, 1}, {2.0f});
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  std::vector<std::string> ins{"c"};
  if (p.op == "Clip" && p.opset >= 11) {
    b.floats("lo", {}, {0.0f}).floats("hi", {}, {6.0f});
    ins = {"c", "lo", "hi"};
  }
  auto& act = b.node(p.op, ins, {"y"}, "act");
  if (p.op == "Clip" && p.opset < 11) {
    OnnxBuilder::attr(act, "min", -1.0f);
    OnnxBuilder::attr(act, "max", 1.0f);
  }
  if (p.op == "LeakyRelu") OnnxBuilder::attr(act, "alpha", 0.3f);
  ir::Graph g = import(b);
  ASSERT_TRUE(fuse_activations(g));
  ASSERT_EQ(op_types(g), Ops{"Conv"});
  EXPECT_EQ(g.nodes[0].outputs[0], "y");
  EXPECT_EQ(g.nodes[0].fused.kind, p.kind);
  EXPECT_FLOAT_EQ(g.nodes[0].fused.alpha, p.alpha);
  EXPECT_FLOAT_EQ(g.nodes[0].fused.beta, p.beta);
}

INSTANTIATE_TEST_SUITE_P(
    Ops, ActivationFusion,
    ::testing::Values(ActCase{"Relu", 13, ir::ActivationKind::kRelu, 0, 0},
                      ActCase{"Clip", 13, ir::ActivationKind::kClip, 0, 6},
                      ActCase{"Clip", 9, ir::ActivationKind::kClip, -1, 1},
                      ActCase{"HardSigmoid", 13, ir::ActivationKind::kHardSigmoid, 0.2f, 0.5f},
                      ActCase{"HardSwish", 14, ir::ActivationKind::kHardSwish, 0, 0},
                      ActCase{"LeakyRelu", 13, ir::ActivationKind::kLeakyRelu, 0.3f, 0},
                      ActCase{"Sigmoid", 13, ir::ActivationKind::kSigmoid, 0, 0},
                      ActCase{"Tanh", 13, ir::ActivationKind::kTanh, 0, 0}),
    [](const auto& info) { return info.param.op + std::to_string(info.param.opset); });

TEST(ActivationFusionTargets, MatMulGemmAddAndConvTranspose) {
  OnnxBuilder b(13);
  b.input("x", {2, 4}).input("img", {1, 1, 2, 2}).output("y").output("z").output("t");
  b.floats("w", {4, 4}, std::vector<float>(16, 0.5f)).floats("bias", {4}, {1, 2, 3, 4});
  b.floats("wt", {1, 1, 2, 2}, {1, 1, 1, 1});
  b.node("MatMul", {"x", "w"}, {"m"}, "matmul");
  b.node("Relu", {"m"}, {"mr"});
  b.node("Gemm", {"mr", "w", "bias"}, {"gm"}, "gemm");
  b.node("Tanh", {"gm"}, {"gt"});
  b.node("Add", {"gt", "bias"}, {"a"}, "add");
  b.node("Sigmoid", {"a"}, {"y"});
  b.node("ConvTranspose", {"img", "wt"}, {"ct"}, "convt");
  b.node("Relu", {"ct"}, {"z"});
  b.node("Identity", {"img"}, {"t"});
  ir::Graph g = import(b);
  ASSERT_TRUE(fuse_activations(g));
  ASSERT_EQ(op_types(g), (Ops{"MatMul", "Gemm", "Add", "ConvTranspose", "Identity"}));
  EXPECT_EQ(g.nodes[0].fused.kind, ir::ActivationKind::kRelu);
  EXPECT_EQ(g.nodes[1].fused.kind, ir::ActivationKind::kTanh);
  EXPECT_EQ(g.nodes[2].fused.kind, ir::ActivationKind::kSigmoid);
  EXPECT_EQ(g.nodes[2].outputs[0], "y");
  EXPECT_EQ(g.nodes[3].fused.kind, ir::ActivationKind::kRelu);
}

// SiLU as exported, Mul(x, Sigmoid(x)) in either order, becomes the producer's Swish; a Sigmoid
// whose input has another consumer stays (its Mul too).
TEST(ActivationFusionTargets, SwishFromMulOfSigmoid) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 3, 3}).output("y").output("z").output("u");
  b.floats("w", {2, 2, 1, 1}, {1, 0, 0, 1});
  b.node("Conv", {"x", "w"}, {"c1"}, "conv1");
  b.node("Sigmoid", {"c1"}, {"s1"});
  b.node("Mul", {"c1", "s1"}, {"y"});
  b.node("Conv", {"x", "w"}, {"c2"}, "conv2");
  b.node("Sigmoid", {"c2"}, {"s2"});
  b.node("Mul", {"s2", "c2"}, {"z"});
  b.node("Conv", {"x", "w"}, {"c3"}, "conv3");
  b.node("Sigmoid", {"c3"}, {"s3"});
  b.node("Mul", {"c3", "s3"}, {"m3"});
  b.node("Add", {"m3", "c3"}, {"u"}, "add");
  ir::Graph g = import(b);
  ASSERT_TRUE(fuse_activations(g));
  ASSERT_EQ(op_types(g), (Ops{"Conv", "Conv", "Conv", "Sigmoid", "Mul", "Add"}));
  EXPECT_EQ(g.nodes[0].fused.kind, ir::ActivationKind::kSwish);
  EXPECT_EQ(g.nodes[0].outputs[0], "y");
  EXPECT_EQ(g.nodes[1].fused.kind, ir::ActivationKind::kSwish);
  EXPECT_EQ(g.nodes[1].outputs[0], "z");
  EXPECT_EQ(g.nodes[2].fused.kind, ir::ActivationKind::kNone);
}

// A Conv's Swish on at least 4096 output elements becomes an Activation node of its own after the
// Conv; a smaller one (a squeeze-and-excitation conv's) and other activations stay fused.
TEST(SplitTableActivations, SwishOfLargeConvsOnly) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 64, 64}).input("s", {1, 2, 3, 3}).output("y").output("z").output("r");
  b.floats("w", {2, 2, 1, 1}, {1, 0, 0, 1});
  b.node("Conv", {"x", "w"}, {"c1"}, "big");
  b.node("Sigmoid", {"c1"}, {"s1"});
  b.node("Mul", {"c1", "s1"}, {"y"});
  b.node("Conv", {"s", "w"}, {"c2"}, "small");
  b.node("Sigmoid", {"c2"}, {"s2"});
  b.node("Mul", {"c2", "s2"}, {"z"});
  b.node("Conv", {"x", "w"}, {"c3"}, "relu");
  b.node("Relu", {"c3"}, {"r"});
  ir::Graph g = import(b);
  ASSERT_TRUE(fuse_activations(g));
  EXPECT_EQ(split_table_activations(g), 1);
  ASSERT_EQ(op_types(g), (Ops{"Conv", "Activation", "Conv", "Conv"}));
  const ir::Node &conv = g.nodes[0], &act = g.nodes[1];
  EXPECT_EQ(conv.fused.kind, ir::ActivationKind::kNone);
  EXPECT_EQ(act.domain, kInternalDomain);
  EXPECT_EQ(act.fused.kind, ir::ActivationKind::kSwish);
  EXPECT_EQ(act.inputs, std::vector<std::string>{conv.outputs[0]});
  EXPECT_EQ(act.outputs, std::vector<std::string>{"y"});
  ASSERT_NE(g.find(conv.outputs[0]), nullptr);
  EXPECT_EQ(g.find(conv.outputs[0])->dims, (std::vector<int64_t>{1, 2, 64, 64}));
  EXPECT_EQ(g.nodes[2].fused.kind, ir::ActivationKind::kSwish);
  EXPECT_EQ(g.nodes[3].fused.kind, ir::ActivationKind::kRelu);
}

// Relu then Clip(0, 6) (an exporter's ReLU6) becomes one Clip(0, 6); Clip(-1, 1) then Relu becomes
// Clip(0, 1); Relu then Tanh does not compose (the Tanh stays a node).
TEST(ActivationFusionTargets, ClampsCompose) {
  OnnxBuilder b(13);
  b.input("x", {1, 1, 2, 2}).output("y").output("z").output("t");
  b.floats("w", {1, 1, 1, 1}, {2.0f}).floats("lo", {}, {0.0f}).floats("hi", {}, {6.0f});
  b.floats("m1", {}, {-1.0f}).floats("p1", {}, {1.0f});
  b.node("Conv", {"x", "w"}, {"c1"}, "conv1");
  b.node("Relu", {"c1"}, {"r1"});
  b.node("Clip", {"r1", "lo", "hi"}, {"y"});
  b.node("Conv", {"x", "w"}, {"c2"}, "conv2");
  b.node("Clip", {"c2", "m1", "p1"}, {"k2"});
  b.node("Relu", {"k2"}, {"z"});
  b.node("Conv", {"x", "w"}, {"c3"}, "conv3");
  b.node("Relu", {"c3"}, {"r3"});
  b.node("Tanh", {"r3"}, {"t"});
  ir::Graph g = import(b);
  ASSERT_TRUE(fuse_activations(g));
  ASSERT_EQ(op_types(g), (Ops{"Conv", "Conv", "Conv", "Tanh"}));
  EXPECT_EQ(g.nodes[0].outputs[0], "y");
  EXPECT_EQ(g.nodes[0].fused.kind, ir::ActivationKind::kClip);
  EXPECT_FLOAT_EQ(g.nodes[0].fused.alpha, 0.f);
  EXPECT_FLOAT_EQ(g.nodes[0].fused.beta, 6.f);
  EXPECT_EQ(g.nodes[1].outputs[0], "z");
  EXPECT_EQ(g.nodes[1].fused.kind, ir::ActivationKind::kClip);
  EXPECT_FLOAT_EQ(g.nodes[1].fused.alpha, 0.f);
  EXPECT_FLOAT_EQ(g.nodes[1].fused.beta, 1.f);
  EXPECT_EQ(g.nodes[2].fused.kind, ir::ActivationKind::kRelu);
  EXPECT_EQ(g.nodes[3].input(0), "r3");
}

TEST(ActivationFusionTargets, NotFusedWhenOutputHasTwoConsumers) {
  OnnxBuilder b(13);
  b.input("x", {1, 1, 2, 2}).output("y").output("c");
  b.floats("w", {1, 1, 1, 1}, {2.0f});
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  b.node("Relu", {"c"}, {"y"});
  ir::Graph g = import(b);
  ASSERT_TRUE(fuse_activations(g));
  EXPECT_EQ(op_types(g), (Ops{"Conv", "Relu"}));
  EXPECT_EQ(g.nodes[0].fused.kind, ir::ActivationKind::kNone);
}

// x -> Add 3 -> Clip 0..6 -> Mul x -> (Div 6 | Mul 1/6), after a Conv or standalone.
OnnxBuilder hardswish_model(bool mul_form, bool after_conv, int64_t opset) {
  OnnxBuilder b(opset);
  b.input("in", {1, 2, 2, 2}).output("y");
  b.floats("three", {}, {3.0f}).floats("six", {}, {6.0f}).floats("sixth", {}, {1.0f / 6.0f});
  b.floats("zero", {}, {0.0f});
  b.floats("w", {2, 2, 1, 1}, {1, 0, 0, 1});
  std::string x = "in";
  if (after_conv) {
    b.node("Conv", {"in", "w"}, {"x"}, "conv");
    x = "x";
  }
  b.node("Add", {"three", x}, {"a"}, "add3");
  if (opset >= 11) {
    b.node("Clip", {"a", "zero", "six"}, {"c"}, "clip");
  } else {
    auto& clip = b.node("Clip", {"a"}, {"c"}, "clip");
    OnnxBuilder::attr(clip, "min", 0.0f);
    OnnxBuilder::attr(clip, "max", 6.0f);
  }
  b.node("Mul", {x, "c"}, {"m"}, "mulx");
  if (mul_form) b.node("Mul", {"sixth", "m"}, {"y"}, "scale");
  else b.node("Div", {"m", "six"}, {"y"}, "scale");
  return b;
}

TEST(HardSwishPattern, AddClipMulDivFusedIntoConv) {
  OnnxBuilder b = hardswish_model(false, true, 11);
  ir::Graph g = import(b);
  ASSERT_TRUE(fuse_activations(g));
  ASSERT_EQ(op_types(g), Ops{"Conv"});
  EXPECT_EQ(g.nodes[0].fused.kind, ir::ActivationKind::kHardSwish);
  EXPECT_EQ(g.nodes[0].outputs[0], "y");
}

TEST(HardSwishPattern, MulBySixthStandaloneWithClipAttributes) {
  OnnxBuilder b = hardswish_model(true, false, 9);
  ir::Graph g = import(b);
  ASSERT_TRUE(fuse_activations(g));
  ASSERT_EQ(op_types(g), Ops{"HardSwish"});
  EXPECT_EQ(g.nodes[0].inputs, std::vector<std::string>{"in"});
  EXPECT_EQ(g.nodes[0].outputs[0], "y");
  EXPECT_EQ(g.nodes[0].opset, 14);
}

TEST(HardSwishPattern, HardSigmoidTimesX) {
  OnnxBuilder b(13);
  b.input("x", {1, 4}).input("other", {1, 4}).output("y").output("z");
  auto& hs = b.node("HardSigmoid", {"x"}, {"h"}, "hsig");
  OnnxBuilder::attr(hs, "alpha", 0.16666670143604279f);
  OnnxBuilder::attr(hs, "beta", 0.5f);
  b.node("Mul", {"h", "x"}, {"y"}, "mul");
  // Squeeze-excitation style: HardSigmoid(x) * other is not a HardSwish.
  auto& se = b.node("HardSigmoid", {"x"}, {"h2"}, "hsig2");
  OnnxBuilder::attr(se, "alpha", 0.16666670143604279f);
  OnnxBuilder::attr(se, "beta", 0.5f);
  b.node("Mul", {"other", "h2"}, {"z"}, "se_mul");
  ir::Graph g = import(b);
  ASSERT_TRUE(fuse_activations(g));
  EXPECT_EQ(op_types(g), (Ops{"HardSwish", "HardSigmoid", "Mul"}));
}

TEST(HardSwishPattern, WrongConstantIsNotMatched) {
  OnnxBuilder b = hardswish_model(false, false, 11);
  b.model().mutable_graph()->mutable_initializer(1)->set_float_data(0, 5.0f);  // "six" -> 5
  ir::Graph g = import(b);
  ASSERT_TRUE(fuse_activations(g));
  EXPECT_EQ(op_types(g), (Ops{"Add", "Mul", "Div"}));  // Clip fused into the Add only
  EXPECT_EQ(g.nodes[0].fused.kind, ir::ActivationKind::kClip);
}

// GELU as exported, x * (Erf(x / sqrt(2)) + 1) * 0.5, in its three groupings of the products
// (torch's first), after a MatMul or standalone; `half` is the last factor (0.5 for a GELU).
enum class GeluForm { kTorch, kHalfFirst, kHalfLast };
OnnxBuilder gelu_model(GeluForm form, bool after_matmul, float half = 0.5f) {
  OnnxBuilder b(13);
  b.input("in", {2, 4}).output("y");
  b.floats("w", {4, 4}, std::vector<float>(16, 0.5f)).floats("half", {}, {half}).floats("one", {}, {1.f});
  b.floats("sqrt2", {}, {1.41421354f}).floats("inv_sqrt2", {}, {0.707106769f});
  std::string x = "in";
  if (after_matmul) {
    b.node("MatMul", {"in", "w"}, {"x"}, "matmul");
    x = "x";
  }
  if (form == GeluForm::kTorch) b.node("Div", {x, "sqrt2"}, {"s"}, "div");
  else b.node("Mul", {"inv_sqrt2", x}, {"s"}, "scale");
  b.node("Erf", {"s"}, {"e"}, "erf");
  b.node("Add", {"one", "e"}, {"a"}, "add1");
  switch (form) {
    case GeluForm::kTorch:
      b.node("Mul", {x, "a"}, {"xa"}, "mul_x");
      b.node("Mul", {"xa", "half"}, {"y"}, "mul_half");
      break;
    case GeluForm::kHalfFirst:
      b.node("Mul", {"half", x}, {"h"}, "mul_half");
      b.node("Mul", {"a", "h"}, {"y"}, "mul_x");
      break;
    case GeluForm::kHalfLast:
      b.node("Mul", {"a", "half"}, {"ah"}, "mul_half");
      b.node("Mul", {x, "ah"}, {"y"}, "mul_x");
      break;
  }
  return b;
}

TEST(GeluPattern, TorchFormFusedIntoMatMul) {
  OnnxBuilder b = gelu_model(GeluForm::kTorch, true);
  ir::Graph g = import(b);
  ASSERT_TRUE(fuse_activations(g));
  ASSERT_EQ(op_types(g), Ops{"MatMul"});
  EXPECT_EQ(g.nodes[0].fused.kind, ir::ActivationKind::kGelu);
  EXPECT_EQ(g.nodes[0].outputs[0], "y");
}

TEST(GeluPattern, OtherGroupingsStandalone) {
  for (GeluForm form : {GeluForm::kHalfFirst, GeluForm::kHalfLast}) {
    OnnxBuilder b = gelu_model(form, false);
    ir::Graph g = import(b);
    ASSERT_TRUE(fuse_activations(g));
    ASSERT_EQ(op_types(g), Ops{"Gelu"});
    EXPECT_EQ(g.nodes[0].domain, kInternalDomain);
    EXPECT_EQ(g.nodes[0].inputs, std::vector<std::string>{"in"});
    EXPECT_EQ(g.nodes[0].outputs[0], "y");
  }
}

TEST(GeluPattern, WrongConstantIsNotMatched) {
  for (GeluForm form : {GeluForm::kTorch, GeluForm::kHalfFirst, GeluForm::kHalfLast}) {
    OnnxBuilder b = gelu_model(form, true, 0.25f);
    ir::Graph g = import(b);
    ASSERT_TRUE(fuse_activations(g));
    const Ops ops = op_types(g);
    EXPECT_EQ(std::count(ops.begin(), ops.end(), "Erf"), 1);
    EXPECT_EQ(g.nodes[0].fused.kind, ir::ActivationKind::kNone);
  }
}

OnnxBuilder layernorm_model(bool affine) {
  OnnxBuilder b(13);
  b.input("x", {1, 3, 4}).output("y");
  b.floats("two", {}, {2.0f}).floats("eps", {}, {1e-5f});
  b.floats("gamma", {4}, {1, 2, 3, 4}).floats("beta", {4}, {0.1f, 0.2f, 0.3f, 0.4f});
  auto& r1 = b.node("ReduceMean", {"x"}, {"m"}, "mean");
  OnnxBuilder::attr(r1, "axes", std::vector<int64_t>{-1});
  b.node("Sub", {"x", "m"}, {"d"});
  b.node("Pow", {"d", "two"}, {"p"});
  auto& r2 = b.node("ReduceMean", {"p"}, {"v"});
  OnnxBuilder::attr(r2, "axes", std::vector<int64_t>{-1});
  b.node("Add", {"v", "eps"}, {"e"});
  b.node("Sqrt", {"e"}, {"s"});
  b.node("Div", {"d", "s"}, {affine ? "n" : "y"});
  if (affine) {
    b.node("Mul", {"n", "gamma"}, {"g"});
    b.node("Add", {"g", "beta"}, {"y"});
  }
  return b;
}

TEST(LayerNormPattern, FullPatternWithAffine) {
  OnnxBuilder b = layernorm_model(true);
  ir::Graph g = import(b);
  ASSERT_TRUE(fuse_layernorm(g));
  ASSERT_EQ(op_types(g), Ops{"LayerNormalization"});
  const ir::Node& n = g.nodes[0];
  EXPECT_EQ(n.inputs[0], "x");
  EXPECT_EQ(n.outputs[0], "y");
  EXPECT_EQ(n.attr_int("axis", -1), 2);
  EXPECT_FLOAT_EQ(n.attr_float("epsilon", 0), 1e-5f);
  EXPECT_EQ(g.constant(n.inputs[1])->as_doubles(), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(g.constant(n.inputs[2])->dims, (std::vector<int64_t>{4}));
  EXPECT_NEAR(g.constant(n.inputs[2])->as_doubles()[3], 0.4, 1e-7);
}

TEST(LayerNormPattern, WithoutAffineUsesOnesAndZeros) {
  OnnxBuilder b = layernorm_model(false);
  ir::Graph g = import(b);
  ASSERT_TRUE(fuse_layernorm(g));
  ASSERT_EQ(op_types(g), Ops{"LayerNormalization"});
  EXPECT_EQ(g.constant(g.nodes[0].inputs[1])->as_doubles(), (std::vector<double>(4, 1.0)));
  EXPECT_EQ(g.constant(g.nodes[0].inputs[2])->as_doubles(), (std::vector<double>(4, 0.0)));
}

TEST(LayerNormPattern, NotMatchedWhenAnIntermediateIsUsedElsewhere) {
  OnnxBuilder b = layernorm_model(true);
  b.output("v");
  ir::Graph g = import(b);
  ASSERT_TRUE(fuse_layernorm(g));
  EXPECT_EQ(g.nodes.size(), 9u);
}

TEST(DeadNodeRemoval, IdentityDropoutAndDeadBranches) {
  OnnxBuilder b(13);
  b.input("x", {1, 4}).output("y").output("out_id");
  b.node("Identity", {"x"}, {"i1"}, "id1");
  b.node("Dropout", {"i1"}, {"d1"}, "drop");
  b.node("Relu", {"d1"}, {"y"}, "relu");
  b.node("Sigmoid", {"x"}, {"unused"}, "dead");
  b.node("Identity", {"y"}, {"out_id"}, "keep_output_name");
  ir::Graph g = import(b);
  ASSERT_TRUE(remove_dead_nodes(g));
  ASSERT_EQ(op_types(g), (Ops{"Relu", "Identity"}));
  EXPECT_EQ(g.nodes[0].inputs[0], "x");
  EXPECT_EQ(g.nodes[1].outputs[0], "out_id");
  EXPECT_EQ(g.find("unused"), nullptr);
}

// x [1, 2, 6, 6] through eight Pads (opset 13: pads and value as inputs). Folded: a Pad of nothing
// (removed), a zero spatial Pad into a Conv's own pads, one into an AveragePool without pads of its
// own. Kept: a non-zero value, a channel pad, a Pad with two readers, one before a MaxPool (its
// pads are -inf), one before an AveragePool that excludes its own pads from the count.
TEST(PadFolding, FoldsZeroSpatialPadsIntoConvAndAveragePoolOnly) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 6, 6});
  for (const char* y : {"y_none", "y_conv", "y_avg", "y_value", "y_channel", "y_shared1", "y_shared2", "y_max", "y_excl"})
    b.output(y);
  b.floats("w", {2, 2, 3, 3}, std::vector<float>(36, 0.1f)).floats("w3", {2, 3, 3, 3}, std::vector<float>(54, 0.1f));
  b.floats("one", {}, {1.f});
  b.ints("nothing", {8}, {0, 0, 0, 0, 0, 0, 0, 0}).ints("hw", {8}, {0, 0, 1, 2, 0, 0, 2, 1});
  b.ints("chan", {8}, {0, 1, 0, 0, 0, 0, 0, 0});
  auto pad = [&](const char* name, const char* pads, std::vector<std::string> more = {}) {
    std::vector<std::string> ins = {"x", pads};
    ins.insert(ins.end(), more.begin(), more.end());
    b.node("Pad", ins, {std::string(name) + "_p"}, name);
    return std::string(name) + "_p";
  };
  b.node("Relu", {pad("none", "nothing")}, {"y_none"});
  auto& conv = b.node("Conv", {pad("conv", "hw"), "w"}, {"y_conv"}, "conv_reader");
  OnnxBuilder::attr(conv, "pads", std::vector<int64_t>{1, 1, 1, 1});
  OnnxBuilder::attr(b.node("AveragePool", {pad("avg", "hw")}, {"y_avg"}, "avg_reader"), "kernel_shape",
                    std::vector<int64_t>{2, 2});
  b.node("Relu", {pad("value", "hw", {"one"})}, {"y_value"});
  b.node("Conv", {pad("channel", "chan"), "w3"}, {"y_channel"});
  const std::string shared = pad("shared", "hw");
  b.node("Conv", {shared, "w"}, {"y_shared1"});
  b.node("Relu", {shared}, {"y_shared2"});
  OnnxBuilder::attr(b.node("MaxPool", {pad("max", "hw")}, {"y_max"}), "kernel_shape", std::vector<int64_t>{2, 2});
  auto& excl = b.node("AveragePool", {pad("excl", "hw")}, {"y_excl"});
  OnnxBuilder::attr(excl, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(excl, "pads", std::vector<int64_t>{1, 1, 1, 1});
  ir::Graph g = import(b);
  ASSERT_TRUE(fold_constants(g));
  ASSERT_TRUE(fold_pads(g));
  ASSERT_EQ(op_types(g), (Ops{"Relu", "Conv", "AveragePool", "Pad", "Relu", "Pad", "Conv", "Pad", "Conv", "Relu",
                              "Pad", "MaxPool", "Pad", "AveragePool"}));
  EXPECT_EQ(g.nodes[0].inputs[0], "x");
  EXPECT_EQ(g.nodes[1].inputs[0], "x");
  EXPECT_EQ(g.nodes[1].attr_ints("pads", {}), (std::vector<int64_t>{2, 3, 3, 2}));
  EXPECT_EQ(g.nodes[2].inputs[0], "x");
  EXPECT_EQ(g.nodes[2].attr_ints("pads", {}), (std::vector<int64_t>{1, 2, 2, 1}));
  EXPECT_EQ(g.nodes[2].attr_int("count_include_pad", 0), 1);
  EXPECT_EQ(g.find("none_p"), nullptr);
  EXPECT_EQ(g.find("conv_p"), nullptr);
}

// Opset 10 (pads as an attribute): a chain of a Pad of nothing and a spatial Pad folds into the
// Conv; with ceil_mode an AveragePool keeps its Pad.
TEST(PadFolding, AttributePadsAndChains) {
  OnnxBuilder b(10);
  b.input("x", {1, 1, 4, 4}).output("y").output("z");
  b.floats("w", {1, 1, 2, 2}, {1, 1, 1, 1});
  OnnxBuilder::attr(b.node("Pad", {"x"}, {"p0"}), "pads", std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 0});
  OnnxBuilder::attr(b.node("Pad", {"p0"}, {"p1"}), "pads", std::vector<int64_t>{0, 0, 1, 1, 0, 0, 1, 1});
  b.node("Conv", {"p1", "w"}, {"y"});
  OnnxBuilder::attr(b.node("Pad", {"x"}, {"p2"}), "pads", std::vector<int64_t>{0, 0, 1, 1, 0, 0, 0, 0});
  auto& avg = b.node("AveragePool", {"p2"}, {"z"});
  OnnxBuilder::attr(avg, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(avg, "ceil_mode", int64_t{1});
  ir::Graph g = import(b);
  ASSERT_TRUE(fold_pads(g));
  ASSERT_EQ(op_types(g), (Ops{"Conv", "Pad", "AveragePool"}));
  EXPECT_EQ(g.nodes[0].inputs[0], "x");
  EXPECT_EQ(g.nodes[0].attr_ints("pads", {}), (std::vector<int64_t>{1, 1, 1, 1}));
}

// Three ShuffleNet shuffles of x [1, 6, 2, 2] in 2 groups: the first becomes a ChannelShuffle; the
// second's transposed tensor is also a graph output and the third transposes other dims, so they stay.
TEST(ChannelShufflePattern, FusedOnlyWhenTheWholePatternIsPrivate) {
  OnnxBuilder b(13);
  b.input("x", {1, 6, 2, 2}).output("y").output("z").output("t2").output("u");
  b.ints("split", {5}, {1, 2, 3, 2, 2}).ints("back", {4}, {1, 6, 2, 2});
  const std::vector<int64_t> swap = {0, 2, 1, 3, 4};
  b.node("Reshape", {"x", "split"}, {"s1"}, "shuffle1");
  OnnxBuilder::attr(b.node("Transpose", {"s1"}, {"t1"}), "perm", swap);
  b.node("Reshape", {"t1", "back"}, {"y"});
  b.node("Reshape", {"x", "split"}, {"s2"}, "shuffle2");
  OnnxBuilder::attr(b.node("Transpose", {"s2"}, {"t2"}), "perm", swap);
  b.node("Reshape", {"t2", "back"}, {"z"});
  b.node("Reshape", {"x", "split"}, {"s3"}, "shuffle3");
  OnnxBuilder::attr(b.node("Transpose", {"s3"}, {"t3"}), "perm", std::vector<int64_t>{0, 1, 2, 4, 3});
  b.node("Reshape", {"t3", "back"}, {"u"});
  ir::Graph g = import(b);
  ASSERT_TRUE(fold_constants(g));
  EXPECT_EQ(fuse_channel_shuffles(g), 1);
  ASSERT_EQ(op_types(g), (Ops{"ChannelShuffle", "Reshape", "Transpose", "Reshape", "Reshape", "Transpose", "Reshape"}));
  const ir::Node& shuffle = g.nodes[0];
  EXPECT_EQ(shuffle.name, "shuffle1");
  EXPECT_EQ(shuffle.domain, kInternalDomain);
  EXPECT_EQ(shuffle.inputs, std::vector<std::string>{"x"});
  EXPECT_EQ(shuffle.outputs, std::vector<std::string>{"y"});
  EXPECT_EQ(shuffle.attr_int("groups", 0), 2);
  EXPECT_EQ(g.find("s1"), nullptr);
  EXPECT_EQ(g.find("t1"), nullptr);
}

}  // namespace
}  // namespace saturn::converter
