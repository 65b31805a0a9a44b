#include "converter/qdq/opset_upgrade.h"

#include <limits>

namespace saturn::converter::qdq {

namespace {

Status malformed(const ir::Node& n, const std::string& what) {
  return Status::error("QDQ export: node '" + n.name + "' (" + n.op_type + ", opset " + std::to_string(n.opset) +
                       "): " + what);
}

const ir::Tensor* tensor(const ir::Graph& g, const std::string& name) {
  const ir::Tensor* t = g.find(name);
  return t && t->is_static() ? t : nullptr;
}

ir::Node& copy_node(QdqBuilder& b, const ir::Node& n, const std::vector<std::string>& inputs,
                    const std::vector<std::string>& outputs) {
  ir::Node& out = b.add_node(n.op_type, b.fresh_node(n.name), inputs, outputs);
  out.attrs = n.attrs;
  return out;
}

// Copies the node with `moved` attributes turned into trailing int64 inputs (absent ones as "").
Status attrs_to_i64_inputs(QdqBuilder& b, const ir::Node& n, const std::vector<std::string>& inputs,
                           const std::vector<std::string>& outputs, const std::vector<std::string>& moved) {
  std::vector<std::string> ins = {inputs.at(0)};
  for (const auto& key : moved) {
    const ir::Attribute* a = n.attr(key);
    ins.push_back(a ? b.add_i64(n.name + "_" + key, {static_cast<int64_t>(a->ints.size())}, a->ints) : "");
  }
  while (ins.size() > 1 && ins.back().empty()) ins.pop_back();
  ir::Node& out = copy_node(b, n, ins, outputs);
  for (const auto& key : moved) out.attrs.erase(key);
  return Status::ok();
}

Status softmax(QdqBuilder& b, const ir::Graph& g, const ir::Node& n, const std::vector<std::string>& inputs,
               const std::vector<std::string>& outputs) {
  const ir::Tensor* x = tensor(g, n.input(0));
  if (!x) return malformed(n, "input '" + n.input(0) + "' has no static dims");
  const int64_t rank = static_cast<int64_t>(x->dims.size());
  int64_t axis = n.attr_int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return malformed(n, "axis out of range for rank " + std::to_string(rank));
  if (axis == rank - 1) {
    ir::Node& s = b.add_node("Softmax", b.fresh_node(n.name), {inputs.at(0)}, outputs);
    s.attrs["axis"] = ir::int_attribute(axis);
    return Status::ok();
  }
  const std::string flat = b.fresh(n.name + "_flat"), soft = b.fresh(n.name + "_2d");
  b.add_node("Flatten", b.fresh_node(n.name + "_Flatten"), {inputs.at(0)}, {flat}).attrs["axis"] = ir::int_attribute(axis);
  b.add_node("Softmax", b.fresh_node(n.name), {flat}, {soft}).attrs["axis"] = ir::int_attribute(1);
  const std::string shape = b.add_i64(n.name + "_shape", {rank}, x->dims);
  b.add_node("Reshape", b.fresh_node(n.name + "_Reshape"), {soft, shape}, outputs);
  return Status::ok();
}

Status pad(QdqBuilder& b, const ir::Node& n, const std::vector<std::string>& inputs,
           const std::vector<std::string>& outputs) {
  const std::vector<int64_t> pads = n.attr_ints("pads", {});
  const std::string p = b.add_i64(n.name + "_pads", {static_cast<int64_t>(pads.size())}, pads);
  const std::string v = b.add_f32(n.name + "_value", {}, {n.attr_float("value", 0.f)});
  ir::Node& out = copy_node(b, n, {inputs.at(0), p, v}, outputs);
  out.attrs.erase("pads");
  out.attrs.erase("value");
  return Status::ok();
}

Status clip(QdqBuilder& b, const ir::Node& n, const std::vector<std::string>& inputs,
            const std::vector<std::string>& outputs) {
  std::vector<std::string> ins = {inputs.at(0)};
  for (const char* key : {"min", "max"})
    ins.push_back(n.attr(key) ? b.add_f32(n.name + "_" + key, {}, {n.attr_float(key, 0.f)}) : "");
  while (ins.back().empty()) ins.pop_back();
  ir::Node& out = copy_node(b, n, ins, outputs);
  out.attrs.erase("min");
  out.attrs.erase("max");
  return Status::ok();
}

// Resize-10 and Upsample: (X, scales) with the asymmetric transform and floor rounding.
Status old_resize(QdqBuilder& b, const ir::Node& n, const std::vector<std::string>& inputs,
                  const std::vector<std::string>& outputs) {
  if (inputs.size() < 2 || inputs[1].empty()) return malformed(n, "the scales input is missing");
  std::string mode = n.attr_string("mode", "nearest");
  if (mode == "bilinear") mode = "linear";
  ir::Node& r = b.add_node("Resize", b.fresh_node(n.name), {inputs[0], "", inputs[1]}, outputs);
  ir::Attribute s;
  s.kind = ir::Attribute::Kind::kString;
  s.s = mode;
  r.attrs["mode"] = s;
  s.s = "asymmetric";
  r.attrs["coordinate_transformation_mode"] = s;
  s.s = "floor";
  r.attrs["nearest_mode"] = s;
  return Status::ok();
}

}  // namespace

Status add_standard_node(QdqBuilder& b, const ir::Graph& graph, const ir::Node& node,
                         const std::vector<std::string>& inputs, const std::vector<std::string>& outputs) {
  if (!node.domain.empty())
    return malformed(node, "domain '" + node.domain + "' has no standard ONNX form");
  const std::string& op = node.op_type;
  const int64_t v = node.opset;
  if (op == "Upsample" || (op == "Resize" && v < 11)) return old_resize(b, node, inputs, outputs);
  if (op == "Softmax" && v < 13) return softmax(b, graph, node, inputs, outputs);
  if ((op == "Squeeze" || op == "Unsqueeze") && v < 13) return attrs_to_i64_inputs(b, node, inputs, outputs, {"axes"});
  if (op == "Slice" && v < 10) return attrs_to_i64_inputs(b, node, inputs, outputs, {"starts", "ends", "axes"});
  if (op == "Pad" && v < 11) return pad(b, node, inputs, outputs);
  if (op == "Clip" && v < 11) return clip(b, node, inputs, outputs);
  copy_node(b, node, inputs, outputs);
  return Status::ok();
}

}  // namespace saturn::converter::qdq
