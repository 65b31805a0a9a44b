#include "converter/writer.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "converter/lowering/lowering.h"
#include "converter/shape_rules.h"
#include "saturn/version.h"

namespace saturn::converter {

namespace {

static_assert(static_cast<int>(fb::ActivationKind::Gelu) == static_cast<int>(ir::ActivationKind::kGelu));

struct Lowered {
  const ir::Node* node;
  LoweredNode op;
};

// Checks the element types of a lowered node's inputs: runtime tensors and constants are float,
// except index inputs, which may be int32/int64 constants.
bool is_quantized(const ir::Tensor& t, const QuantMap* quant) {
  if (!quant || !quant->count(t.name)) return false;
  return t.dtype == ir::ElemType::kInt8 || t.dtype == ir::ElemType::kUint8 || t.dtype == ir::ElemType::kInt32;
}

fb::DType file_dtype(const ir::Tensor& t, const QuantMap* quant) {
  if (t.dtype == ir::ElemType::kFloat) return fb::DType::F32;
  if (is_quantized(t, quant)) {
    if (t.dtype == ir::ElemType::kInt8) return fb::DType::S8;
    if (t.dtype == ir::ElemType::kUint8) return fb::DType::U8;
    return fb::DType::S32;
  }
  return fb::DType::S64;  // index constants (int32 ones are widened when written)
}

Status check_input_types(const ir::Graph& g, const ir::Node& n, const LoweredNode& op, const QuantMap* quant) {
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    if (op.inputs[i].empty()) continue;
    const ir::Tensor* t = g.find(op.inputs[i]);
    if (!t) {
      for (const auto& c : op.new_constants)
        if (c.name == op.inputs[i]) t = &c;
    }
    if (!t) return Status::error("node '" + n.name + "' (" + n.op_type + "): input '" + op.inputs[i] + "' is unknown");
    const bool index = op.index_inputs.count(i) > 0;
    const bool ok = index ? (t->is_constant() && (t->dtype == ir::ElemType::kInt64 || t->dtype == ir::ElemType::kInt32))
                          : t->dtype == ir::ElemType::kFloat || is_quantized(*t, quant);
    if (!ok)
      return Status::error("unsupported: node '" + n.name + "' (" + n.op_type + ", opset " + std::to_string(n.opset) +
                           "): input '" + t->name + "' has type " + ir::elem_name(t->dtype) + ", expected " +
                           (index ? "int64 constant indices" : "float"));
  }
  for (const auto& o : n.outputs) {
    const ir::Tensor* t = g.find(o);
    if (o.empty() || !t) continue;
    if (!t->is_static())
      return Status::error("node '" + n.name + "' (" + n.op_type + "): output '" + o + "' has unknown dims");
    if (std::find(t->dims.begin(), t->dims.end(), 0) != t->dims.end())
      return Status::error("unsupported: node '" + n.name + "' (" + n.op_type + ", opset " + std::to_string(n.opset) +
                           "): output '" + o + "' has a zero-size dim; zero-size tensors are not supported");
    if (t->dtype != ir::ElemType::kFloat && !is_quantized(*t, quant))
      return Status::error("unsupported: node '" + n.name + "' (" + n.op_type + ", opset " + std::to_string(n.opset) +
                           "): output '" + o + "' has type " + ir::elem_name(t->dtype) + ", expected float");
  }
  return Status::ok();
}

// Node errors listed one by one; beyond them only the count per op type.
constexpr size_t kListedErrors = 40;

}  // namespace

Result<std::vector<uint8_t>> write_saturn_model(const ir::Graph& graph, const std::string& source_sha256,
                                                const QuantMap* quant) {
  flatbuffers::FlatBufferBuilder fbb(1 << 20);
  std::vector<Lowered> lowered;
  std::vector<std::string> errors;
  std::map<std::string, int> failed_ops;  // op type -> nodes of it that cannot be converted
  bool all_unsupported = true;
  for (const auto& n : graph.nodes) {
    Result<LoweredNode> r = Status::error("");
    Result<const OpLowering*> entry = find_lowering(n);
    if (entry) {
      LowerContext ctx(graph, n, fbb);
      r = (*entry)->lower(ctx);
    } else {
      r = entry.status();
    }
    Status st = r ? check_input_types(graph, n, r.value(), quant) : r.status();
    if (!st) {
      errors.push_back(st.message());
      ++failed_ops[(n.domain.empty() ? "" : n.domain + ".") + n.op_type];
      if (st.message().rfind("unsupported", 0) != 0) all_unsupported = false;
      continue;
    }
    lowered.push_back({&n, std::move(r.value())});
  }
  for (const auto& name : graph.inputs) {
    const ir::Tensor* t = graph.find(name);
    if (!t || !t->is_static() || t->dtype != ir::ElemType::kFloat) {
      errors.push_back("unsupported: graph input '" + name + "' must be a float tensor with static dims");
    }
  }
  for (const auto& name : graph.outputs) {
    const ir::Tensor* t = graph.find(name);
    if (t && t->is_constant()) errors.push_back("unsupported: graph output '" + name + "' is a constant");
  }
  if (!errors.empty()) {
    std::string msg = (all_unsupported ? std::string("unsupported: ") : std::string()) + std::to_string(errors.size()) +
                      " node(s) of the model cannot be converted:";
    // A detection model fails on thousands of nodes: first the count per op, then the first ones.
    if (errors.size() > kListedErrors) {
      std::vector<std::pair<std::string, int>> by_count(failed_ops.begin(), failed_ops.end());
      std::stable_sort(by_count.begin(), by_count.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      msg += "\n  by op:";
      for (size_t i = 0; i < by_count.size(); ++i) {
        msg += i ? ", " : " ";
        msg += by_count[i].first + " (" + std::to_string(by_count[i].second) + ")";
      }
    }
    for (size_t i = 0; i < std::min(errors.size(), kListedErrors); ++i) msg += "\n  " + errors[i];
    if (errors.size() > kListedErrors) msg += "\n  ... and " + std::to_string(errors.size() - kListedErrors) + " more";
    return Status::error(msg);
  }

  // Tensors in first-use order: graph inputs, then node inputs and outputs.
  std::map<std::string, const ir::Tensor*> extra;
  for (const auto& l : lowered)
    for (const auto& c : l.op.new_constants) extra[c.name] = &c;
  auto lookup = [&](const std::string& name) -> const ir::Tensor* {
    if (const ir::Tensor* t = graph.find(name)) return t;
    auto it = extra.find(name);
    return it == extra.end() ? nullptr : it->second;
  };
  std::map<std::string, int32_t> index;
  std::vector<const ir::Tensor*> order;
  auto use = [&](const std::string& name) -> int32_t {
    if (name.empty()) return -1;
    auto it = index.find(name);
    if (it != index.end()) return it->second;
    const int32_t id = static_cast<int32_t>(order.size());
    index[name] = id;
    order.push_back(lookup(name));
    return id;
  };
  std::vector<int32_t> graph_inputs, graph_outputs;
  for (const auto& name : graph.inputs) graph_inputs.push_back(use(name));
  std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> node_io;
  for (const auto& l : lowered) {
    std::vector<int32_t> ins, outs;
    for (const auto& in : l.op.inputs) ins.push_back(use(in));
    for (const auto& out : l.node->outputs) outs.push_back(use(out));
    node_io.push_back({std::move(ins), std::move(outs)});
  }
  for (const auto& name : graph.outputs) graph_outputs.push_back(use(name));
  for (size_t i = 0; i < order.size(); ++i)
    if (!order[i]) return Status::error("internal: tensor index " + std::to_string(i) + " has no tensor");

  // Buffers: 0 is empty; then one per constant.
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers{fb::CreateBuffer(fbb)};
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  std::vector<uint32_t> buffer_of(order.size(), 0);
  for (size_t i = 0; i < order.size(); ++i) {
    const ir::Tensor& t = *order[i];
    if (!t.is_constant()) continue;
    std::vector<uint8_t> bytes;
    if (t.dtype == ir::ElemType::kInt32 && !is_quantized(t, quant)) {
      std::vector<int64_t> v = t.as_int64s();
      bytes.resize(v.size() * 8);
      if (!v.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());
    } else {
      bytes = *t.data;
    }
    buffer_of[i] = static_cast<uint32_t>(buffers.size());
    buffers.push_back(fb::CreateBufferDirect(fbb, &bytes));
  }
  for (size_t i = 0; i < order.size(); ++i) {
    const ir::Tensor& t = *order[i];
    flatbuffers::Offset<fb::QuantParams> q = 0;
    if (is_quantized(t, quant)) {
      const TensorQuant& tq = quant->at(t.name);
      q = fb::CreateQuantParamsDirect(fbb, &tq.scale, tq.axis, tq.threshold, tq.method);
    }
    tensors.push_back(fb::CreateTensorDirect(fbb, t.name.c_str(), &t.dims, file_dtype(t, quant), q, buffer_of[i]));
  }
  std::vector<flatbuffers::Offset<fb::Node>> nodes;
  for (size_t i = 0; i < lowered.size(); ++i) {
    const auto& l = lowered[i];
    nodes.push_back(fb::CreateNodeDirect(fbb, l.node->name.c_str(), l.op.op, l.op.options, &node_io[i].first,
                                         &node_io[i].second));
  }
  auto fb_graph = fb::CreateGraphDirect(fbb, &tensors, &nodes, &graph_inputs, &graph_outputs);
  std::string producer = graph.producer_name;
  if (!graph.producer_version.empty()) producer += (producer.empty() ? "" : " ") + graph.producer_version;
  const std::string converter = std::string("saturn-convert ") + kVersion;
  auto model = fb::CreateModelDirect(fbb, kSchemaVersion, producer.c_str(), converter.c_str(), source_sha256.c_str(),
                                     nullptr, fb_graph, &buffers);
  fb::FinishModelBuffer(fbb, model);
  return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

}  // namespace saturn::converter
