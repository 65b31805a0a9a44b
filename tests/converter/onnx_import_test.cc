// ONNX import: file errors, checker, opsets, input shapes.
#include "converter/onnx_import.h"

#include <gtest/gtest.h>

#include <fstream>

#include "converter/convert.h"
#include "tests/converter/onnx_builder.h"

namespace saturn::converter {
namespace {

using testing::OnnxBuilder;

OnnxBuilder relu_model(std::vector<int64_t> dims, int64_t opset = 13) {
  OnnxBuilder b(opset);
  b.input("x", dims).output("y");
  b.node("Relu", {"x"}, {"y"}, "relu");
  return b;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(OnnxImport, MissingFileNamesPath) {
  auto r = convert_onnx_file("/nonexistent/model.onnx", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().message(), "cannot open ONNX file '/nonexistent/model.onnx'");
}

TEST(OnnxImport, MalformedFileNamesPath) {
  const std::string path = ::testing::TempDir() + "/malformed.onnx";
  std::ofstream(path, std::ios::binary) << "\x08\x07garbage that is not a protobuf \xff\xff\xff";
  auto r = convert_onnx_file(path, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().message(),
            "'" + path + "' is not a valid ONNX model (the protobuf ModelProto does not parse)");
}

TEST(OnnxImport, CheckerErrorsAreReported) {
  OnnxBuilder b = relu_model({1, 4});
  b.node("Relu", {"missing"}, {"z"}, "bad");  // input produced by nobody
  auto r = import_onnx_model(b.model(), {}, "'m.onnx'");
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.status().message(), "'m.onnx': the ONNX checker rejects the model: ")) << r.status().message();
}

TEST(OnnxImport, OpsetOutOfRange) {
  auto r = import_onnx_model(relu_model({1, 4}, 18).model(), {}, "'m.onnx'");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().message(),
            "unsupported: 'm.onnx': ONNX opset 18 (the converter accepts opsets 9 to 17)");
  auto r8 = import_onnx_model(relu_model({1, 4}, 8).model(), {}, "'m.onnx'");
  ASSERT_FALSE(r8);
  EXPECT_TRUE(contains(r8.status().message(), "ONNX opset 8")) << r8.status().message();
}

TEST(OnnxImport, DynamicDimWithoutInputShapeIsAnError) {
  auto r = import_onnx_model(relu_model({-1, 4}).model(), {}, "'m.onnx'");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().message(),
            "'m.onnx': graph input 'x' dim 0 ('d0') is dynamic; fix it with --input-shape x=d0,d1,...");
}

TEST(OnnxImport, InputShapeFixesDynamicDims) {
  ConvertOptions o;
  o.input_shapes["x"] = {2, 4};
  auto r = import_onnx_model(relu_model({-1, 4}).model(), o, "'m.onnx'");
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(r->find("x")->dims, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(r->find("y")->dims, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(r->inputs, std::vector<std::string>{"x"});
  EXPECT_EQ(r->nodes.size(), 1u);
  EXPECT_EQ(r->nodes[0].opset, 13);
}

TEST(OnnxImport, InputShapeErrors) {
  ConvertOptions unknown;
  unknown.input_shapes["nope"] = {1, 4};
  auto r1 = import_onnx_model(relu_model({-1, 4}).model(), unknown, "'m.onnx'");
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.status().message(), "'m.onnx': --input-shape names 'nope', which is not a graph input (inputs: x)");

  ConvertOptions rank;
  rank.input_shapes["x"] = {1, 4, 1};
  auto r2 = import_onnx_model(relu_model({-1, 4}).model(), rank, "'m.onnx'");
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.status().message(),
            "'m.onnx': --input-shape x=[1,4,1] has rank 3, but the model's input 'x' has rank 2");

  ConvertOptions clash;
  clash.input_shapes["x"] = {1, 5};
  auto r3 = import_onnx_model(relu_model({-1, 4}).model(), clash, "'m.onnx'");
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.status().message(), "'m.onnx': --input-shape x dim 1 is 5, but the model fixes it to 4");
}

TEST(OnnxImport, InitializerListedAsInputIsConstant) {
  OnnxBuilder b(11);
  b.input("x", {1, 4}).input("w", {1, 4}).output("y");
  b.floats("w", {1, 4}, {1, 2, 3, 4});
  b.model().set_ir_version(3);
  b.node("Add", {"x", "w"}, {"y"}, "add");
  auto r = import_onnx_model(b.model(), {}, "'m.onnx'");
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(r->inputs, std::vector<std::string>{"x"});
  ASSERT_NE(r->constant("w"), nullptr);
  EXPECT_EQ(r->constant("w")->as_doubles(), (std::vector<double>{1, 2, 3, 4}));
}

TEST(OnnxImport, ExternalDataIsUnsupported) {
  OnnxBuilder b(13);
  b.input("x", {1, 4}).output("y");
  auto* t = b.model().mutable_graph()->add_initializer();
  t->set_name("w");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(4);
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* e = t->add_external_data();
  e->set_key("location");
  e->set_value("weights.bin");
  b.node("Add", {"x", "w"}, {"y"}, "add");
  auto r = import_onnx_model(b.model(), {}, "'m.onnx'");
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.status().message(), "external data is not supported")) << r.status().message();
}

}  // namespace
}  // namespace saturn::converter
