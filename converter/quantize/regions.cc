#include "converter/quantize/regions.h"

#include <algorithm>
#include <map>

#include "converter/lowering/lowering.h"
#include "converter/passes/passes.h"

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

// Add and Mul: two runtime operands, an output scale of their own, and an F32 output when no INT8
// node reads it.
bool is_add_or_mul(const ir::Node& n) { return n.op_type == "Add" || n.op_type == "Mul"; }

// The internal Activation of passes.h split_table_activations: an INT8 table with a scale of its own.
bool is_split_activation(const ir::Node& n) {
  return n.domain == kInternalDomain && n.op_type == "Activation";
}

}  // namespace

Role int8_role(const ir::Node& n, const ir::Graph& g) {
  if (is_split_activation(n)) return is_runtime(g, n.input(0)) ? Role::kFollower : Role::kFp32;
  if (!n.domain.empty()) return Role::kFp32;
  const std::string& op = n.op_type;
  if (op == "Conv" || op == "ConvTranspose") return is_runtime(g, n.input(0)) && float_constant(g, n.input(1)) ? Role::kAnchor : Role::kFp32;
  if (op == "Gemm") return gemm_eligible(n, g) ? Role::kAnchor : Role::kFp32;
  if (op == "MatMul")
    return is_runtime(g, n.input(0)) && (is_runtime(g, n.input(1)) || float_constant(g, n.input(1))) ? Role::kAnchor
                                                                                                     : Role::kFp32;
  if (is_add_or_mul(n))
    return is_runtime(g, n.input(0)) && is_runtime(g, n.input(1)) ? Role::kFollower : Role::kFp32;
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

bool keeps_scale(const ir::Node& n) { return !is_add_or_mul(n) && !is_split_activation(n); }

std::vector<std::string> data_inputs(const ir::Node& n, const ir::Graph& g) {
  std::vector<std::string> out;
  const bool all = is_add_or_mul(n) || n.op_type == "Concat" || n.op_type == "MatMul";
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
    if (roles[i] == Role::kFollower) {
      // A Mul runs in INT8 only when both factors come from INT8 nodes (a squeeze-and-excitation
      // gate). Quantizing an FP32 factor cost more than the INT8 Mul saved and lost accuracy (SiLU's
      // Sigmoid before Swish was fused, untrained EfficientNet-B0: 0.93x FP32, SQNR 22.6 -> 9.9 dB).
      const std::vector<std::string> ins = data_inputs(n, g);
      const auto int8_input = [&](const std::string& in) { return tentative.count(in) > 0; };
      r.int8[i] = n.op_type == "Mul" ? std::all_of(ins.begin(), ins.end(), int8_input)
                                     : std::any_of(ins.begin(), ins.end(), int8_input);
    }
    if (r.int8[i])
      for (const auto& o : n.outputs) tentative.insert(o);
  }
  const auto consumers = g.consumers();
  // True when `t` is read by an INT8 node and is no graph output.
  const auto read_in_int8 = [&](const std::string& t) {
    auto it = consumers.find(t);
    if (it == consumers.end() || g.is_graph_output(t)) return false;
    return std::any_of(it->second.begin(), it->second.end(), [&](size_t c) { return r.int8[c]; });
  };
  // An Add or Mul whose output no INT8 node reads runs in FP32, on its inputs' Dequantize nodes: the
  // same float arithmetic, while oneDNN 2.6 runs an INT8 binary with an F32 output only on its
  // reference kernel (LR-ASPP's classifier Mul and Add, 25 K and 16 K elements: 2.8 and 1.2 ms).
  // Backwards, so that a chain of them goes FP32 together.
  for (size_t i = g.nodes.size(); i-- > 0;)
    if (r.int8[i] && is_add_or_mul(g.nodes[i]) && !read_in_int8(g.nodes[i].outputs[0])) r.int8[i] = false;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!r.int8[i]) continue;
    // Anchors can produce F32 directly; followers keep their input's type.
    for (const auto& o : g.nodes[i].outputs)
      if (!o.empty() && (roles[i] != Role::kAnchor || read_in_int8(o))) r.int8_out.insert(o);
  }
  return r;
}

int fuse_residuals(ir::Graph& g, Regions& r) {
  // Both in INT8 with INT8 outputs: the fused Conv would otherwise need an F32 R or output.
  const auto allowed = [&](size_t add, size_t conv) {
    return r.int8[add] && r.int8[conv] && r.int8_out.count(g.nodes[add].outputs[0]) &&
           r.int8_out.count(g.nodes[conv].outputs[0]);
  };
  const auto before_removing = [&](size_t conv) {
    r.int8_out.erase(g.nodes[conv].outputs[0]);
    r.int8.erase(r.int8.begin() + static_cast<long>(conv));
  };
  return fuse_residual_adds(g, allowed, before_removing);
}

}  // namespace saturn::converter::quantize
