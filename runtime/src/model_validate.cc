#include "runtime/src/model_validate.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "saturn/dtype.h"

namespace saturn {

namespace {

template <typename T>
uint32_t count(const flatbuffers::Vector<T>* v) {
  return v == nullptr ? 0 : v->size();
}

std::string dims_text(const flatbuffers::Vector<int64_t>* dims) {
  std::string s = "[";
  for (uint32_t i = 0; i < count(dims); ++i) s += (i ? ", " : "") + std::to_string(dims->Get(i));
  return s + "]";
}

class Validator {
 public:
  explicit Validator(const fb::Model& model)
      : model_(model), graph_(*model.graph()), num_tensors_(count(graph_.tensors())) {}

  Status run() {
    SATURN_RETURN_IF_ERROR(check_buffers());
    for (uint32_t t = 0; t < num_tensors_; ++t) SATURN_RETURN_IF_ERROR(check_tensor(t));
    SATURN_RETURN_IF_ERROR(check_nodes());
    SATURN_RETURN_IF_ERROR(check_graph_io());
    SATURN_RETURN_IF_ERROR(check_node_inputs());
    SATURN_RETURN_IF_ERROR(check_acyclic());
    return check_order();
  }

 private:
  const fb::Tensor& tensor(uint32_t t) const { return *graph_.tensors()->Get(t); }
  const fb::Node& node(uint32_t n) const { return *graph_.nodes()->Get(n); }
  uint32_t num_nodes() const { return count(graph_.nodes()); }
  bool is_constant(uint32_t t) const { return tensor(t).buffer() != 0; }

  std::string tensor_label(uint32_t t) const {
    return "tensor '" + tensor(t).name()->str() + "' (#" + std::to_string(t) + ")";
  }
  std::string node_label(uint32_t n) const {
    const fb::Node& nd = node(n);
    std::string label = "node ";
    if (nd.name() != nullptr && nd.name()->size() > 0) {
      label.append("'").append(nd.name()->str()).append("'");
    } else {
      label.append("#").append(std::to_string(n));
    }
    const char* op = fb::EnumNameOp(nd.op_type());
    label.append(" (");
    if (op[0] != '\0') {
      label.append(op);
    } else {
      label.append("op ").append(std::to_string(static_cast<int>(nd.op_type())));
    }
    return label.append(")");
  }

  Status check_buffers() const {
    const auto* buffers = model_.buffers();
    for (uint32_t b = 0; b < count(buffers); ++b) {
      const auto* data = buffers->Get(b)->data();
      if (data == nullptr || data->size() == 0) continue;
      if (b == 0) {
        return Status::error("buffer 0 must be empty (it means \"no data\"), found " +
                             std::to_string(data->size()) + " bytes");
      }
      const auto address = reinterpret_cast<uintptr_t>(data->data());
      if (address % 64 != 0) {
        return Status::error("buffer " + std::to_string(b) + ": data is not 64-byte aligned in memory (address % 64 = " +
                             std::to_string(address % 64) + ")");
      }
    }
    return Status::ok();
  }

  Status check_tensor(uint32_t t) const {
    const fb::Tensor& ts = tensor(t);
    const std::string label = tensor_label(t);
    const int dtype = static_cast<int>(ts.dtype());
    if (dtype < 0 || dtype > static_cast<int>(fb::DType::MAX)) {
      return Status::error(label + ": unknown dtype " + std::to_string(dtype));
    }
    const size_t elem = dtype_size(static_cast<DType>(dtype));
    int64_t bytes = static_cast<int64_t>(elem);
    const auto* dims = ts.dims();
    // FlatBuffers aligns a non-empty vector to its element size; an empty one may sit anywhere.
    if (dims != nullptr && dims->size() != 0 &&
        reinterpret_cast<uintptr_t>(dims->data()) % alignof(int64_t) != 0) {
      return Status::error(label + ": dims are not 8-byte aligned in the file (corrupt file)");
    }
    for (uint32_t i = 0; i < count(dims); ++i) {
      const int64_t d = dims->Get(i);
      if (d <= 0) {
        return Status::error(label + ": dim " + std::to_string(i) + " is " + std::to_string(d) +
                             ", expected > 0 (dims " + dims_text(dims) + ")");
      }
      if (__builtin_mul_overflow(bytes, d, &bytes)) {
        return Status::error(label + ": dims overflow: " + dims_text(dims) + " x " + std::to_string(elem) +
                             " bytes does not fit in int64");
      }
    }
    const uint32_t num_buffers = count(model_.buffers());
    if (ts.buffer() != 0) {
      if (ts.buffer() >= num_buffers) {
        return Status::error(label + ": buffer index " + std::to_string(ts.buffer()) + " out of range (" +
                             std::to_string(num_buffers) + " buffers)");
      }
      const auto* data = model_.buffers()->Get(ts.buffer())->data();
      const int64_t found = data == nullptr ? 0 : data->size();
      if (found != bytes) {
        return Status::error(label + ": buffer " + std::to_string(ts.buffer()) + " has " + std::to_string(found) +
                             " bytes, expected " + std::to_string(bytes) + " (dims " + dims_text(dims) + " x " +
                             std::to_string(elem) + " bytes of " + dtype_name(static_cast<DType>(dtype)) + ")");
      }
    }
    return check_quant(t);
  }

  Status check_quant(uint32_t t) const {
    const fb::QuantParams* q = tensor(t).quant();
    if (q == nullptr) return Status::ok();
    const std::string label = tensor_label(t);
    const auto* scales = q->scale();
    for (uint32_t i = 0; i < count(scales); ++i) {
      const float s = scales->Get(i);
      if (!std::isfinite(s) || !(s > 0.f)) {
        return Status::error(label + ": quant scale[" + std::to_string(i) + "] is " + std::to_string(s) +
                             ", expected finite and > 0");
      }
    }
    if (!std::isfinite(q->threshold())) {
      return Status::error(label + ": quant threshold is " + std::to_string(q->threshold()) + ", expected finite");
    }
    const int rank = static_cast<int>(count(tensor(t).dims()));
    if (q->axis() == -1) {
      if (count(scales) > 1) {
        return Status::error(label + ": per-tensor quant (axis -1) has " + std::to_string(count(scales)) +
                             " scales, expected 1");
      }
      return Status::ok();
    }
    if (q->axis() < 0 || q->axis() >= rank) {
      return Status::error(label + ": quant axis " + std::to_string(q->axis()) + " out of range for rank " +
                           std::to_string(rank) + " (expected -1 or 0.." + std::to_string(rank - 1) + ")");
    }
    const int64_t channels = tensor(t).dims()->Get(q->axis());
    if (static_cast<int64_t>(count(scales)) != channels) {
      return Status::error(label + ": per-channel quant on axis " + std::to_string(q->axis()) + " has " +
                           std::to_string(count(scales)) + " scales, expected dims[" + std::to_string(q->axis()) +
                           "] = " + std::to_string(channels));
    }
    return Status::ok();
  }

  // The node's activation (fused or, for Unary, its function); null for ops without one.
  static const fb::Activation* activation_of(const fb::Node& nd) {
    switch (nd.op_type()) {
      case fb::Op::Conv: return nd.op_as_Conv()->activation();
      case fb::Op::ConvTranspose: return nd.op_as_ConvTranspose()->activation();
      case fb::Op::Gemm: return nd.op_as_Gemm()->activation();
      case fb::Op::MatMul: return nd.op_as_MatMul()->activation();
      case fb::Op::Unary: return nd.op_as_Unary()->activation();
      case fb::Op::Binary: return nd.op_as_Binary()->activation();
      default: return nullptr;
    }
  }

  // Ranges, ops, activations, and producers (at most one per tensor, never a constant).
  Status check_nodes() {
    producer_.assign(num_tensors_, -1);
    for (uint32_t n = 0; n < num_nodes(); ++n) {
      const fb::Node& nd = node(n);
      if (nd.op_type() == fb::Op::NONE || nd.op() == nullptr) return Status::error(node_label(n) + ": has no op");
      if (nd.op_type() > fb::Op::MAX) return Status::error(node_label(n) + ": unknown op type (newer file?)");
      if (const fb::Activation* a = activation_of(nd); a != nullptr && a->kind() > fb::ActivationKind::MAX) {
        return Status::error(node_label(n) + ": unknown activation kind " +
                             std::to_string(static_cast<int>(a->kind())) + " (newer file?)");
      }
      const auto* inputs = nd.inputs();
      for (uint32_t i = 0; i < count(inputs); ++i) {
        const int32_t t = inputs->Get(i);
        if (t == -1) continue;
        if (t < 0 || static_cast<uint32_t>(t) >= num_tensors_) {
          return Status::error(node_label(n) + ": input " + std::to_string(i) + " is tensor index " +
                               std::to_string(t) + ", out of range (" + std::to_string(num_tensors_) +
                               " tensors; -1 marks an absent input)");
        }
      }
      const auto* outputs = nd.outputs();
      for (uint32_t i = 0; i < count(outputs); ++i) {
        const int32_t t = outputs->Get(i);
        if (t < 0 || static_cast<uint32_t>(t) >= num_tensors_) {
          return Status::error(node_label(n) + ": output " + std::to_string(i) + " is tensor index " +
                               std::to_string(t) + ", out of range (" + std::to_string(num_tensors_) + " tensors)");
        }
        if (is_constant(t)) {
          return Status::error(node_label(n) + ": output " + tensor_label(t) + " is a constant (has buffer " +
                               std::to_string(tensor(t).buffer()) + "), expected a runtime tensor");
        }
        if (producer_[t] != -1) {
          return Status::error(node_label(n) + ": output " + tensor_label(t) + " is already produced by " +
                               node_label(producer_[t]) + "; a tensor has at most one producer");
        }
        producer_[t] = static_cast<int>(n);
      }
    }
    return Status::ok();
  }

  Status check_graph_io() {
    is_input_.assign(num_tensors_, false);
    const auto* inputs = graph_.inputs();
    for (uint32_t i = 0; i < count(inputs); ++i) {
      const int32_t t = inputs->Get(i);
      if (t < 0 || static_cast<uint32_t>(t) >= num_tensors_) {
        return Status::error("graph input " + std::to_string(i) + " is tensor index " + std::to_string(t) +
                             ", out of range (" + std::to_string(num_tensors_) + " tensors)");
      }
      if (is_input_[t]) return Status::error("graph input " + tensor_label(t) + " is listed twice");
      if (producer_[t] != -1) {
        return Status::error("graph input " + tensor_label(t) + " is produced by " + node_label(producer_[t]) +
                             ", expected no producer");
      }
      if (is_constant(t)) {
        return Status::error("graph input " + tensor_label(t) + " has buffer " + std::to_string(tensor(t).buffer()) +
                             ", expected no data");
      }
      is_input_[t] = true;
    }
    const auto* outputs = graph_.outputs();
    for (uint32_t i = 0; i < count(outputs); ++i) {
      const int32_t t = outputs->Get(i);
      if (t < 0 || static_cast<uint32_t>(t) >= num_tensors_) {
        return Status::error("graph output " + std::to_string(i) + " is tensor index " + std::to_string(t) +
                             ", out of range (" + std::to_string(num_tensors_) + " tensors)");
      }
      if (producer_[t] == -1 && !is_input_[t] && !is_constant(t)) {
        return Status::error("graph output " + tensor_label(t) +
                             " has no producer (expected a node output, a graph input or a constant)");
      }
    }
    return Status::ok();
  }

  Status check_node_inputs() const {
    for (uint32_t n = 0; n < num_nodes(); ++n) {
      const auto* inputs = node(n).inputs();
      for (uint32_t i = 0; i < count(inputs); ++i) {
        const int32_t t = inputs->Get(i);
        if (t == -1 || producer_[t] != -1 || is_input_[t] || is_constant(t)) continue;
        return Status::error(node_label(n) + ": input " + std::to_string(i) + " " + tensor_label(t) +
                             " has no producer (expected a graph input, a constant or a node output)");
      }
    }
    return Status::ok();
  }

  // The producer nodes of node n's inputs (with repeats).
  std::vector<int> predecessors(uint32_t n) const {
    std::vector<int> preds;
    const auto* inputs = node(n).inputs();
    for (uint32_t i = 0; i < count(inputs); ++i) {
      const int32_t t = inputs->Get(i);
      if (t != -1 && producer_[t] != -1) preds.push_back(producer_[t]);
    }
    return preds;
  }

  Status check_acyclic() const {
    const uint32_t n_nodes = num_nodes();
    std::vector<std::vector<int>> preds(n_nodes), succs(n_nodes);
    std::vector<size_t> pending(n_nodes);
    for (uint32_t n = 0; n < n_nodes; ++n) {
      preds[n] = predecessors(n);
      pending[n] = preds[n].size();
      for (int p : preds[n]) succs[p].push_back(static_cast<int>(n));
    }
    std::vector<int> ready;
    std::vector<bool> done(n_nodes, false);
    for (uint32_t n = 0; n < n_nodes; ++n)
      if (pending[n] == 0) ready.push_back(static_cast<int>(n));
    while (!ready.empty()) {
      const int u = ready.back();
      ready.pop_back();
      done[u] = true;
      for (int v : succs[u])
        if (--pending[v] == 0) ready.push_back(v);
    }
    const auto stuck = std::find(done.begin(), done.end(), false);
    if (stuck == done.end()) return Status::ok();
    // Walk back through not-done predecessors until a node repeats: that node is on a cycle.
    std::vector<int> path;
    std::vector<int> position(n_nodes, -1);
    int u = static_cast<int>(stuck - done.begin());
    while (position[u] == -1) {
      position[u] = static_cast<int>(path.size());
      path.push_back(u);
      for (int p : preds[u]) {
        if (!done[p]) {
          u = p;
          break;
        }
      }
    }
    std::vector<int> cycle(path.begin() + position[u], path.end());
    std::reverse(cycle.begin(), cycle.end());  // producer -> consumer order
    std::string text;
    for (int c : cycle) text += node_label(c) + " -> ";
    text += node_label(cycle.front());
    return Status::error("graph has a cycle: " + text);
  }

  Status check_order() const {
    for (uint32_t n = 0; n < num_nodes(); ++n) {
      const auto* inputs = node(n).inputs();
      for (uint32_t i = 0; i < count(inputs); ++i) {
        const int32_t t = inputs->Get(i);
        if (t == -1 || producer_[t] == -1 || producer_[t] < static_cast<int>(n)) continue;
        return Status::error(node_label(n) + ": input " + tensor_label(t) + " is produced by " +
                             node_label(producer_[t]) + ", which comes later; nodes must be in topological order");
      }
    }
    return Status::ok();
  }

  const fb::Model& model_;
  const fb::Graph& graph_;
  const uint32_t num_tensors_;
  std::vector<int> producer_;    // per tensor: producing node or -1
  std::vector<bool> is_input_;   // per tensor: listed in graph inputs
};

}  // namespace

Status validate_model(const fb::Model& model) { return Validator(model).run(); }

}  // namespace saturn
