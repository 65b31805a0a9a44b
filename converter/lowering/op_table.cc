// The op table and the lowering helpers shared by every lowering file.
#include <cmath>
#include <sstream>

#include "converter/lowering/lowering.h"
#include "converter/shape_rules.h"

namespace saturn::converter {

const std::vector<OpLowering>& op_lowerings() {
  static const std::vector<OpLowering> kTable = {
      {"Conv", 9, 17, lower_conv},
      {"ConvTranspose", 9, 17, lower_conv_transpose},
      {"Gemm", 9, 17, lower_gemm},
      {"MatMul", 9, 17, lower_matmul},
      {"MaxPool", 9, 17, lower_pool},
      {"AveragePool", 9, 17, lower_pool},
      {"GlobalAveragePool", 9, 17, lower_global_pool},
      {"GlobalMaxPool", 9, 17, lower_global_pool},
      {"Relu", 9, 17, lower_unary},
      {"Clip", 9, 17, lower_unary},
      {"Sigmoid", 9, 17, lower_unary},
      {"HardSigmoid", 9, 17, lower_unary},
      {"HardSwish", 14, 17, lower_unary},
      {"LeakyRelu", 9, 17, lower_unary},
      {"Tanh", 9, 17, lower_unary},
      {"Add", 9, 17, lower_binary},
      {"Sub", 9, 17, lower_binary},
      {"Mul", 9, 17, lower_binary},
      {"Div", 9, 17, lower_binary},
      {"Softmax", 9, 17, lower_softmax},
      {"Concat", 9, 17, lower_concat},
      {"ReduceMean", 9, 17, lower_reduce_mean},
      {"LayerNormalization", 17, 17, lower_layer_norm},
      {"Resize", 10, 17, lower_resize},
      {"Upsample", 9, 9, lower_upsample},
      {"Reshape", 9, 17, lower_reshape},
      {"Flatten", 9, 17, lower_flatten},
      {"Transpose", 9, 17, lower_transpose},
      {"Squeeze", 9, 17, lower_squeeze},
      {"Unsqueeze", 9, 17, lower_unsqueeze},
      {"Slice", 9, 17, lower_slice},
      {"Pad", 9, 17, lower_pad},
      {"Gather", 9, 17, lower_gather},
      {"Identity", 9, 17, lower_identity},
  };
  return kTable;
}

Result<const OpLowering*> find_lowering(const ir::Node& node) {
  const std::string where = "unsupported: node '" + node.name + "' (" +
                            (node.domain.empty() ? "" : node.domain + ".") + node.op_type + ", opset " +
                            std::to_string(node.opset) + "): ";
  if (node.domain == kInternalDomain) {
    static const std::vector<OpLowering> kInternal = {
        {"Quantize", 0, 1 << 30, lower_quantize},
        {"Dequantize", 0, 1 << 30, lower_dequantize},
        {"ChannelShuffle", 0, 1 << 30, lower_channel_shuffle},
        {"Gelu", 0, 1 << 30, lower_unary},
        {"Activation", 0, 1 << 30, lower_unary},
    };
    for (const auto& e : kInternal)
      if (node.op_type == e.op_type) return &e;
  }
  if (!node.domain.empty()) return Status::error(where + "ops of domain '" + node.domain + "' are not supported");
  for (const auto& e : op_lowerings())
    if (node.op_type == e.op_type) {
      if (node.opset < e.min_opset || node.opset > e.max_opset)
        return Status::error(where + "supported for opsets " + std::to_string(e.min_opset) + " to " +
                             std::to_string(e.max_opset) + " only");
      return &e;
    }
  return Status::error(where + "op " + node.op_type + " is not supported");
}

std::string attribute_value_string(const ir::Attribute& a) {
  std::ostringstream os;
  auto list = [&](const auto& v) {
    os << "[";
    for (size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
    os << "]";
  };
  switch (a.kind) {
    case ir::Attribute::Kind::kInt: os << a.i; break;
    case ir::Attribute::Kind::kFloat: os << a.f; break;
    case ir::Attribute::Kind::kString: os << "'" << a.s << "'"; break;
    case ir::Attribute::Kind::kInts: list(a.ints); break;
    case ir::Attribute::Kind::kFloats: list(a.floats); break;
    case ir::Attribute::Kind::kStrings: list(a.strings); break;
    case ir::Attribute::Kind::kTensor: os << "<tensor " << dims_to_string(a.t->dims) << ">"; break;
    default: os << "<" << attribute_kind_name(a.kind) << ">"; break;
  }
  return os.str();
}

std::vector<int32_t> to_int32(const std::vector<int64_t>& v) { return std::vector<int32_t>(v.begin(), v.end()); }

Status LowerContext::unsupported(const std::string& what) const {
  return Status::error("unsupported: node '" + node.name + "' (" + node.op_type + ", opset " +
                       std::to_string(node.opset) + "): " + what);
}

Status LowerContext::invalid(const std::string& what) const {
  return Status::error("node '" + node.name + "' (" + node.op_type + ", opset " + std::to_string(node.opset) +
                       "): " + what);
}

Status LowerContext::check_attrs(const std::set<std::string>& known) const {
  for (const auto& [key, a] : node.attrs)
    if (!known.count(key)) return unsupported("attribute " + key + "=" + attribute_value_string(a));
  return Status::ok();
}

Result<const ir::Tensor*> LowerContext::input(size_t i) const {
  const std::string name = node.input(i);
  if (name.empty()) return invalid("input " + std::to_string(i) + " is missing");
  const ir::Tensor* t = graph.find(name);
  if (!t || !t->is_static())
    return invalid("input '" + name + "' has unknown dims (shape inference could not resolve them)");
  return t;
}

Result<const ir::Tensor*> LowerContext::output(size_t i) const {
  const std::string name = i < node.outputs.size() ? node.outputs[i] : "";
  const ir::Tensor* t = name.empty() ? nullptr : graph.find(name);
  if (!t || !t->is_static())
    return invalid("output '" + name + "' has unknown dims (shape inference could not resolve them)");
  return t;
}

Result<const ir::Tensor*> LowerContext::constant_input(size_t i, const std::string& role) const {
  const std::string name = node.input(i);
  if (name.empty()) return static_cast<const ir::Tensor*>(nullptr);
  const ir::Tensor* t = graph.constant(name);
  if (!t) return unsupported(role + " input '" + name + "' is not a constant");
  return t;
}

flatbuffers::Offset<fb::Activation> LowerContext::activation(const ir::Activation& a) {
  return fb::CreateActivation(fbb, static_cast<fb::ActivationKind>(a.kind), a.alpha, a.beta, a.scale, a.shift);
}

flatbuffers::Offset<fb::Activation> LowerContext::fused_activation() {
  if (node.fused.kind == ir::ActivationKind::kNone && !node.fused.has_tail()) return 0;
  return activation(node.fused);
}

}  // namespace saturn::converter
