// Op lowering: one function per ONNX op that reads and validates the node's attributes and inputs
// and builds the schema's option table (schema/saturn.fbs) with every attribute resolved.
//
// A lowering function returns the op union type, its option table, and the node's runtime input
// list in the order the schema documents for the op (inputs folded into options, e.g. a Reshape
// target, are dropped; absent optional inputs are ""). Rejections of ops, attributes or values
// the runtime does not support are errors beginning with "unsupported: node '<name>' (<op>, opset
// <n>): "; a malformed node gets "node '<name>' (<op>, opset <n>): ...".
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <set>
#include <string>
#include <vector>

#include "converter/ir/graph.h"
#include "saturn/schema/saturn_generated.h"
#include "saturn/status.h"

namespace saturn::converter {

struct LoweredNode {
  fb::Op op = fb::Op::NONE;
  flatbuffers::Offset<void> options;
  std::vector<std::string> inputs;
  // Inputs (by position in `inputs`) that may be integer constants (Gather indices, stored S64).
  std::set<size_t> index_inputs;
  // Constants the lowering created (e.g. normalized Gather indices), added to the graph's tensors.
  std::vector<ir::Tensor> new_constants;
};

inline LoweredNode make_lowered(fb::Op op, flatbuffers::Offset<void> options, std::vector<std::string> inputs) {
  LoweredNode n;
  n.op = op;
  n.options = options;
  n.inputs = std::move(inputs);
  return n;
}

class LowerContext {
 public:
  LowerContext(const ir::Graph& graph, const ir::Node& node, flatbuffers::FlatBufferBuilder& fbb)
      : graph(graph), node(node), fbb(fbb) {}

  const ir::Graph& graph;
  const ir::Node& node;
  flatbuffers::FlatBufferBuilder& fbb;

  Status unsupported(const std::string& what) const;
  Status invalid(const std::string& what) const;
  // Every attribute of the node must be in `known`.
  Status check_attrs(const std::set<std::string>& known) const;
  // Input i as a tensor with static dims (error otherwise).
  Result<const ir::Tensor*> input(size_t i) const;
  Result<const ir::Tensor*> output(size_t i) const;
  // Input i as a constant (nullptr when the input is absent/empty; error when it is not constant).
  Result<const ir::Tensor*> constant_input(size_t i, const std::string& role) const;
  // The node's fused activation as a schema table (0 when none).
  flatbuffers::Offset<fb::Activation> fused_activation();
  flatbuffers::Offset<fb::Activation> activation(const ir::Activation& a);
};

std::string attribute_value_string(const ir::Attribute& a);
std::vector<int32_t> to_int32(const std::vector<int64_t>& v);

using LowerFn = Result<LoweredNode> (*)(LowerContext&);

struct OpLowering {
  const char* op_type;
  int min_opset;
  int max_opset;
  LowerFn lower;
};

// The op table: every ONNX op (default domain) the converter lowers, with its opset range.
const std::vector<OpLowering>& op_lowerings();

// Nodes the converter itself creates carry this domain, which no ONNX model uses; their op types are
// "Quantize" (F32 -> S8/U8 with the output's scale) and "Dequantize" (S8/U8/S32 -> F32 with the
// input's scale), made by the INT8 pass (converter/quantize), and "ChannelShuffle" (attribute
// groups; fuse_channel_shuffles, converter/passes/passes.h), one input and one output, any opset.
inline constexpr const char* kInternalDomain = "saturn.internal";
// The entry for `node`, or an "unsupported" error naming the op, domain and opset.
Result<const OpLowering*> find_lowering(const ir::Node& node);

// Lowering functions, by file.
// lower_spatial.cc. Conv takes an optional 4th input R (a residual with the output's dims, added
// before the activation; created by the INT8 pass's residual fusion, never by ONNX).
Result<LoweredNode> lower_conv(LowerContext& c);
Result<LoweredNode> lower_conv_transpose(LowerContext& c);
Result<LoweredNode> lower_pool(LowerContext& c);
Result<LoweredNode> lower_global_pool(LowerContext& c);
// lower_eltwise.cc. lower_unary also lowers the internal Activation (passes.h split_table_activations).
Result<LoweredNode> lower_unary(LowerContext& c);
Result<LoweredNode> lower_binary(LowerContext& c);
Result<LoweredNode> lower_softmax(LowerContext& c);
Result<LoweredNode> lower_identity(LowerContext& c);
// lower_linear.cc
Result<LoweredNode> lower_gemm(LowerContext& c);
Result<LoweredNode> lower_matmul(LowerContext& c);
Result<LoweredNode> lower_concat(LowerContext& c);
Result<LoweredNode> lower_reduce_mean(LowerContext& c);
Result<LoweredNode> lower_layer_norm(LowerContext& c);
// lower_shape.cc
Result<LoweredNode> lower_reshape(LowerContext& c);
Result<LoweredNode> lower_flatten(LowerContext& c);
Result<LoweredNode> lower_transpose(LowerContext& c);
Result<LoweredNode> lower_squeeze(LowerContext& c);
Result<LoweredNode> lower_unsqueeze(LowerContext& c);
Result<LoweredNode> lower_slice(LowerContext& c);
Result<LoweredNode> lower_pad(LowerContext& c);
Result<LoweredNode> lower_gather(LowerContext& c);
Result<LoweredNode> lower_channel_shuffle(LowerContext& c);  // domain kInternalDomain
// lower_quant.cc (domain kInternalDomain)
Result<LoweredNode> lower_quantize(LowerContext& c);
Result<LoweredNode> lower_dequantize(LowerContext& c);
// lower_resize.cc
Result<LoweredNode> lower_resize(LowerContext& c);
Result<LoweredNode> lower_upsample(LowerContext& c);

}  // namespace saturn::converter
