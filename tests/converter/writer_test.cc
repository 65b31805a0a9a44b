// End to end: ONNX file -> convert_onnx_file -> bytes that load through saturn::Model, and the
// lowering's resolved attributes and rejections.
#include <gtest/gtest.h>

#include <cstring>

#include "converter/convert.h"
#include "converter/sha256.h"
#include "saturn/model.h"
#include "saturn/schema/saturn_generated.h"
#include "saturn/version.h"
#include "tests/converter/onnx_builder.h"

namespace saturn::converter {
namespace {

using testing::OnnxBuilder;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct Converted {
  std::vector<uint8_t> bytes;
  std::shared_ptr<const Model> model;
  const fb::Graph* graph() const { return model->fb().graph(); }
  const fb::Tensor* tensor(int32_t i) const { return graph()->tensors()->Get(i); }
  const fb::Node* node(size_t i) const { return graph()->nodes()->Get(static_cast<uint32_t>(i)); }
};

// Converts and loads through the runtime's verifying path; fails the test on any error.
Converted convert(OnnxBuilder& b, const std::string& file, const ConvertOptions& o = {}) {
  Converted c;
  auto r = convert_onnx_file(b.save(file), o);
  EXPECT_TRUE(r) << r.status().message();
  if (!r) return c;
  c.bytes = r.value();
  auto m = Model::from_bytes(c.bytes, file);
  EXPECT_TRUE(m) << m.status().message();
  if (m) c.model = m.value();
  return c;
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string abc = "abc";
  EXPECT_EQ(sha256_hex({reinterpret_cast<const uint8_t*>(abc.data()), abc.size()}),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(sha256_hex({reinterpret_cast<const uint8_t*>(two.data()), two.size()}),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Writer, ConvBnReluGemmModelLoadsThroughRuntime) {
  OnnxBuilder b(13);
  b.input("x", {-1, 2, 4, 4}).output("y");
  std::vector<float> w(3 * 2 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.01f * static_cast<float>(i);
  b.floats("w", {3, 2, 3, 3}, w).floats("scale", {3}, {1, 2, 3}).floats("beta", {3}, {0, 0, 1});
  b.floats("mean", {3}, {0, 1, 0}).floats("var", {3}, {1, 1, 4});
  b.floats("fc", {2, 12}, std::vector<float>(24, 0.5f)).floats("fcb", {2}, {1, -1});
  auto& conv = b.node("Conv", {"x", "w"}, {"c"}, "conv");
  OnnxBuilder::attr(conv, "auto_pad", std::string("SAME_UPPER"));
  OnnxBuilder::attr(conv, "strides", std::vector<int64_t>{2, 2});
  b.node("BatchNormalization", {"c", "scale", "beta", "mean", "var"}, {"bn"}, "bn");
  b.node("Relu", {"bn"}, {"r"}, "relu");
  OnnxBuilder::attr(b.node("Flatten", {"r"}, {"f"}, "flatten"), "axis", int64_t{1});
  OnnxBuilder::attr(b.node("Gemm", {"f", "fc", "fcb"}, {"y"}, "fc"), "transB", int64_t{1});
  ConvertOptions o;
  o.input_shapes["x"] = {1, 2, 4, 4};
  Converted c = convert(b, "conv_bn.onnx", o);
  ASSERT_TRUE(c.model);
  const fb::Model& m = c.model->fb();
  EXPECT_EQ(m.schema_version(), kSchemaVersion);
  EXPECT_EQ(m.converter()->str(), std::string("saturn-convert ") + kVersion);
  EXPECT_EQ(m.producer()->str(), "saturn-test 1");
  EXPECT_EQ(m.source_sha256()->size(), 64u);
  EXPECT_TRUE(fb::ModelBufferHasIdentifier(c.bytes.data()));
  ASSERT_GE(m.buffers()->size(), 4u);  // empty + W + B + fc + fcb
  EXPECT_TRUE(!m.buffers()->Get(0)->data() || m.buffers()->Get(0)->data()->size() == 0);
  for (uint32_t i = 1; i < m.buffers()->size(); ++i) {
    const auto* data = m.buffers()->Get(i)->data();
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(data->data()) % 64, 0u) << "buffer " << i;
  }
  ASSERT_EQ(c.graph()->nodes()->size(), 3u);
  const fb::Node* cn = c.node(0);
  EXPECT_EQ(cn->name()->str(), "conv");
  ASSERT_EQ(cn->op_type(), fb::Op::Conv);
  const fb::Conv* co = cn->op_as_Conv();
  EXPECT_EQ(std::vector<int32_t>(co->pads()->begin(), co->pads()->end()), (std::vector<int32_t>{0, 0, 1, 1}));
  EXPECT_EQ(std::vector<int32_t>(co->kernel()->begin(), co->kernel()->end()), (std::vector<int32_t>{3, 3}));
  EXPECT_EQ(std::vector<int32_t>(co->dilations()->begin(), co->dilations()->end()), (std::vector<int32_t>{1, 1}));
  EXPECT_EQ(co->group(), 1);
  ASSERT_NE(co->activation(), nullptr);
  EXPECT_EQ(co->activation()->kind(), fb::ActivationKind::Relu);
  ASSERT_EQ(cn->inputs()->size(), 3u);
  EXPECT_EQ(c.tensor(cn->inputs()->Get(0))->name()->str(), "x");
  EXPECT_NE(c.tensor(cn->inputs()->Get(2))->buffer(), 0u);  // the folded bias
  EXPECT_EQ(c.tensor(cn->outputs()->Get(0))->name()->str(), "r");
  const fb::Tensor* r = c.tensor(cn->outputs()->Get(0));
  EXPECT_EQ(std::vector<int64_t>(r->dims()->begin(), r->dims()->end()), (std::vector<int64_t>{1, 3, 2, 2}));
  EXPECT_EQ(c.node(1)->op_type(), fb::Op::Flatten);
  ASSERT_EQ(c.node(2)->op_type(), fb::Op::Gemm);
  EXPECT_TRUE(c.node(2)->op_as_Gemm()->trans_b());
  EXPECT_FLOAT_EQ(c.node(2)->op_as_Gemm()->alpha(), 1.0f);
}

TEST(Writer, EveryUnsupportedNodeIsListedInOneError) {
  OnnxBuilder b(13);
  b.input("x", {1, 4}).output("y");
  b.node("Erf", {"x"}, {"e"}, "erf_node");
  b.node("Relu", {"e"}, {"r"}, "fine");
  b.node("Cos", {"r"}, {"y"}, "cos_node");
  auto r = convert_onnx_file(b.save("unsupported.onnx"), {});
  ASSERT_FALSE(r);
  const std::string msg = r.status().message();
  EXPECT_EQ(msg.rfind("unsupported: 2 node(s) of the model cannot be converted:", 0), 0u) << msg;
  EXPECT_TRUE(contains(msg, "node 'erf_node' (Erf, opset 13): op Erf is not supported")) << msg;
  EXPECT_TRUE(contains(msg, "node 'cos_node' (Cos, opset 13): op Cos is not supported")) << msg;
  EXPECT_FALSE(contains(msg, "'fine'")) << msg;
}

// Thousands of failing nodes (a detection model's NMS): the count per op type, then the first 40.
TEST(Writer, ManyUnsupportedNodesAreSummedUpByOp) {
  OnnxBuilder b(13);
  b.input("x", {1, 4}).output("y");
  std::string in = "x";
  for (int i = 0; i < 45; ++i) {
    const std::string index = std::to_string(i);
    const std::string out = i == 44 ? std::string("y") : std::string("t").append(index);
    b.node(i % 3 == 0 ? "Cos" : "Sin", {in}, {out}, std::string("n").append(index));
    in = out;
  }
  auto r = convert_onnx_file(b.save("many_unsupported.onnx"), {});
  ASSERT_FALSE(r);
  const std::string msg = r.status().message();
  EXPECT_EQ(msg.rfind("unsupported: 45 node(s) of the model cannot be converted:\n  by op: Sin (30), Cos (15)\n", 0),
            0u)
      << msg;
  EXPECT_TRUE(contains(msg, "node 'n39' (Cos, opset 13)")) << msg;
  EXPECT_FALSE(contains(msg, "node 'n40'")) << msg;
  EXPECT_TRUE(contains(msg, "\n  ... and 5 more")) << msg;
}

TEST(Writer, UnsupportedAttributesAreNamed) {
  OnnxBuilder b(13);
  b.input("x", {1, 1, 4, 4}).output("y").output("z");
  b.floats("scales", {4}, {1, 1, 2, 2}).floats("roi", {0}, {});
  auto& rs = b.node("Resize", {"x", "roi", "scales"}, {"y"}, "resize");
  OnnxBuilder::attr(rs, "mode", std::string("cubic"));
  auto& mp = b.node("MaxPool", {"x"}, {"z", "idx"}, "pool");
  OnnxBuilder::attr(mp, "kernel_shape", std::vector<int64_t>{2, 2});
  auto r = convert_onnx_file(b.save("bad_attrs.onnx"), {});
  ASSERT_FALSE(r);
  const std::string msg = r.status().message();
  EXPECT_TRUE(contains(msg, "unsupported: node 'resize' (Resize, opset 13): attribute mode='cubic'")) << msg;
  EXPECT_TRUE(contains(msg, "unsupported: node 'pool' (MaxPool, opset 13): the second output (Indices) is not supported"))
      << msg;
}

TEST(Writer, NonFloatRuntimeInputIsUnsupported) {
  OnnxBuilder b(13);
  b.input("x", {1, 4}, onnx::TensorProto::INT32).output("y", onnx::TensorProto::INT32);
  b.node("Relu", {"x"}, {"y"}, "int_relu");
  auto r = convert_onnx_file(b.save("int_input.onnx"), {});
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.status().message(),
                       "unsupported: node 'int_relu' (Relu, opset 13): input 'x' has type int32, expected float"))
      << r.status().message();
}

TEST(Lowering, ResolvesSliceGatherTransposeSqueezeAndPad) {
  OnnxBuilder b(13);
  b.input("x", {2, 5, 6}).output("y");
  b.ints("st", {2}, {-4, 10}).ints("en", {2}, {INT64_MAX, -100}).ints("ax", {2}, {1, -1}).ints("sp", {2}, {1, -2});
  b.ints("idx", {2}, {-1, 0}).ints("sq", {1}, {0}).ints("pads", {6}, {0, 1, 0, 0, 2, 0});
  b.node("Slice", {"x", "st", "en", "ax", "sp"}, {"s"}, "slice");       // [2, 4, 3]
  OnnxBuilder::attr(b.node("Gather", {"s", "idx"}, {"g"}, "gather"), "axis", int64_t{-1});  // [2, 4, 2]
  b.node("Transpose", {"g"}, {"t"}, "transpose");                           // [2, 4, 2]
  b.node("Unsqueeze", {"t", "sq"}, {"u"}, "unsqueeze");                     // [1, 2, 4, 2]
  b.node("Squeeze", {"u", "sq"}, {"q"}, "squeeze");                         // [2, 4, 2]
  OnnxBuilder::attr(b.node("Pad", {"q", "pads"}, {"y"}, "pad"), "mode", std::string("edge"));  // [2, 7, 2]
  Converted c = convert(b, "shape_ops.onnx");
  ASSERT_TRUE(c.model);
  ASSERT_EQ(c.graph()->nodes()->size(), 6u);
  const fb::Slice* s = c.node(0)->op_as_Slice();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(std::vector<int64_t>(s->starts()->begin(), s->starts()->end()), (std::vector<int64_t>{0, 1, 5}));
  EXPECT_EQ(std::vector<int64_t>(s->ends()->begin(), s->ends()->end()), (std::vector<int64_t>{2, 5, -1}));
  EXPECT_EQ(std::vector<int64_t>(s->steps()->begin(), s->steps()->end()), (std::vector<int64_t>{1, 1, -2}));
  const fb::Node* g = c.node(1);
  EXPECT_EQ(g->op_as_Gather()->axis(), 2);
  ASSERT_EQ(g->inputs()->size(), 2u);
  const fb::Tensor* idx = c.tensor(g->inputs()->Get(1));
  EXPECT_EQ(idx->dtype(), fb::DType::S64);
  const auto* data = c.model->fb().buffers()->Get(idx->buffer())->data();
  ASSERT_EQ(data->size(), 16u);
  int64_t iv[2];
  std::memcpy(iv, data->data(), 16);
  EXPECT_EQ(iv[0], 2);
  EXPECT_EQ(iv[1], 0);
  const fb::Transpose* t = c.node(2)->op_as_Transpose();
  EXPECT_EQ(std::vector<int32_t>(t->perm()->begin(), t->perm()->end()), (std::vector<int32_t>{2, 1, 0}));
  EXPECT_EQ(c.node(3)->op_as_Unsqueeze()->axes()->Get(0), 0);
  EXPECT_EQ(c.node(3)->inputs()->size(), 1u);
  EXPECT_EQ(c.node(4)->op_as_Squeeze()->axes()->Get(0), 0);
  const fb::Pad* p = c.node(5)->op_as_Pad();
  EXPECT_EQ(p->mode(), fb::PadMode::Edge);
  EXPECT_EQ(std::vector<int64_t>(p->pads()->begin(), p->pads()->end()), (std::vector<int64_t>{0, 1, 0, 0, 2, 0}));
}

TEST(Lowering, ResizeConvTransposeAndPoolResolution) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 5, 5}).output("r").output("ct").output("p");
  b.floats("roi", {0}, {}).floats("scales", {0}, {}).ints("sizes", {4}, {1, 2, 10, 15});
  b.floats("wt", {2, 1, 3, 3}, std::vector<float>(18, 1.0f));
  auto& rs = b.node("Resize", {"x", "roi", "scales", "sizes"}, {"r"}, "resize");
  OnnxBuilder::attr(rs, "mode", std::string("linear"));
  OnnxBuilder::attr(rs, "coordinate_transformation_mode", std::string("align_corners"));
  auto& ct = b.node("ConvTranspose", {"x", "wt"}, {"ct"}, "convt");
  OnnxBuilder::attr(ct, "strides", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(ct, "output_shape", std::vector<int64_t>{10, 10});
  auto& pool = b.node("AveragePool", {"x"}, {"p"}, "pool");
  OnnxBuilder::attr(pool, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(pool, "strides", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(pool, "auto_pad", std::string("SAME_LOWER"));
  Converted c = convert(b, "resize.onnx");
  ASSERT_TRUE(c.model);
  const fb::Resize* r = c.node(0)->op_as_Resize();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->mode(), fb::ResizeMode::Linear);
  EXPECT_EQ(r->coordinate_transform(), fb::CoordinateTransform::AlignCorners);
  EXPECT_EQ(std::vector<int64_t>(r->sizes()->begin(), r->sizes()->end()), (std::vector<int64_t>{1, 2, 10, 15}));
  EXPECT_FLOAT_EQ(r->scales()->Get(3), 3.0f);
  EXPECT_EQ(c.node(0)->inputs()->size(), 1u);
  const fb::ConvTranspose* t = c.node(1)->op_as_ConvTranspose();
  ASSERT_NE(t, nullptr);
  // total padding = 2*(5-1) + 0 + 3 - 10 = 1: begin 1, end 0 (not SAME_UPPER).
  EXPECT_EQ(std::vector<int32_t>(t->pads()->begin(), t->pads()->end()), (std::vector<int32_t>{1, 1, 0, 0}));
  const fb::Pool* p = c.node(2)->op_as_Pool();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->kind(), fb::PoolKind::Average);
  // out = ceil(5/2) = 3, total = (3-1)*2 + 2 - 5 = 1, SAME_LOWER puts it first.
  EXPECT_EQ(std::vector<int32_t>(p->pads()->begin(), p->pads()->end()), (std::vector<int32_t>{1, 1, 0, 0}));
  EXPECT_FALSE(p->count_include_pad());
}

TEST(OpTable, ListsOnlyLoweredOps) {
  const auto& ops = supported_onnx_ops();
  auto find = [&](const std::string& op) -> const OnnxOpSupport* {
    for (const auto& o : ops)
      if (o.op_type == op) return &o;
    return nullptr;
  };
  ASSERT_NE(find("Conv"), nullptr);
  EXPECT_EQ(find("Conv")->min_opset, 9);
  EXPECT_EQ(find("Conv")->max_opset, 17);
  ASSERT_NE(find("HardSwish"), nullptr);
  EXPECT_EQ(find("HardSwish")->min_opset, 14);
  ASSERT_NE(find("Upsample"), nullptr);
  EXPECT_EQ(find("Upsample")->max_opset, 9);
  EXPECT_EQ(find("BatchNormalization"), nullptr);  // handled by a pass, not lowered
  EXPECT_EQ(find("Erf"), nullptr);
}

}  // namespace
}  // namespace saturn::converter
