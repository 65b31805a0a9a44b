// Helpers of the INT8 converter tests: convert with calibration data in memory and look into the
// written model.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "saturn/model.h"
#include "saturn/schema/saturn_generated.h"
#include "saturn/session.h"
#include "tests/converter/onnx_builder.h"

namespace saturn::converter::testing {

inline std::vector<float> random_values(size_t n, uint32_t seed, float mean = 0.f, float sd = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(mean, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// N(0, 1) calibration samples for input `name` of shape `dims` (N first).
inline calibrate::CalibrationInput samples(const std::string& name, std::vector<int64_t> dims, uint32_t seed) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return {name, dims, random_values(static_cast<size_t>(n), seed)};
}

// x [1,4,4,4] -> conv1 3x3 (pads 1) -> Relu = r1 -> conv2 1x1 -> Add(., r1) -> Relu -> conv3 1x1 (2) = y:
// a residual block whose Add fuses into conv2.
inline OnnxBuilder residual_block_model() {
  OnnxBuilder b(13);
  b.input("x", {1, 4, 4, 4}).output("y");
  b.floats("w1", {4, 4, 3, 3}, random_values(144, 7, 0.f, 0.2f)).floats("w2", {4, 4, 1, 1}, random_values(16, 8, 0.f, 0.5f));
  b.floats("b2", {4}, {0.1f, 0.2f, 0.3f, 0.4f}).floats("w3", {2, 4, 1, 1}, random_values(8, 9, 0.f, 0.5f));
  auto& c1 = b.node("Conv", {"x", "w1"}, {"c1"}, "conv1");
  OnnxBuilder::attr(c1, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  b.node("Conv", {"r1", "w2", "b2"}, {"c2"}, "conv2");
  b.node("Add", {"c2", "r1"}, {"s"}, "add");
  b.node("Relu", {"s"}, {"sr"}, "relu2");
  b.node("Conv", {"sr", "w3"}, {"y"}, "conv3");
  return b;
}

struct Int8Model {
  std::vector<uint8_t> bytes;
  std::shared_ptr<const Model> model;
  ConvertReport report;
  const fb::Graph& graph() const { return *model->fb().graph(); }
  const fb::Tensor* tensor(const std::string& name) const {
    for (const auto* t : *graph().tensors())
      if (t->name()->str() == name) return t;
    return nullptr;
  }
  const fb::Tensor* tensor(int32_t index) const { return index < 0 ? nullptr : graph().tensors()->Get(index); }
  const fb::Node* node(const std::string& name) const {
    for (const auto* n : *graph().nodes())
      if (n->name() && n->name()->str() == name) return n;
    return nullptr;
  }
  const fb::Tensor* input(const fb::Node* n, uint32_t i) const { return tensor(n->inputs()->Get(i)); }
  const fb::Tensor* output(const fb::Node* n, uint32_t i = 0) const { return tensor(n->outputs()->Get(i)); }
  int count(fb::Op op) const {
    int c = 0;
    for (const auto* n : *graph().nodes()) c += n->op_type() == op;
    return c;
  }
  std::vector<std::string> ops() const {
    std::vector<std::string> v;
    for (const auto* n : *graph().nodes()) v.push_back(fb::EnumNameOp(n->op_type()));
    return v;
  }
};

inline float scale_of(const fb::Tensor* t) {
  return t && t->quant() && t->quant()->scale() && t->quant()->scale()->size() ? t->quant()->scale()->Get(0) : -1.f;
}

// Converts `onnx_path` to INT8 with `data` as the calibration set; the error (if any) in *error.
inline Result<Int8Model> convert_int8(const std::string& onnx_path, std::vector<calibrate::CalibrationInput> data,
                                      ConvertOptions options) {
  options.int8.enabled = true;
  // Results must not depend on the test machine's CPU: kAuto means full range here; the reduced
  // range is tested by asking for it.
  if (options.int8.weight_range == WeightRange::kAuto) options.int8.weight_range = WeightRange::kFull;
  if (!options.int8.load_calibration)
    options.int8.load_calibration = [data]() -> Result<std::vector<calibrate::CalibrationInput>> { return data; };
  Int8Model m;
  auto r = convert_onnx_file(onnx_path, options, &m.report);
  if (!r) return r.status();
  m.bytes = r.value();
  auto model = Model::from_bytes(m.bytes, onnx_path);
  if (!model) return model.status();
  m.model = model.value();
  return m;
}

// Runs a model's bytes on one F32 input `x` and returns its first output (empty after a failure,
// which is reported).
inline std::vector<float> run_model(const std::vector<uint8_t>& bytes, const std::vector<float>& x) {
  auto model = Model::from_bytes(bytes);
  EXPECT_TRUE(model) << model.status().message();
  if (!model) return {};
  auto session = Session::create(model.value());
  EXPECT_TRUE(session) << session.status().message();
  if (!session) return {};
  std::vector<float> y(session.value()->outputs()[0].bytes() / sizeof(float));
  const void* in[] = {x.data()};
  void* out[] = {y.data()};
  const Status st = session.value()->run(in, out);
  EXPECT_TRUE(st) << st.message();
  return y;
}

}  // namespace saturn::converter::testing
