#include "converter/quantize/regions.h"

#include <algorithm>
#include <map>

namespace saturn::converter::quantize {

namespace {

bool is_runtime(const ir::Graph& g, const std::string& name) {
  if (name.empty()) return false;
  const ir::Tensor* t = g.find(name);
  return t && !t->is_constant() && t->dtype == ir::ElemType::kFloat;
}

const ir::Tensor* float_constant(const ir::Graph& g, const std::string& name) {
  const ir::Tensor* t = g.constant(name);
  return t && t->dtype == ir::ElemType::kFloat && t->is_static() ? t : nullptr;
}

bool gemm_eligible(const ir::Node& n, const ir::Graph& g) {
  const ir::Tensor* b = float_constant(g, n.input(1));
  if (!is_runtime(g, n.input(0)) || !b || b->dims.size() != 2) return false;
  if (n.input(2).empty()) return true;
  const ir::Tensor* c = float_constant(g, n.input(2));
  if (!c) return false;
  const int64_t cols = n.attr_int("transB", 0) != 0 ? b->dims[0] : b->dims[1];
  return c->numel() == 1 || (c->numel() == cols && !c->dims.empty() && c->dims.back() == cols);
}

bool pad_eligible(const ir::Node& n, const ir::Graph& g) {
  const std::string mode = n.attr_string("mode", "constant");
  if (mode == "reflect" || mode == "edge") return true;
  if (mode != "constant") return false;
  float value = n.attr_float("value", 0.f);
  if (!n.input(2).empty()) {
    const ir::Tensor* v = g.constant(n.input(2));
    if (!v || v->numel() != 1) return false;
    value = static_cast<float>(v->as_doubles()[0]);
  }
  return value == 0.f;
}

}  // namespace

Role int8_role(const ir::Node& n, const ir::Graph& g) {
  if (!n.domain.empty()) return Role::kFp32;
  const std::string& op = n.op_type;
  if (op == "Conv" || op == "ConvTranspose") return is_runtime(g, n.input(0)) && float_constant(g, n.input(1)) ? Role::kAnchor : Role::kFp32;
  if (op == "Gemm") return gemm_eligible(n, g) ? Role::kAnchor : Role::kFp32;
  if (op == "MatMul")
    return is_runtime(g, n.input(0)) && (is_runtime(g, n.input(1)) || float_constant(g, n.input(1))) ? Role::kAnchor
                                                                                                     : Role::kFp32;
  if (op == "Add") return is_runtime(g, n.input(0)) && is_runtime(g, n.input(1)) ? Role::kFollower : Role::kFp32;
  if (op == "Concat") {
    for (const auto& in : n.inputs)
      if (!is_runtime(g, in)) return Role::kFp32;
    return Role::kFollower;
  }
  if (!is_runtime(g, n.input(0))) return Role::kFp32;
  if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool") return Role::kFollower;
  if (op == "Resize" || op == "Upsample") return n.attr_string("mode", "nearest") == "nearest" ? Role::kFollower : Role::kFp32;
  if (op == "Pad") return pad_eligible(n, g) ? Role::kFollower : Role::kFp32;
  static const std::set<std::string> kMovement = {"Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze",
                                                  "Slice",   "Identity", "Gather"};
  return kMovement.count(op) ? Role::kFollower : Role::kFp32;
}

bool keeps_scale(const ir::Node& n) { return n.op_type != "Add"; }

std::vector<std::string> data_inputs(const ir::Node& n, const ir::Graph& g) {
  std::vector<std::string> out;
  const bool all = n.op_type == "Add" || n.op_type == "Concat" || n.op_type == "MatMul";
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const bool data = all || i == 0 || (n.op_type == "Conv" && i == 3);
    if (data && is_runtime(g, n.inputs[i]) && std::find(out.begin(), out.end(), n.inputs[i]) == out.end())
      out.push_back(n.inputs[i]);
  }
  return out;
}

Regions decide_regions(const ir::Graph& g, const std::set<std::string>& fp32_nodes) {
  Regions r;
  r.int8.assign(g.nodes.size(), false);
  std::vector<Role> roles(g.nodes.size());
  std::set<std::string> tentative;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const ir::Node& n = g.nodes[i];
    roles[i] = fp32_nodes.count(n.name) ? Role::kFp32 : int8_role(n, g);
    if (roles[i] == Role::kAnchor) r.int8[i] = true;
    if (roles[i] == Role::kFollower)
      for (const auto& in : data_inputs(n, g)) r.int8[i] = r.int8[i] || tentative.count(in) > 0;
    if (r.int8[i])
      for (const auto& o : n.outputs) tentative.insert(o);
  }
  const auto consumers = g.consumers();
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!r.int8[i]) continue;
    for (const auto& o : g.nodes[i].outputs) {
      if (o.empty()) continue;
      bool int8_consumer = false;
      auto it = consumers.find(o);
      if (it != consumers.end())
        for (size_t c : it->second) int8_consumer = int8_consumer || r.int8[c];
      // Anchors and Add can produce F32 directly; the other followers keep their input's type.
      const bool f32_capable = roles[i] == Role::kAnchor || g.nodes[i].op_type == "Add";
      if (!f32_capable || (int8_consumer && !g.is_graph_output(o))) r.int8_out.insert(o);
    }
  }
  return r;
}

int fuse_residuals(ir::Graph& g, Regions& r) {
  int fused = 0;
  for (bool changed = true; changed;) {
    changed = false;
    const auto producers = g.producers();
    const auto consumers = g.consumers();
    for (size_t i = 0; i < g.nodes.size() && !changed; ++i) {
      const ir::Node& add = g.nodes[i];
      if (add.op_type != "Add" || !add.domain.empty() || !r.int8[i] || add.inputs.size() != 2) continue;
      const ir::Tensor* out = g.find(add.outputs[0]);
      if (!r.int8_out.count(add.outputs[0])) continue;  // the fused Conv would need an F32 R
      long best = -1;
      size_t best_k = 0;
      for (size_t k = 0; k < 2; ++k) {
        const std::string& c = add.inputs[k];
        const std::string& res = add.inputs[1 - k];
        auto p = producers.find(c);
        if (c == res || p == producers.end()) continue;
        const ir::Node& conv = g.nodes[p->second];
        auto uses = consumers.find(c);
        const ir::Tensor* ct = g.find(c);
        const ir::Tensor* rt = g.find(res);
        if (conv.op_type != "Conv" || !conv.domain.empty() || !r.int8[p->second] || !r.int8_out.count(c) ||
            conv.fused.kind != ir::ActivationKind::kNone || !conv.input(3).empty() || g.is_graph_output(c) ||
            uses == consumers.end() || uses->second.size() != 1 || !ct || !rt || !out || ct->dims != out->dims ||
            rt->dims != out->dims)
          continue;
        if (static_cast<long>(p->second) > best) {
          best = static_cast<long>(p->second);
          best_k = k;
        }
      }
      if (best < 0) continue;
      ir::Node conv = g.nodes[best];
      const std::string c = add.inputs[best_k], res = add.inputs[1 - best_k];
      conv.inputs.resize(4);
      conv.inputs[3] = res;
      conv.outputs = {add.outputs[0]};
      conv.fused = add.fused;
      r.int8_out.erase(c);
      g.nodes[i] = std::move(conv);
      g.nodes.erase(g.nodes.begin() + best);
      r.int8.erase(r.int8.begin() + best);
      ++fused;
      changed = true;
    }
  }
  return fused;
}

}  // namespace saturn::converter::quantize
