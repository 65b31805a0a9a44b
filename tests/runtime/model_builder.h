// ModelBuilder: builds small Saturn models in memory for tests (header-only; any test area may use it
// through #include "tests/runtime/model_builder.h").
//
//   ModelBuilder b;
//   int x = b.add_input("x", {1, 4}, fb::DType::F32);
//   int y = b.add_tensor("y", {1, 4});
//   b.add_unary("relu", x, y, fb::ActivationKind::Relu);
//   b.add_output(y);
//   std::vector<uint8_t> bytes = b.finish();   // then Model::from_bytes(bytes)
//
// Everything is kept in plain public structs until finish(), so a test can break one rule on
// purpose (an index out of range, a wrong buffer size, ...) before serializing. finish() does no
// validation: it writes exactly what the specs say. Buffer 0 is the empty "no data" buffer;
// add_constant() appends a new 64-byte aligned buffer per constant.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "saturn/schema/saturn_generated.h"
#include "saturn/version.h"

namespace saturn::testing {

class ModelBuilder {
 public:
  struct QuantSpec {
    std::vector<float> scales;
    int axis = -1;
    float threshold = 0.f;
  };
  struct TensorSpec {
    std::string name;
    std::vector<int64_t> dims;
    fb::DType dtype = fb::DType::F32;
    uint32_t buffer = 0;
    std::optional<QuantSpec> quant;
  };
  // Serializes the node's op table into the builder; returns the union type and offset.
  using OpFn = std::function<std::pair<fb::Op, flatbuffers::Offset<void>>(flatbuffers::FlatBufferBuilder&)>;
  struct NodeSpec {
    std::string name;
    OpFn op;
    std::vector<int32_t> inputs;
    std::vector<int32_t> outputs;
  };

  std::vector<TensorSpec> tensors;
  std::vector<NodeSpec> nodes;
  std::vector<std::vector<uint8_t>> buffers{{}};  // buffer 0: empty
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  uint32_t schema_version = kSchemaVersion;
  bool align_buffers = true;  // false: write buffer data without force_align (for loader tests)
  std::string description = "test model";

  int add_tensor(const std::string& name, std::vector<int64_t> dims, fb::DType dtype = fb::DType::F32) {
    tensors.push_back({name, std::move(dims), dtype, 0, std::nullopt});
    return static_cast<int>(tensors.size()) - 1;
  }
  int add_input(const std::string& name, std::vector<int64_t> dims, fb::DType dtype = fb::DType::F32) {
    const int t = add_tensor(name, std::move(dims), dtype);
    inputs.push_back(t);
    return t;
  }
  void add_output(int t) { outputs.push_back(t); }

  // A constant tensor holding `values` (their raw bytes) in a new buffer.
  template <typename T>
  int add_constant(const std::string& name, std::vector<int64_t> dims, fb::DType dtype, const std::vector<T>& values) {
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    buffers.push_back(std::move(bytes));
    const int t = add_tensor(name, std::move(dims), dtype);
    tensors[t].buffer = static_cast<uint32_t>(buffers.size() - 1);
    return t;
  }

  void set_quant(int t, std::vector<float> scales, int axis = -1, float threshold = 0.f) {
    tensors[t].quant = QuantSpec{std::move(scales), axis, threshold};
  }

  void add_node(const std::string& name, OpFn op, std::vector<int32_t> in, std::vector<int32_t> out) {
    nodes.push_back({name, std::move(op), std::move(in), std::move(out)});
  }
  void add_identity(const std::string& name, int in, int out) {
    add_node(name, [](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(fb::Op::Identity, fb::CreateIdentity(fbb).Union());
    }, {in}, {out});
  }
  void add_unary(const std::string& name, int in, int out, fb::ActivationKind kind, float alpha = 0.f,
                 float beta = 0.f) {
    add_node(name, [=](flatbuffers::FlatBufferBuilder& fbb) {
      auto act = fb::CreateActivation(fbb, kind, alpha, beta);
      return std::make_pair(fb::Op::Unary, fb::CreateUnary(fbb, act).Union());
    }, {in}, {out});
  }

  void add_binary(const std::string& name, int a, int b, int out, fb::BinaryKind kind) {
    add_node(name, [=](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(fb::Op::Binary, fb::CreateBinary(fbb, kind).Union());
    }, {a, b}, {out});
  }

  std::vector<uint8_t> finish() const {
    flatbuffers::FlatBufferBuilder fbb;
    std::vector<flatbuffers::Offset<fb::Buffer>> buffer_offsets;
    for (const auto& data : buffers) {
      if (data.empty()) {
        buffer_offsets.push_back(fb::CreateBuffer(fbb));
      } else if (align_buffers) {
        buffer_offsets.push_back(fb::CreateBufferDirect(fbb, &data));
      } else {
        buffer_offsets.push_back(fb::CreateBuffer(fbb, fbb.CreateVector(data)));
      }
    }
    std::vector<flatbuffers::Offset<fb::Tensor>> tensor_offsets;
    for (const TensorSpec& t : tensors) {
      flatbuffers::Offset<fb::QuantParams> quant = 0;
      if (t.quant) {
        quant = fb::CreateQuantParamsDirect(fbb, &t.quant->scales, t.quant->axis, t.quant->threshold);
      }
      tensor_offsets.push_back(fb::CreateTensorDirect(fbb, t.name.c_str(), &t.dims, t.dtype, quant, t.buffer));
    }
    std::vector<flatbuffers::Offset<fb::Node>> node_offsets;
    for (const NodeSpec& n : nodes) {
      const auto [type, op] = n.op ? n.op(fbb) : std::make_pair(fb::Op::NONE, flatbuffers::Offset<void>());
      node_offsets.push_back(fb::CreateNodeDirect(fbb, n.name.c_str(), type, op, &n.inputs, &n.outputs));
    }
    auto graph = fb::CreateGraphDirect(fbb, &tensor_offsets, &node_offsets, &inputs, &outputs);
    auto model = fb::CreateModelDirect(fbb, schema_version, "tests", "model_builder", "", description.c_str(), graph,
                                       &buffer_offsets);
    fb::FinishModelBuffer(fbb, model);
    return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  }
};

// Raw bytes of a float vector, for Session inputs and constants.
inline std::vector<uint8_t> float_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(float));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

}  // namespace saturn::testing
