// Affine folding (converter/passes/affine_folding.cc): constant Mul / Add / Sub folded into a
// Conv's W and B, and into a fused activation's affine tail. Each model runs in the Saturn runtime
// (FP32) with and without the folding on random inputs; the outputs must agree within
// 1e-5 * max|reference|.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "converter/onnx_import.h"
#include "converter/passes/passes.h"
#include "converter/writer.h"
#include "saturn/session.h"
#include "tests/converter/quant_test_util.h"

namespace saturn::converter::testing {
namespace {

using Ops = std::vector<std::string>;

ir::Graph import(OnnxBuilder& b) {
  auto r = import_onnx_model(b.model(), {}, "'test.onnx'");
  EXPECT_TRUE(r) << r.status().message();
  return r ? std::move(r.value()) : ir::Graph{};
}

// run_passes() without the two affine folding passes: the reference graph.
Status passes_without_affine(ir::Graph& g) {
  SATURN_RETURN_IF_ERROR(fold_constants(g));
  SATURN_RETURN_IF_ERROR(remove_dead_nodes(g));
  SATURN_RETURN_IF_ERROR(fold_batchnorm(g));
  SATURN_RETURN_IF_ERROR(fuse_layernorm(g));
  SATURN_RETURN_IF_ERROR(fuse_activations(g));
  return remove_dead_nodes(g);
}

Ops op_types(const ir::Graph& g) {
  Ops v;
  for (const auto& n : g.nodes) v.push_back(n.op_type);
  return v;
}

// Writes `g` and runs it on `x` (the only graph input); the only graph output.
std::vector<float> run_fp32(const ir::Graph& g, const std::vector<float>& x) {
  auto bytes = write_saturn_model(g, "");
  EXPECT_TRUE(bytes) << bytes.status().message();
  if (!bytes) return {};
  auto model = Model::from_bytes(bytes.value(), "affine test");
  EXPECT_TRUE(model) << model.status().message();
  if (!model) return {};
  auto session = Session::create(model.value());
  EXPECT_TRUE(session) << session.status().message();
  if (!session) return {};
  Session& s = *session.value();
  EXPECT_EQ(s.inputs()[0].bytes(), x.size() * sizeof(float));
  std::vector<float> y(s.outputs()[0].bytes() / sizeof(float));
  const void* ins[] = {x.data()};
  void* outs[] = {y.data()};
  const Status st = s.run(ins, outs);
  EXPECT_TRUE(st) << st.message();
  return y;
}

struct Folded {
  ir::Graph before, after;
};

// Imports `b` twice: passes without affine folding (before) and run_passes() (after); checks both
// produce the same output on random inputs of `x_elems` values.
Folded check_equivalent(OnnxBuilder& b, size_t x_elems) {
  Folded f{import(b), import(b)};
  EXPECT_TRUE(passes_without_affine(f.before));
  EXPECT_TRUE(run_passes(f.after));
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    const std::vector<float> x = random_values(x_elems, seed, 0.f, 2.f);
    const std::vector<float> want = run_fp32(f.before, x), got = run_fp32(f.after, x);
    EXPECT_EQ(got.size(), want.size());
    if (got.size() != want.size() || want.empty()) continue;
    float max_ref = 0.f;
    for (float v : want) max_ref = std::max(max_ref, std::fabs(v));
    EXPECT_GT(max_ref, 0.f);
    size_t bad = 0;
    for (size_t i = 0; i < want.size(); ++i)
      if (std::fabs(got[i] - want[i]) > 1e-5f * max_ref && bad++ == 0)
        ADD_FAILURE() << "element " << i << ", seed " << seed << ": " << got[i] << " vs " << want[i];
    EXPECT_EQ(bad, 0u) << "elements beyond 1e-5 * max|ref| = " << 1e-5f * max_ref;
  }
  return f;
}

// x [1, 3, 6, 6] -> Conv(W [4, 3, 3, 3], pads 1, bias optional) -> "c".
OnnxBuilder conv_model(bool bias) {
  OnnxBuilder b(14);
  b.input("x", {1, 3, 6, 6});
  b.floats("w", {4, 3, 3, 3}, random_values(4 * 3 * 3 * 3, 7, 0.f, 0.5f));
  std::vector<std::string> ins = {"x", "w"};
  if (bias) {
    b.floats("b", {4}, {0.1f, -0.2f, 0.3f, -0.4f});
    ins.push_back("b");
  }
  OnnxBuilder::attr(b.node("Conv", ins, {"c"}, "conv"), "pads", std::vector<int64_t>{1, 1, 1, 1});
  return b;
}

const ir::Node& only_node(const ir::Graph& g) { return g.nodes.at(0); }

TEST(AffineFolding, PerChannelMulAddFoldIntoConv) {
  OnnxBuilder b = conv_model(true);
  b.output("y");
  b.floats("s", {4, 1, 1}, {0.5f, -2.f, 1.5f, 0.25f}).floats("h", {1, 4, 1, 1}, {1.f, -1.f, 0.5f, 3.f});
  b.node("Mul", {"c", "s"}, {"m"});
  b.node("Add", {"h", "m"}, {"y"});  // constant first
  Folded f = check_equivalent(b, 3 * 6 * 6);
  EXPECT_EQ(op_types(f.before), (Ops{"Conv", "Mul", "Add"}));
  ASSERT_EQ(op_types(f.after), Ops{"Conv"});
  EXPECT_EQ(only_node(f.after).outputs[0], "y");
  // B' = b * s + h.
  const std::vector<double> bias = f.after.constant(only_node(f.after).input(2))->as_doubles();
  const double want[4] = {0.1 * 0.5 + 1, -0.2 * -2 - 1, 0.3 * 1.5 + 0.5, -0.4 * 0.25 + 3};
  for (int m = 0; m < 4; ++m) EXPECT_NEAR(bias[m], want[m], 1e-6) << "channel " << m;
}

TEST(AffineFolding, ScalarMulSubCreateBias) {
  OnnxBuilder b = conv_model(false);
  b.output("y");
  b.floats("s", {}, {-0.75f}).floats("h", {1}, {0.5f});
  b.node("Mul", {"s", "c"}, {"m"});  // constant first
  b.node("Sub", {"m", "h"}, {"y"});
  Folded f = check_equivalent(b, 3 * 6 * 6);
  ASSERT_EQ(op_types(f.after), Ops{"Conv"});
  const ir::Tensor* bias = f.after.constant(only_node(f.after).input(2));
  ASSERT_NE(bias, nullptr);
  EXPECT_EQ(bias->dims, (std::vector<int64_t>{4}));
  for (double v : bias->as_doubles()) EXPECT_NEAR(v, -0.5, 1e-7);
}

TEST(AffineFolding, ConstantMinusConvNegatesWeights) {
  OnnxBuilder b = conv_model(true);
  b.output("y");
  b.floats("h", {1, 4, 1, 1}, {1.f, 2.f, 3.f, 4.f});
  b.node("Sub", {"h", "c"}, {"y"});
  Folded f = check_equivalent(b, 3 * 6 * 6);
  ASSERT_EQ(op_types(f.after), Ops{"Conv"});
}

// The PP-LCNetV3 block: Conv -> Mul a -> Add b -> HardSwish -> Mul c -> Add d -> Conv.
TEST(AffineFolding, LearnableAffineBlockBecomesConvWithTail) {
  OnnxBuilder b = conv_model(true);
  b.output("y");
  b.floats("a", {1}, {1.25f}).floats("bb", {1}, {-0.3f}).floats("cc", {1}, {0.6f}).floats("d", {1}, {0.2f});
  b.floats("w2", {2, 4, 1, 1}, random_values(8, 9, 0.f, 0.5f));
  b.node("Mul", {"a", "c"}, {"m1"});
  b.node("Add", {"m1", "bb"}, {"a1"});
  b.node("HardSwish", {"a1"}, {"hs"});
  b.node("Mul", {"cc", "hs"}, {"m2"});
  b.node("Add", {"m2", "d"}, {"a2"});
  b.node("Conv", {"a2", "w2"}, {"y"}, "conv2");
  Folded f = check_equivalent(b, 3 * 6 * 6);
  EXPECT_EQ(op_types(f.before), (Ops{"Conv", "Mul", "Add", "Mul", "Add", "Conv"}));  // HardSwish in the 1st Add
  ASSERT_EQ(op_types(f.after), (Ops{"Conv", "Conv"}));
  const ir::Activation& act = f.after.nodes[0].fused;
  EXPECT_EQ(act.kind, ir::ActivationKind::kHardSwish);
  EXPECT_FLOAT_EQ(act.scale, 0.6f);
  EXPECT_FLOAT_EQ(act.shift, 0.2f);
  EXPECT_EQ(f.after.nodes[0].outputs[0], "a2");
}

TEST(AffineFolding, TailChainsAndConstantMinusActivation) {
  OnnxBuilder b = conv_model(true);
  b.output("y");
  b.floats("c1", {}, {2.f}).floats("c2", {1, 1, 1, 1}, {0.5f}).floats("c3", {}, {-3.f});
  b.node("Relu", {"c"}, {"r"});
  b.node("Add", {"r", "c1"}, {"t1"});
  b.node("Sub", {"c2", "t1"}, {"t2"});  // 0.5 - (relu + 2)
  b.node("Mul", {"t2", "c3"}, {"y"});   // * -3
  Folded f = check_equivalent(b, 3 * 6 * 6);
  ASSERT_EQ(op_types(f.after), Ops{"Conv"});
  const ir::Activation& act = only_node(f.after).fused;
  EXPECT_EQ(act.kind, ir::ActivationKind::kRelu);
  EXPECT_FLOAT_EQ(act.scale, 3.f);    // -1 * -3
  EXPECT_FLOAT_EQ(act.shift, 4.5f);   // (0.5 - 2) * -3
}

TEST(AffineFolding, WrongConstantShapesAreLeftAlone) {
  // The output is [1, 4, 4, 4]: [4] and [1, 4] run along the width, [1, 1, 4, 1] and [4, 1] along
  // the height; [1, 1, 1, 4, 1, 1] would raise the rank.
  const std::vector<std::vector<int64_t>> shapes = {{4}, {1, 4}, {1, 1, 4, 1}, {4, 1}, {1, 1, 1, 4, 1, 1}};
  for (const std::vector<int64_t>& dims : shapes) {
    OnnxBuilder b(14);
    b.input("x", {1, 3, 4, 4}).output("y");
    b.floats("w", {4, 3, 1, 1}, random_values(12, 3, 0.f, 0.5f));
    b.floats("s", dims, {0.5f, -2.f, 1.5f, 0.25f});
    b.node("Conv", {"x", "w"}, {"c"}, "conv");
    b.node("Mul", {"c", "s"}, {"y"});
    ir::Graph g = import(b);
    ASSERT_TRUE(run_passes(g));
    EXPECT_EQ(op_types(g), (Ops{"Conv", "Mul"})) << "constant rank " << dims.size();
  }
}

TEST(AffineFolding, ConvOutputUsedTwiceIsLeftAlone) {
  OnnxBuilder b = conv_model(true);
  b.output("y");
  b.floats("s", {}, {0.5f});
  b.node("Mul", {"c", "s"}, {"m"});
  b.node("Add", {"m", "c"}, {"y"});
  Folded f = check_equivalent(b, 3 * 6 * 6);
  EXPECT_EQ(op_types(f.after), (Ops{"Conv", "Mul", "Add"}));
}

TEST(AffineFolding, GraphOutputIsLeftAlone) {
  OnnxBuilder b = conv_model(true);
  b.output("c").output("y");
  b.floats("s", {}, {0.5f});
  b.node("Mul", {"c", "s"}, {"y"});
  ir::Graph g = import(b);
  ASSERT_TRUE(run_passes(g));
  EXPECT_EQ(op_types(g), (Ops{"Conv", "Mul"}));

  // Same for a tail: the activation's output is a graph output.
  OnnxBuilder t = conv_model(true);
  t.output("r").output("y");
  t.floats("s", {}, {0.5f});
  t.node("Relu", {"c"}, {"r"});
  t.node("Mul", {"r", "s"}, {"y"});
  ir::Graph gt = import(t);
  ASSERT_TRUE(run_passes(gt));
  ASSERT_EQ(op_types(gt), (Ops{"Conv", "Mul"}));
  EXPECT_FALSE(gt.nodes[0].fused.has_tail());
}

TEST(AffineFolding, PerChannelConstantAfterActivationIsLeftAlone) {
  OnnxBuilder b = conv_model(true);
  b.output("y");
  b.floats("s", {1, 4, 1, 1}, {0.5f, -2.f, 1.5f, 0.25f});
  b.node("Relu", {"c"}, {"r"});
  b.node("Mul", {"r", "s"}, {"y"});
  Folded f = check_equivalent(b, 3 * 6 * 6);
  ASSERT_EQ(op_types(f.after), (Ops{"Conv", "Mul"}));
  EXPECT_FALSE(f.after.nodes[0].fused.has_tail());
}

// quantize_pass.h: a Relu output with a negative shift can go negative, so it is s8; with a
// non-negative tail it stays u8.
TEST(AffineFolding, TailDecidesInt8Signedness) {
  for (const float shift : {-0.5f, 0.25f}) {
    OnnxBuilder b = conv_model(true);
    b.output("y");
    b.floats("s", {}, {2.f}).floats("h", {}, {shift});
    b.floats("w2", {2, 4, 1, 1}, random_values(8, 9, 0.f, 0.5f));
    b.node("Relu", {"c"}, {"r"});
    b.node("Mul", {"r", "s"}, {"m"});
    b.node("Add", {"m", "h"}, {"a"});
    b.node("Conv", {"a", "w2"}, {"y"}, "conv2");
    auto m = convert_int8(b.save("affine_sign.onnx"), {{"x", {4, 3, 6, 6}, random_values(4 * 108, 5)}}, {});
    ASSERT_TRUE(m) << m.status().message();
    const fb::Node* conv2 = m->node("conv2");
    ASSERT_NE(conv2, nullptr);
    EXPECT_EQ(m->input(conv2, 0)->dtype(), shift < 0 ? fb::DType::S8 : fb::DType::U8) << "shift " << shift;
    const fb::Node* conv = m->node("conv");
    ASSERT_NE(conv, nullptr);
    const fb::Activation* act = conv->op_as_Conv()->activation();
    ASSERT_NE(act, nullptr);
    EXPECT_EQ(act->kind(), fb::ActivationKind::Relu);
    EXPECT_FLOAT_EQ(act->scale(), 2.f);
    EXPECT_FLOAT_EQ(act->shift(), shift);
  }
}

}  // namespace
}  // namespace saturn::converter::testing
