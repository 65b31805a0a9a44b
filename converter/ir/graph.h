// The converter's intermediate representation: a small, mutable graph of named tensors and nodes.
//
// Contract:
//   - Tensors are identified by name (unique in the graph). A tensor with `data` is a constant; its
//     bytes are little-endian, dense, row-major in `dims`, of element type `dtype`.
//   - dims: one entry per axis; -1 marks a dim that is not (yet) known. `has_shape` is false when not
//     even the rank is known.
//   - Node inputs/outputs name tensors; an empty string marks an absent optional input.
//   - `opset` of a node is the model's opset for the node's domain ("" = default ONNX domain).
//   - `fused` is an activation applied to the node's (single) output, set by the activation fusion
//     pass; kNone otherwise.
// Nodes are kept in a topological order by the importer and by every pass.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace saturn::converter::ir {

// Element types; the numeric values are ONNX's TensorProto.DataType.
enum class ElemType : int32_t {
  kUndefined = 0, kFloat = 1, kUint8 = 2, kInt8 = 3, kUint16 = 4, kInt16 = 5, kInt32 = 6,
  kInt64 = 7, kString = 8, kBool = 9, kFloat16 = 10, kDouble = 11, kUint32 = 12, kUint64 = 13,
};
// Bytes per element; 0 for types the converter cannot hold as constant data (string, undefined).
size_t elem_size(ElemType t);
const char* elem_name(ElemType t);

struct Tensor {
  std::string name;
  ElemType dtype = ElemType::kUndefined;
  bool has_shape = false;
  std::vector<int64_t> dims;
  std::optional<std::vector<uint8_t>> data;

  bool is_constant() const { return data.has_value(); }
  bool is_static() const;      // has_shape and every dim >= 0
  int64_t numel() const;       // product of dims (-1 if not static)
  // Constant contents converted element-wise (the tensor must be a numeric constant).
  std::vector<double> as_doubles() const;
  std::vector<int64_t> as_int64s() const;
};

// Builds a constant tensor from values; `dtype` chooses the stored type.
Tensor make_constant(const std::string& name, ElemType dtype, std::vector<int64_t> dims,
                     const std::vector<double>& values);
Tensor make_constant_i64(const std::string& name, std::vector<int64_t> dims, const std::vector<int64_t>& values);
Tensor make_constant_f32(const std::string& name, std::vector<int64_t> dims, const std::vector<float>& values);
std::vector<float> as_floats(const Tensor& t);

struct Attribute {
  enum class Kind { kInt, kFloat, kString, kInts, kFloats, kStrings, kTensor, kOther };
  Kind kind = Kind::kOther;
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  std::shared_ptr<Tensor> t;   // kTensor
};
const char* attribute_kind_name(Attribute::Kind k);
Attribute int_attribute(int64_t v);
Attribute float_attribute(float v);

enum class ActivationKind {
  kNone = 0, kRelu, kClip, kSigmoid, kHardSigmoid, kHardSwish, kLeakyRelu, kTanh, kSwish, kGelu
};
// y = scale * f(x) + shift with f given by kind, alpha, beta (schema/saturn.fbs, ActivationKind);
// the affine tail (scale, shift) is set by fold_affine_tails (converter/passes/passes.h).
struct Activation {
  ActivationKind kind = ActivationKind::kNone;
  float alpha = 0;
  float beta = 0;
  float scale = 1.f, shift = 0.f;

  bool has_tail() const { return scale != 1.f || shift != 0.f; }
};

struct Node {
  std::string op_type;
  std::string name;
  std::string domain;
  int64_t opset = 0;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::map<std::string, Attribute> attrs;
  Activation fused;

  const Attribute* attr(const std::string& key) const;
  // Typed getters with a default when the attribute is absent (kind is not checked here; the
  // lowering validates kinds).
  int64_t attr_int(const std::string& key, int64_t def) const;
  float attr_float(const std::string& key, float def) const;
  std::string attr_string(const std::string& key, const std::string& def) const;
  std::vector<int64_t> attr_ints(const std::string& key, const std::vector<int64_t>& def) const;
  std::string input(size_t i) const { return i < inputs.size() ? inputs[i] : std::string(); }
};

// A default-domain node with the given fields and no attributes.
Node make_node(std::string op_type, std::string name, int64_t opset, std::vector<std::string> inputs,
               std::vector<std::string> outputs);

struct Graph {
  std::map<std::string, Tensor> tensors;
  std::vector<Node> nodes;
  std::vector<std::string> inputs;     // runtime graph inputs (initializers excluded)
  std::vector<std::string> outputs;
  std::map<std::string, int64_t> opset_imports;  // domain -> version
  int64_t ir_version = 0;
  std::string producer_name;
  std::string producer_version;

  Tensor* find(const std::string& name);
  const Tensor* find(const std::string& name) const;
  const Tensor* constant(const std::string& name) const;  // nullptr unless a constant
  bool is_graph_output(const std::string& name) const;
  // A tensor name not yet used in the graph, derived from `base`.
  std::string unique_name(const std::string& base) const;
  // For every tensor name, the indices of the nodes that read it (one entry per use).
  std::map<std::string, std::vector<size_t>> consumers() const;
  // Index of the node producing each tensor.
  std::map<std::string, size_t> producers() const;
  // Reorders nodes topologically (stable); fails if the graph has a cycle.
  bool sort_topologically();
  // Removes the nodes whose flag in `marked` (one per node) is set, keeping the others in order.
  void erase_nodes(const std::vector<bool>& marked);
  // Removes tensors that no node, graph input or graph output references.
  void drop_unused_tensors();
};

}  // namespace saturn::converter::ir
