#include "converter/qdq/qdq_builder.h"

#include <cstring>

#include "converter/onnx_proto_util.h"

namespace saturn::converter::qdq {

namespace {

ir::Tensor zero_tensor(const std::string& name, ir::ElemType type, std::vector<int64_t> dims, size_t count) {
  ir::Tensor t;
  t.name = name;
  t.dtype = type;
  t.has_shape = true;
  t.dims = std::move(dims);
  t.data = std::vector<uint8_t>(count * ir::elem_size(type), 0);
  return t;
}

}  // namespace

QdqBuilder::QdqBuilder(const ir::Graph& source, int64_t opset) : opset_(opset) {
  for (const auto& [name, t] : source.tensors) used_.insert(name);
  for (const auto& n : source.nodes) {
    for (const auto& o : n.outputs) used_.insert(o);
    for (const auto& i : n.inputs) used_.insert(i);
  }
}

std::string QdqBuilder::fresh(const std::string& base) {
  std::string name = base;
  for (int i = 1; used_.count(name); ++i) name = base + "_" + std::to_string(i);
  used_.insert(name);
  return name;
}

std::string QdqBuilder::fresh_node(const std::string& base) {
  std::string name = base;
  for (int i = 1; used_nodes_.count(name); ++i) name = base + "_" + std::to_string(i);
  used_nodes_.insert(name);
  return name;
}

ir::Node& QdqBuilder::add_node(const std::string& op_type, const std::string& name, std::vector<std::string> inputs,
                               std::vector<std::string> outputs) {
  nodes_.push_back(ir::make_node(op_type, name, opset_, std::move(inputs), std::move(outputs)));
  return nodes_.back();
}

void QdqBuilder::add_initializer(ir::Tensor t) { initializers_.push_back(std::move(t)); }

std::string QdqBuilder::add_f32(const std::string& base, std::vector<int64_t> dims, const std::vector<float>& values) {
  const std::string name = fresh(base);
  add_initializer(ir::make_constant_f32(name, std::move(dims), values));
  return name;
}

std::string QdqBuilder::add_i64(const std::string& base, std::vector<int64_t> dims, const std::vector<int64_t>& values) {
  const std::string name = fresh(base);
  add_initializer(ir::make_constant_i64(name, std::move(dims), values));
  return name;
}

Status QdqBuilder::add_quant_dequant(const std::string& x_float, const TensorQuant& q, ir::ElemType type,
                                    const std::string& out, const std::string& node_base) {
  if (q.axis >= 0 || q.scale.size() != 1)
    return Status::error("QDQ export: activation '" + out + "' has " + std::to_string(q.scale.size()) +
                         " scales on axis " + std::to_string(q.axis) + "; expected one scale per tensor");
  if (type != ir::ElemType::kUint8 && type != ir::ElemType::kInt8)
    return Status::error("QDQ export: activation '" + out + "' has type " + ir::elem_name(type) +
                         "; expected uint8 or int8");
  const std::string scale = add_f32(out + "_scale", {}, q.scale);
  const std::string zp = fresh(out + "_zero_point");
  add_initializer(zero_tensor(zp, type, {}, 1));
  const std::string quantized = fresh(out + "_q");
  add_node("QuantizeLinear", fresh_node(node_base + "_QuantizeLinear"), {x_float, scale, zp}, {quantized});
  add_node("DequantizeLinear", fresh_node(node_base + "_DequantizeLinear"), {quantized, scale, zp}, {out});
  return Status::ok();
}

Status QdqBuilder::add_constant_dequant(const ir::Tensor& c, const TensorQuant& q, const std::string& out) {
  if (c.dtype != ir::ElemType::kInt8 && c.dtype != ir::ElemType::kInt32 && c.dtype != ir::ElemType::kUint8)
    return Status::error("QDQ export: quantized constant '" + c.name + "' has type " + ir::elem_name(c.dtype) +
                         "; expected int8, uint8 or int32");
  const bool per_axis = q.axis >= 0;
  if (per_axis && (q.axis >= static_cast<int>(c.dims.size()) || c.dims[q.axis] != static_cast<int64_t>(q.scale.size())))
    return Status::error("QDQ export: constant '" + c.name + "' has " + std::to_string(q.scale.size()) +
                         " scales for axis " + std::to_string(q.axis) + " of its dims; expected one per channel");
  if (!per_axis && q.scale.size() != 1)
    return Status::error("QDQ export: constant '" + c.name + "' has " + std::to_string(q.scale.size()) +
                         " scales and no axis; expected one");
  ir::Tensor copy = c;
  copy.has_shape = true;
  add_initializer(std::move(copy));
  std::vector<int64_t> sdims;
  if (per_axis) sdims = {static_cast<int64_t>(q.scale.size())};
  const std::string scale = add_f32(c.name + "_scale", sdims, q.scale);
  const std::string zp = fresh(c.name + "_zero_point");
  add_initializer(zero_tensor(zp, c.dtype, sdims, q.scale.size()));
  ir::Node& n = add_node("DequantizeLinear", fresh_node(c.name + "_DequantizeLinear"), {c.name, scale, zp}, {out});
  if (per_axis) n.attrs["axis"] = ir::int_attribute(q.axis);
  return Status::ok();
}

Result<onnx::ModelProto> QdqBuilder::to_model(const std::string& graph_name) const {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("saturn-convert");
  m.set_producer_version("qdq");
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(opset_);
  auto* g = m.mutable_graph();
  g->set_name(graph_name);
  for (const auto& t : inputs_) write_value_info(t, g->add_input());
  for (const auto& t : outputs_) write_value_info(t, g->add_output());
  for (const auto& t : initializers_) tensor_to_proto(t, g->add_initializer());
  for (const auto& n : nodes_) {
    auto* p = g->add_node();
    p->set_op_type(n.op_type);
    p->set_name(n.name);
    for (const auto& i : n.inputs) p->add_input(i);
    for (const auto& o : n.outputs) p->add_output(o);
    for (const auto& [key, a] : n.attrs)
      if (!attribute_to_proto(key, a, p->add_attribute()))
        return Status::error("QDQ export: node '" + n.name + "' (" + n.op_type + "): attribute '" + key + "' of kind " +
                             ir::attribute_kind_name(a.kind) + " cannot be written");
  }
  return m;
}

}  // namespace saturn::converter::qdq
