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
#include "tests/converter/onnx_builder.h"

namespace saturn::converter::testing {

inline std::vector<float> random_values(size_t n, uint32_t seed, float mean = 0.f, float sd = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(mean, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
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

}  // namespace saturn::converter::testing
