// The node and initializer list that the QDQ exporter (converter/qdq/qdq_export.h) builds, and its
// serialisation into an ONNX ModelProto.
//
// Contract:
//   - Nodes are default-domain ONNX nodes in the model's single opset (`opset`), appended in
//     topological order; their `opset` field is ignored. Initializers are constant ir::Tensors.
//   - Every name the builder makes (fresh()) is unique among the source graph's tensors and the
//     names made before; the builder does not rename anything it is given.
//   - Scale and zero-point initializers are made per call (no sharing); scales are float, zero
//     points are 0 of the quantized type (uint8, int8 or int32), with one value per scale.
#pragma once

#include <onnx/onnx_pb.h>

#include <set>
#include <string>
#include <vector>

#include "converter/ir/graph.h"
#include "converter/quantize/quant_params.h"
#include "saturn/status.h"

namespace saturn::converter::qdq {

class QdqBuilder {
 public:
  QdqBuilder(const ir::Graph& source, int64_t opset);

  int64_t opset() const { return opset_; }
  // A name not used in the source graph nor made before, derived from `base`.
  std::string fresh(const std::string& base);
  // A node name not made before (node names are a namespace of their own), derived from `base`.
  std::string fresh_node(const std::string& base);

  // Appends a node; returns it for attributes.
  ir::Node& add_node(const std::string& op_type, const std::string& name, std::vector<std::string> inputs,
                     std::vector<std::string> outputs);
  void add_initializer(ir::Tensor t);
  // A fresh float initializer with the given dims and values; returns its name.
  std::string add_f32(const std::string& base, std::vector<int64_t> dims, const std::vector<float>& values);
  std::string add_i64(const std::string& base, std::vector<int64_t> dims, const std::vector<int64_t>& values);

  // QuantizeLinear(x_float) -> DequantizeLinear -> `out` (float), with q's per-tensor scale and
  // zero point 0 of `type` (kUint8 or kInt8). Fails for per-axis q or other types.
  Status add_quant_dequant(const std::string& x_float, const TensorQuant& q, ir::ElemType type, const std::string& out,
                           const std::string& node_base);
  // DequantizeLinear of the quantized constant `c` (s8 or s32 data copied as is) -> `out` (float):
  // per-axis when q.axis >= 0 (attribute axis, scale of dims[axis] values), else per tensor.
  Status add_constant_dequant(const ir::Tensor& c, const TensorQuant& q, const std::string& out);

  // Graph inputs and outputs (value infos from the given tensors, which must be float).
  void add_input(const ir::Tensor& t) { inputs_.push_back(t); }
  void add_output(const ir::Tensor& t) { outputs_.push_back(t); }

  // The ModelProto (IR version 8, opset_import {"": opset}); nodes with attributes that cannot be
  // serialised are errors naming the node.
  Result<onnx::ModelProto> to_model(const std::string& graph_name) const;

 private:
  int64_t opset_;
  std::set<std::string> used_, used_nodes_;
  std::vector<ir::Node> nodes_;
  std::vector<ir::Tensor> initializers_;
  std::vector<ir::Tensor> inputs_, outputs_;
};

}  // namespace saturn::converter::qdq
