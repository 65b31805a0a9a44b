// The QDQ export (converter/qdq/qdq_export.h): node counts, Q/DQ element types, scales equal to the
// INT8 model's, weights copied as is, fused residual and activation expanded, opset < 13 forms
// rewritten, and the ONNX checker passing (ORT's numeric agreement: tests/models/qdq_ort_test.sh).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>

#include <onnx/checker.h>

#include "tests/converter/quant_test_util.h"

namespace saturn::converter::testing {
namespace {

struct Qdq {
  onnx::ModelProto model;
  std::map<std::string, const onnx::TensorProto*> init;
  std::map<std::string, const onnx::NodeProto*> producer;

  static Qdq load(const std::string& path) {
    Qdq q;
    std::ifstream f(path, std::ios::binary);
    EXPECT_TRUE(q.model.ParseFromIstream(&f)) << path;
    for (const auto& t : q.model.graph().initializer()) q.init[t.name()] = &t;
    for (const auto& n : q.model.graph().node())
      for (const auto& o : n.output()) q.producer[o] = &n;
    return q;
  }
  // Not copyable safely (pointers into model); used in place.
  int count(const std::string& op) const {
    int c = 0;
    for (const auto& n : model.graph().node()) c += n.op_type() == op;
    return c;
  }
  std::vector<const onnx::NodeProto*> nodes(const std::string& op) const {
    std::vector<const onnx::NodeProto*> v;
    for (const auto& n : model.graph().node())
      if (n.op_type() == op) v.push_back(&n);
    return v;
  }
  std::vector<std::string> ops() const {
    std::vector<std::string> v;
    for (const auto& n : model.graph().node()) v.push_back(n.op_type());
    return v;
  }
  std::vector<float> floats(const std::string& name) const {
    const onnx::TensorProto* t = init.at(name);
    EXPECT_EQ(t->data_type(), onnx::TensorProto::FLOAT) << name;
    std::vector<float> v(t->raw_data().size() / 4);
    std::memcpy(v.data(), t->raw_data().data(), t->raw_data().size());
    return v;
  }
  int64_t axis(const onnx::NodeProto& n) const {
    for (const auto& a : n.attribute())
      if (a.name() == "axis") return a.i();
    return -100;
  }
  int64_t opset() const { return model.opset_import(0).version(); }
};

std::vector<float> scales(const fb::Tensor* t) {
  std::vector<float> v;
  for (float s : *t->quant()->scale()) v.push_back(s);
  return v;
}

std::string qdq_path(const std::string& name) { return ::testing::TempDir() + name; }

// Conv(+bias) -> Relu -> Conv: input s8 Q/DQ, Relu output u8 Q/DQ, per-channel weights, s32 biases.
TEST(QdqExport, ConvReluConvScalesAndTypesMatchTheInt8Model) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 5, 5}).output("y");
  b.floats("w1", {3, 2, 3, 3}, random_values(54, 1, 0.f, 0.3f)).floats("b1", {3}, {0.1f, -0.2f, 0.3f});
  b.floats("w2", {4, 3, 1, 1}, random_values(12, 2, 0.f, 0.5f)).floats("b2", {4}, {0.5f, 0.f, -0.5f, 1.f});
  b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1");
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  b.node("Conv", {"r1", "w2", "b2"}, {"y"}, "conv2");
  ConvertOptions o;
  o.int8.qdq_path = qdq_path("qdq_conv.onnx");
  auto m = convert_int8(b.save("qdq_conv_src.onnx"), {samples("x", {4, 2, 5, 5}, 3)}, o);
  ASSERT_TRUE(m) << m.status().message();
  Qdq q = Qdq::load(o.int8.qdq_path);
  EXPECT_NO_THROW(onnx::checker::check_model(q.model));
  EXPECT_EQ(q.opset(), 13);
  EXPECT_EQ(q.ops(), (std::vector<std::string>{"QuantizeLinear", "DequantizeLinear", "DequantizeLinear",
                                               "DequantizeLinear", "Conv", "Relu", "QuantizeLinear",
                                               "DequantizeLinear", "DequantizeLinear", "DequantizeLinear", "Conv"}));
  ASSERT_EQ(q.model.graph().input_size(), 1);
  EXPECT_EQ(q.model.graph().input(0).name(), "x");
  ASSERT_EQ(q.model.graph().output_size(), 1);
  EXPECT_EQ(q.model.graph().output(0).name(), "y");
  EXPECT_EQ(q.producer.at("y")->op_type(), "Conv");

  const fb::Node* conv1 = m->node("conv1");
  const fb::Node* conv2 = m->node("conv2");
  ASSERT_TRUE(conv1 && conv2);
  // Activations: the input (s8) and the Relu output (u8), each a Q -> DQ pair with Saturn's alpha.
  const auto quants = q.nodes("QuantizeLinear");
  ASSERT_EQ(quants.size(), 2u);
  const fb::Tensor* xq = m->input(conv1, 0);
  const fb::Tensor* r1 = m->output(conv1);
  EXPECT_EQ(xq->dtype(), fb::DType::S8);
  EXPECT_EQ(r1->dtype(), fb::DType::U8);
  const fb::Tensor* expected[2] = {xq, r1};
  const int types[2] = {onnx::TensorProto::INT8, onnx::TensorProto::UINT8};
  for (int i = 0; i < 2; ++i) {
    const onnx::NodeProto* qn = quants[i];
    ASSERT_EQ(qn->input_size(), 3);
    EXPECT_EQ(q.floats(qn->input(1)), scales(expected[i])) << i;
    const onnx::TensorProto* zp = q.init.at(qn->input(2));
    EXPECT_EQ(zp->data_type(), types[i]) << i;
    EXPECT_EQ(zp->dims_size(), 0) << i;
    EXPECT_EQ(zp->raw_data(), std::string(1, '\0')) << i;
    EXPECT_EQ(q.axis(*qn), -100) << i;
  }
  // The Relu output's Q reads the Relu; its DQ output is what conv2 reads.
  EXPECT_EQ(q.producer.at(quants[1]->input(0))->op_type(), "Relu");
  const onnx::NodeProto* c2 = q.nodes("Conv")[1];
  const onnx::NodeProto* dq = q.producer.at(c2->input(0));
  EXPECT_EQ(dq->op_type(), "DequantizeLinear");
  EXPECT_EQ(dq->input(0), quants[1]->output(0));

  // Weights and biases: the INT8 model's values as is, DQ per axis 0 with its scales.
  for (const fb::Node* conv : {conv1, conv2}) {
    const onnx::NodeProto* qc = conv == conv1 ? q.nodes("Conv")[0] : c2;
    for (int i : {1, 2}) {
      const fb::Tensor* t = m->input(conv, i);
      const onnx::NodeProto* d = q.producer.at(qc->input(i));
      ASSERT_EQ(d->op_type(), "DequantizeLinear");
      EXPECT_EQ(q.axis(*d), 0);
      const onnx::TensorProto* v = q.init.at(d->input(0));
      EXPECT_EQ(v->data_type(), i == 1 ? onnx::TensorProto::INT8 : onnx::TensorProto::INT32);
      const auto* buf = m->model->fb().buffers()->Get(t->buffer())->data();
      EXPECT_EQ(v->raw_data(), std::string(reinterpret_cast<const char*>(buf->data()), buf->size()));
      EXPECT_EQ(q.floats(d->input(1)), scales(t));
      const onnx::TensorProto* zp = q.init.at(d->input(2));
      EXPECT_EQ(zp->data_type(), v->data_type());
      EXPECT_EQ(zp->raw_data(), std::string(zp->raw_data().size(), '\0'));
      ASSERT_EQ(zp->dims_size(), 1);
      EXPECT_EQ(zp->dims(0), t->quant()->scale()->size());
    }
  }
}

// A fused residual (Conv's 4th input) and its activation come back as Conv -> Add -> Relu -> Q/DQ.
TEST(QdqExport, FusedResidualAndActivationAreExpanded) {
  OnnxBuilder b = residual_block_model();
  ConvertOptions o;
  o.int8.qdq_path = qdq_path("qdq_residual.onnx");
  auto m = convert_int8(b.save("qdq_residual_src.onnx"), {samples("x", {2, 4, 4, 4}, 6)}, o);
  ASSERT_TRUE(m) << m.status().message();
  ASSERT_EQ(m->report.quantize.fused_residuals, 1);
  Qdq q = Qdq::load(o.int8.qdq_path);
  EXPECT_EQ(q.count("Conv"), 3);
  EXPECT_EQ(q.count("Relu"), 2);
  ASSERT_EQ(q.count("Add"), 1);
  EXPECT_EQ(q.count("QuantizeLinear"), 3);  // x, r1, sr
  const onnx::NodeProto* add = q.nodes("Add")[0];
  EXPECT_EQ(q.producer.at(add->input(0))->op_type(), "Conv");
  // R is the dequantized r1, the same tensor conv2 reads.
  const onnx::NodeProto* conv2 = q.producer.at(add->input(0));
  EXPECT_EQ(add->input(1), conv2->input(0));
  // sr = Q/DQ(Relu(Add)), with Saturn's scale of conv2's output.
  const onnx::NodeProto* dq = q.producer.at(q.nodes("Conv")[2]->input(0));
  ASSERT_EQ(dq->op_type(), "DequantizeLinear");
  const onnx::NodeProto* qn = q.producer.at(dq->input(0));
  ASSERT_EQ(qn->op_type(), "QuantizeLinear");
  const onnx::NodeProto* relu = q.producer.at(qn->input(0));
  ASSERT_EQ(relu->op_type(), "Relu");
  EXPECT_EQ(relu->input(0), add->output(0));
  EXPECT_EQ(q.floats(qn->input(1)), scales(m->output(m->node("conv2"))));
  EXPECT_EQ(q.init.at(qn->input(2))->data_type(), onnx::TensorProto::UINT8);
}

// An affine tail folded into a fused activation (PP-LCNetV3's Relu -> Mul -> Add) comes back as
// Relu -> Mul(scale) -> Add(shift) before the output's Q/DQ.
TEST(QdqExport, ActivationTailIsExpanded) {
  OnnxBuilder b(13);
  b.input("x", {1, 4, 4, 4}).output("y");
  b.floats("w1", {4, 4, 1, 1}, random_values(16, 17, 0.f, 0.5f)).floats("w2", {2, 4, 1, 1}, random_values(8, 18, 0.f, 0.5f));
  b.floats("k", {}, {0.75f}).floats("d", {}, {0.25f});
  b.node("Conv", {"x", "w1"}, {"c1"}, "conv1");
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  b.node("Mul", {"r1", "k"}, {"m1"}, "mul");
  b.node("Add", {"m1", "d"}, {"a1"}, "add");
  b.node("Conv", {"a1", "w2"}, {"y"}, "conv2");
  ConvertOptions o;
  o.int8.qdq_path = qdq_path("qdq_tail.onnx");
  auto m = convert_int8(b.save("qdq_tail_src.onnx"), {samples("x", {2, 4, 4, 4}, 19)}, o);
  ASSERT_TRUE(m) << m.status().message();
  Qdq q = Qdq::load(o.int8.qdq_path);
  ASSERT_EQ(q.count("Mul"), 1);
  ASSERT_EQ(q.count("Add"), 1);
  const onnx::NodeProto* add = q.nodes("Add")[0];
  const onnx::NodeProto* mul = q.producer.at(add->input(0));
  ASSERT_EQ(mul->op_type(), "Mul");
  EXPECT_EQ(q.producer.at(mul->input(0))->op_type(), "Relu");
  EXPECT_EQ(q.floats(mul->input(1)), std::vector<float>{0.75f});
  EXPECT_EQ(q.floats(add->input(1)), std::vector<float>{0.25f});
  const onnx::NodeProto* after = nullptr;
  for (const auto& n : q.model.graph().node())
    if (n.input_size() > 0 && n.input(0) == add->output(0)) after = &n;
  ASSERT_TRUE(after);
  EXPECT_EQ(after->op_type(), "QuantizeLinear");
}

// An opset-9 model: Softmax (coerced to 2D on a middle axis), Squeeze with attribute axes and a
// Clip with attributes come out in opset-13 form, and the model passes the checker.
TEST(QdqExport, Opset9FormsAreRewritten) {
  OnnxBuilder b(9);
  b.input("x", {1, 2, 3, 4}).output("y").output("z");
  b.floats("w", {4, 2, 1, 1}, random_values(8, 4, 0.f, 0.5f));
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  auto& clip = b.node("Clip", {"c"}, {"k"}, "clip");
  OnnxBuilder::attr(clip, "min", -1.f);
  OnnxBuilder::attr(clip, "max", 2.f);
  b.floats("w2", {1, 4, 1, 1}, random_values(4, 5, 0.f, 0.5f));
  b.node("Conv", {"k", "w2"}, {"c2"}, "conv2");
  auto& sq = b.node("Squeeze", {"c2"}, {"s"}, "squeeze");
  OnnxBuilder::attr(sq, "axes", std::vector<int64_t>{1});
  auto& sm = b.node("Softmax", {"s"}, {"y"}, "softmax");
  OnnxBuilder::attr(sm, "axis", int64_t{1});
  auto& sm2 = b.node("Softmax", {"s"}, {"z"}, "softmax_last");
  OnnxBuilder::attr(sm2, "axis", int64_t{2});
  ConvertOptions o;
  o.int8.qdq_path = qdq_path("qdq_opset9.onnx");
  auto m = convert_int8(b.save("qdq_opset9_src.onnx"), {samples("x", {2, 2, 3, 4}, 8)}, o);
  ASSERT_TRUE(m) << m.status().message();
  Qdq q = Qdq::load(o.int8.qdq_path);
  EXPECT_NO_THROW(onnx::checker::check_model(q.model));
  EXPECT_EQ(q.opset(), 13);
  // Softmax(axis 1) of rank 3 -> Flatten(1), Softmax(1), Reshape; Softmax(axis 2) stays one node.
  EXPECT_EQ(q.count("Softmax"), 2);
  EXPECT_EQ(q.count("Flatten"), 1);
  ASSERT_EQ(q.count("Reshape"), 1);
  EXPECT_EQ(q.producer.at("y")->op_type(), "Reshape");
  EXPECT_EQ(q.producer.at("z")->op_type(), "Softmax");
  const auto sqz = q.nodes("Squeeze");
  ASSERT_EQ(sqz.size(), 1u);
  ASSERT_EQ(sqz[0]->input_size(), 2);
  EXPECT_EQ(sqz[0]->attribute_size(), 0);
  EXPECT_EQ(q.init.at(sqz[0]->input(1))->data_type(), onnx::TensorProto::INT64);
  // The Clip is fused into conv (INT8) and comes back as Clip(min, max) with float inputs.
  const auto clips = q.nodes("Clip");
  ASSERT_EQ(clips.size(), 1u);
  ASSERT_EQ(clips[0]->input_size(), 3);
  EXPECT_EQ(q.floats(clips[0]->input(1)), std::vector<float>{-1.f});
  EXPECT_EQ(q.floats(clips[0]->input(2)), std::vector<float>{2.f});
}

TEST(QdqExport, UnwritablePathIsAnError) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 3, 3}).output("y");
  b.floats("w", {2, 2, 1, 1}, {1, 0, 0, 1});
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  ConvertOptions o;
  o.int8.qdq_path = "/nonexistent-dir/qdq.onnx";
  auto m = convert_int8(b.save("qdq_unwritable_src.onnx"), {samples("x", {1, 2, 3, 3}, 1)}, o);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.status().message(), "QDQ export: cannot write '/nonexistent-dir/qdq.onnx'");
}

}  // namespace
}  // namespace saturn::converter::testing
