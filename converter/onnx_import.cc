#include "converter/onnx_import.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <fstream>
#include <set>
#include <sstream>

#include "converter/onnx_proto_util.h"

namespace saturn::converter {

namespace {

std::string dims_str(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(d[i]);
  }
  return s + "]";
}

// Fixes the dims of the runtime graph inputs from `options`; every dim must end up static.
Status apply_input_shapes(onnx::ModelProto& model, const std::set<std::string>& initializer_names,
                          const ConvertOptions& options, const std::string& origin) {
  auto* graph = model.mutable_graph();
  std::set<std::string> runtime_inputs;
  for (const auto& in : graph->input())
    if (!initializer_names.count(in.name())) runtime_inputs.insert(in.name());
  for (const auto& [name, dims] : options.input_shapes)
    if (!runtime_inputs.count(name)) {
      std::string known;
      for (const auto& n : runtime_inputs) known += (known.empty() ? "" : ", ") + n;
      return Status::error(origin + ": --input-shape names '" + name + "', which is not a graph input (inputs: " +
                           known + ")");
    }
  for (auto& in : *graph->mutable_input()) {
    if (initializer_names.count(in.name())) continue;
    if (!in.type().has_tensor_type())
      return Status::error("unsupported: " + origin + ": graph input '" + in.name() + "' is not a tensor");
    auto* tt = in.mutable_type()->mutable_tensor_type();
    auto it = options.input_shapes.find(in.name());
    if (it != options.input_shapes.end()) {
      const auto& want = it->second;
      if (tt->has_shape() && tt->shape().dim_size() != static_cast<int>(want.size()))
        return Status::error(origin + ": --input-shape " + in.name() + "=" + dims_str(want) + " has rank " +
                             std::to_string(want.size()) + ", but the model's input '" + in.name() + "' has rank " +
                             std::to_string(tt->shape().dim_size()));
      for (size_t i = 0; i < want.size(); ++i) {
        if (want[i] == 0)
          return Status::error("unsupported: " + origin + ": --input-shape " + in.name() + " dim " +
                               std::to_string(i) + " is 0: zero-size tensors are not supported");
        if (want[i] < 0)
          return Status::error(origin + ": --input-shape " + in.name() + " dim " + std::to_string(i) + " is " +
                               std::to_string(want[i]) + ", expected a positive value");
        if (tt->has_shape()) {
          const auto& d = tt->shape().dim(static_cast<int>(i));
          if (d.has_dim_value() && d.dim_value() > 0 && d.dim_value() != want[i])
            return Status::error(origin + ": --input-shape " + in.name() + " dim " + std::to_string(i) + " is " +
                                 std::to_string(want[i]) + ", but the model fixes it to " +
                                 std::to_string(d.dim_value()));
        }
      }
      auto* shape = tt->mutable_shape();
      shape->clear_dim();
      for (int64_t d : want) shape->add_dim()->set_dim_value(d);
    }
    if (!tt->has_shape())
      return Status::error(origin + ": graph input '" + in.name() +
                           "' has no shape; give it with --input-shape " + in.name() + "=d0,d1,...");
    for (int i = 0; i < tt->shape().dim_size(); ++i) {
      const auto& d = tt->shape().dim(i);
      if (d.has_dim_value() && d.dim_value() == 0)
        return Status::error("unsupported: " + origin + ": graph input '" + in.name() + "' dim " +
                             std::to_string(i) + " is 0: zero-size tensors are not supported");
      if (!d.has_dim_value() || d.dim_value() < 0) {
        std::string sym = d.has_dim_param() ? " ('" + d.dim_param() + "')" : "";
        return Status::error(origin + ": graph input '" + in.name() + "' dim " + std::to_string(i) + sym +
                             " is dynamic; fix it with --input-shape " + in.name() + "=d0,d1,...");
      }
    }
  }
  return Status::ok();
}

}  // namespace

Result<onnx::ModelProto> read_onnx_file(const std::string& path, std::string* raw) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::error("cannot open ONNX file '" + path + "'");
  std::stringstream ss;
  ss << file.rdbuf();
  if (file.bad()) return Status::error("cannot read ONNX file '" + path + "'");
  onnx::ModelProto model;
  const std::string bytes = ss.str();
  if (bytes.empty()) return Status::error("'" + path + "' is empty, not an ONNX model");
  if (!model.ParseFromString(bytes))
    return Status::error("'" + path + "' is not a valid ONNX model (the protobuf ModelProto does not parse)");
  if (!model.has_graph()) return Status::error("'" + path + "' is not a valid ONNX model (it has no graph)");
  if (raw) *raw = bytes;
  return model;
}

Result<ir::Graph> import_onnx_model(onnx::ModelProto model, const ConvertOptions& options, const std::string& origin) {
  std::set<std::string> initializer_names;
  for (const auto& init : model.graph().initializer()) {
    initializer_names.insert(init.name());
    if (init.data_location() == onnx::TensorProto::EXTERNAL || init.external_data_size() > 0)
      return Status::error("unsupported: " + origin + ": initializer '" + init.name() +
                           "' stores its data externally; external data is not supported");
  }

  ir::Graph g;
  for (const auto& op : model.opset_import()) {
    std::string domain = op.domain() == "ai.onnx" ? "" : op.domain();
    g.opset_imports[domain] = op.version();
  }
  auto def = g.opset_imports.find("");
  if (def == g.opset_imports.end())
    return Status::error("unsupported: " + origin + ": the model imports no default-domain (ai.onnx) opset");
  if (def->second < kMinOnnxOpset || def->second > kMaxOnnxOpset)
    return Status::error("unsupported: " + origin + ": ONNX opset " + std::to_string(def->second) +
                         " (the converter accepts opsets " + std::to_string(kMinOnnxOpset) + " to " +
                         std::to_string(kMaxOnnxOpset) + ")");
  g.ir_version = model.ir_version();
  g.producer_name = model.producer_name();
  g.producer_version = model.producer_version();
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    return Status::error(origin + ": the ONNX checker rejects the model: " + e.what());
  }

  if (model.graph().sparse_initializer_size() > 0)
    return Status::error("unsupported: " + origin + ": sparse initializers are not supported");

  SATURN_RETURN_IF_ERROR(apply_input_shapes(model, initializer_names, options, origin));

  try {
    onnx::ShapeInferenceOptions si(/*check_type=*/false, /*strict_mode=*/0, /*data_prop=*/true);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), si);
  } catch (const std::exception& e) {
    return Status::error(origin + ": ONNX shape inference failed: " + e.what());
  }

  const auto& graph = model.graph();
  for (const auto& init : graph.initializer()) {
    Result<ir::Tensor> t = tensor_from_proto(init, "initializer");
    if (!t) return t.status().with_context(origin);
    g.tensors[init.name()] = std::move(t.value());
  }
  auto add_value = [&](const onnx::ValueInfoProto& vi) {
    if (g.constant(vi.name())) return;
    ir::Tensor& t = g.tensors[vi.name()];
    t.name = vi.name();
    read_value_info(vi, &t);
  };
  for (const auto& in : graph.input()) {
    if (initializer_names.count(in.name())) continue;
    add_value(in);
    g.inputs.push_back(in.name());
  }
  for (const auto& vi : graph.value_info()) add_value(vi);
  for (const auto& out : graph.output()) {
    add_value(out);
    g.outputs.push_back(out.name());
  }

  int index = 0;
  for (const auto& np : graph.node()) {
    ir::Node n;
    n.op_type = np.op_type();
    n.domain = np.domain() == "ai.onnx" ? "" : np.domain();
    n.name = np.name().empty() ? n.op_type + "_" + std::to_string(index) : np.name();
    ++index;
    auto os = g.opset_imports.find(n.domain);
    n.opset = os == g.opset_imports.end() ? 0 : os->second;
    n.inputs.assign(np.input().begin(), np.input().end());
    n.outputs.assign(np.output().begin(), np.output().end());
    for (const auto& ap : np.attribute()) {
      Result<ir::Attribute> a = attribute_from_proto(ap, n.name);
      if (!a) return a.status().with_context(origin);
      n.attrs[ap.name()] = std::move(a.value());
    }
    for (const auto& name : n.inputs)
      if (!name.empty() && !g.tensors.count(name)) g.tensors[name].name = name;
    for (const auto& name : n.outputs)
      if (!name.empty() && !g.tensors.count(name)) g.tensors[name].name = name;
    g.nodes.push_back(std::move(n));
  }
  if (!g.sort_topologically()) return Status::error(origin + ": the graph has a cycle");
  return g;
}

Result<ir::Graph> import_onnx_file(const std::string& path, const ConvertOptions& options) {
  Result<onnx::ModelProto> model = read_onnx_file(path);
  if (!model) return model.status();
  return import_onnx_model(std::move(model.value()), options, "'" + path + "'");
}

}  // namespace saturn::converter
