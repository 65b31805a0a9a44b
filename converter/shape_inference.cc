#include "converter/shape_inference.h"

#include <onnx/shape_inference/implementation.h>

#include "converter/onnx_proto_util.h"

namespace saturn::converter {

namespace {
// Float constants at least this large are exported as typed inputs without data: no shape
// computation reads weights, and copying them on every refresh would be wasted work.
constexpr int64_t kLargeConstant = 64;
}  // namespace

onnx::ModelProto export_for_shape_inference(const ir::Graph& graph) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  for (const auto& [domain, version] : graph.opset_imports) {
    auto* op = model.add_opset_import();
    op->set_domain(domain);
    op->set_version(version);
  }
  auto* g = model.mutable_graph();
  g->set_name("saturn_shape_inference");
  for (const auto& name : graph.inputs)
    if (const ir::Tensor* t = graph.find(name)) write_value_info(*t, g->add_input());
  for (const auto& [name, t] : graph.tensors) {
    if (!t.is_constant()) continue;
    if (t.dtype == ir::ElemType::kFloat && t.numel() >= kLargeConstant) write_value_info(t, g->add_input());
    else tensor_to_proto(t, g->add_initializer());
  }
  for (const auto& n : graph.nodes) {
    auto* np = g->add_node();
    np->set_op_type(n.op_type);
    np->set_name(n.name);
    np->set_domain(n.domain);
    for (const auto& in : n.inputs) np->add_input(in);
    for (const auto& out : n.outputs) np->add_output(out);
    for (const auto& [key, a] : n.attrs) {
      onnx::AttributeProto ap;
      if (attribute_to_proto(key, a, &ap)) *np->add_attribute() = std::move(ap);
    }
  }
  for (const auto& name : graph.outputs) {
    auto* vi = g->add_output();
    vi->set_name(name);
    const ir::Tensor* t = graph.find(name);
    vi->mutable_type()->mutable_tensor_type()->set_elem_type(t ? static_cast<int32_t>(t->dtype) : 0);
  }
  return model;
}

Status refresh_shapes(ir::Graph& graph, bool* changed) {
  if (changed) *changed = false;
  onnx::ModelProto model = export_for_shape_inference(graph);
  try {
    onnx::ShapeInferenceOptions si(/*check_type=*/false, /*strict_mode=*/0, /*data_prop=*/true);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), si);
  } catch (const std::exception& e) {
    return Status::error(std::string("ONNX shape inference failed: ") + e.what());
  }
  auto merge = [&](const onnx::ValueInfoProto& vi) {
    ir::Tensor* t = graph.find(vi.name());
    if (!t || t->is_constant()) return;
    ir::Tensor inferred = *t;
    read_value_info(vi, &inferred);
    bool better = false;
    if (t->dtype == ir::ElemType::kUndefined && inferred.dtype != ir::ElemType::kUndefined) {
      t->dtype = inferred.dtype;
      better = true;
    }
    if (inferred.has_shape) {
      if (!t->has_shape || t->dims.size() != inferred.dims.size()) {
        if (!t->has_shape) {
          t->has_shape = true;
          t->dims = inferred.dims;
          better = true;
        }
      } else {
        for (size_t i = 0; i < t->dims.size(); ++i)
          if (t->dims[i] < 0 && inferred.dims[i] >= 0) {
            t->dims[i] = inferred.dims[i];
            better = true;
          }
      }
    }
    if (better && changed) *changed = true;
  };
  for (const auto& vi : model.graph().value_info()) merge(vi);
  for (const auto& vi : model.graph().output()) merge(vi);
  return Status::ok();
}

}  // namespace saturn::converter
