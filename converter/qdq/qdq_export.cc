#include "converter/qdq/qdq_export.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <fstream>

#include "converter/lowering/lowering.h"
#include "converter/qdq/activation_nodes.h"
#include "converter/qdq/opset_upgrade.h"
#include "converter/qdq/qdq_builder.h"

namespace saturn::converter {

namespace {

int64_t model_opset(const ir::Graph& g) {
  int64_t opset = 13;
  auto it = g.opset_imports.find("");
  if (it != g.opset_imports.end()) opset = std::max(opset, it->second);
  for (const auto& n : g.nodes) {
    if (!n.domain.empty()) continue;
    opset = std::max(opset, n.opset);
    if (n.op_type == "HardSwish" || n.fused.kind == ir::ActivationKind::kHardSwish) opset = std::max<int64_t>(opset, 14);
  }
  return opset;
}

class Exporter {
 public:
  Exporter(const ir::Graph& g, const QuantMap& quant) : g_(g), quant_(quant), b_(g, model_opset(g)) {}

  Result<onnx::ModelProto> run() {
    for (const auto& in : g_.inputs) {
      const ir::Tensor* t = g_.find(in);
      if (!t) return Status::error("QDQ export: graph input '" + in + "' has no tensor");
      b_.add_input(*t);
    }
    for (const auto& n : g_.nodes) SATURN_RETURN_IF_ERROR(node(n));
    for (const auto& out : g_.outputs) {
      const ir::Tensor* t = g_.find(out);
      if (!t || t->dtype != ir::ElemType::kFloat)
        return Status::error("QDQ export: graph output '" + out + "' is not a float tensor");
      const std::string have = name_of(out);
      if (have != out) b_.add_node("Identity", b_.fresh_node(out + "_Identity"), {have}, {out});
      b_.add_output(*t);
    }
    return b_.to_model(g_.producer_name.empty() ? "saturn_qdq" : g_.producer_name + "_qdq");
  }

 private:
  std::string name_of(const std::string& t) const {
    auto it = alias_.find(t);
    return it == alias_.end() ? t : it->second;
  }

  // The QDQ-model name that a consumer reads for IR input `t`.
  Result<std::string> input(const std::string& t) {
    if (t.empty()) return t;
    const ir::Tensor* c = g_.constant(t);
    if (!c) return name_of(t);
    if (auto it = constants_.find(t); it != constants_.end()) return it->second;
    auto q = quant_.find(t);
    if (q == quant_.end()) {
      b_.add_initializer(*c);
      return constants_[t] = t;
    }
    const std::string out = b_.fresh(t + "_dequantized");
    SATURN_RETURN_IF_ERROR(b_.add_constant_dequant(*c, q->second, out));
    return constants_[t] = out;
  }

  // A runtime tensor quantized by the INT8 pass.
  const TensorQuant* int8_activation(const std::string& t) const {
    if (g_.constant(t)) return nullptr;
    auto q = quant_.find(t);
    return q == quant_.end() ? nullptr : &q->second;
  }

  Status quantize_to(const std::string& x_float, const std::string& t, const std::string& node_name) {
    const ir::Tensor* tt = g_.find(t);
    if (!tt) return Status::error("QDQ export: node '" + node_name + "': tensor '" + t + "' is not in the graph");
    Status s = b_.add_quant_dequant(x_float, *int8_activation(t), tt->dtype, t, node_name);
    return s ? s : s.with_context("node '" + node_name + "'");
  }

  Status node(const ir::Node& n) {
    if (n.domain == kInternalDomain) return internal(n);
    std::vector<std::string> ins;
    for (const auto& i : n.inputs) {
      Result<std::string> r = input(i);
      if (!r) return r.status().with_context("node '" + n.name + "' (" + n.op_type + ")");
      ins.push_back(*r);
    }
    // The fused residual R (Conv's 4th input) is added after the convolution.
    std::string residual;
    if (n.op_type == "Conv" && ins.size() > 3) {
      residual = ins[3];
      ins.resize(3);
    }
    const bool has_act = n.fused.kind != ir::ActivationKind::kNone || n.fused.has_tail();
    if ((has_act || !residual.empty()) && n.outputs.size() != 1)
      return Status::error("QDQ export: node '" + n.name + "' (" + n.op_type + ") has a fused activation or residual and " +
                           std::to_string(n.outputs.size()) + " outputs; expected 1");
    // Final float name of each output: the output itself, or its pre-quantization value.
    std::vector<std::string> finals;
    for (const auto& o : n.outputs) finals.push_back(int8_activation(o) ? b_.fresh(o + "_float") : o);
    std::vector<std::string> outs = finals;
    if (has_act || !residual.empty()) outs[0] = b_.fresh(n.outputs[0] + "_" + n.op_type);
    SATURN_RETURN_IF_ERROR(qdq::add_standard_node(b_, g_, n, ins, outs));
    if (!residual.empty()) {
      const std::string sum = has_act ? b_.fresh(n.outputs[0] + "_residual") : finals[0];
      b_.add_node("Add", b_.fresh_node(n.name + "_residual_Add"), {outs[0], residual}, {sum});
      outs[0] = sum;
    }
    if (has_act) SATURN_RETURN_IF_ERROR(qdq::add_activation(b_, n.fused, outs[0], finals[0], n.name));
    for (size_t i = 0; i < n.outputs.size(); ++i)
      if (int8_activation(n.outputs[i])) SATURN_RETURN_IF_ERROR(quantize_to(finals[i], n.outputs[i], n.name));
    return Status::ok();
  }

  Status internal(const ir::Node& n) {
    if (n.inputs.size() != 1 || n.outputs.size() != 1)
      return Status::error("QDQ export: node '" + n.name + "' (" + n.op_type + "): expected one input and one output");
    const std::string& in = n.input(0);
    const std::string& out = n.outputs[0];
    if (n.op_type == "Quantize") {
      if (!int8_activation(out))
        return Status::error("QDQ export: node '" + n.name + "' (Quantize): output '" + out + "' has no scale");
      return quantize_to(name_of(in), out, n.name);
    }
    if (n.op_type == "Dequantize") {
      if (!int8_activation(in))
        return Status::error("QDQ export: node '" + n.name + "' (Dequantize): input '" + in + "' has no scale");
      alias_[out] = name_of(in);  // the INT8 tensor is already its dequantized value here
      return Status::ok();
    }
    if (n.op_type == "Gelu" && !int8_activation(out))
      return qdq::add_activation(b_, {ir::ActivationKind::kGelu}, name_of(in), out, n.name);
    if (n.op_type == "Activation") {  // passes.h split_table_activations
      const std::string f = int8_activation(out) ? b_.fresh(out + "_float") : out;
      SATURN_RETURN_IF_ERROR(qdq::add_activation(b_, n.fused, name_of(in), f, n.name));
      return int8_activation(out) ? quantize_to(f, out, n.name) : Status::ok();
    }
    return Status::error("QDQ export: node '" + n.name + "' (" + n.domain + "." + n.op_type + ") has no ONNX form");
  }

  const ir::Graph& g_;
  const QuantMap& quant_;
  qdq::QdqBuilder b_;
  std::map<std::string, std::string> alias_;      // IR tensor -> QDQ-model tensor (Dequantize outputs)
  std::map<std::string, std::string> constants_;  // IR constant -> what consumers read
};

}  // namespace

Result<onnx::ModelProto> build_qdq_model(const ir::Graph& int8_graph, const QuantMap& quant) {
  Result<onnx::ModelProto> model = Exporter(int8_graph, quant).run();
  if (!model) return model;
  try {
    onnx::checker::check_model(*model);
  } catch (const std::exception& e) {
    return Status::error(std::string("QDQ export: the ONNX checker rejects the model: ") + e.what());
  }
  try {
    onnx::ShapeInferenceOptions si(/*check_type=*/true, /*strict_mode=*/1, /*data_prop=*/false);
    onnx::shape_inference::InferShapes(*model, onnx::OpSchemaRegistry::Instance(), si);
  } catch (const std::exception& e) {
    return Status::error(std::string("QDQ export: ONNX shape inference rejects the model: ") + e.what());
  }
  return model;
}

Status write_qdq_model(const ir::Graph& int8_graph, const QuantMap& quant, const std::string& path) {
  Result<onnx::ModelProto> model = build_qdq_model(int8_graph, quant);
  if (!model) return model.status();
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f || !model->SerializeToOstream(&f) || !f.flush())
    return Status::error("QDQ export: cannot write '" + path + "'");
  return Status::ok();
}

}  // namespace saturn::converter
