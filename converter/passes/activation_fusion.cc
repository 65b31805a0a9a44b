// Activation fusion: first the HardSwish and GELU patterns (hardswish_pattern.cc, gelu_pattern.cc),
// then every activation node (Relu, Clip with constant bounds, Sigmoid, HardSigmoid, HardSwish,
// LeakyRelu, Tanh, the internal Gelu) whose input comes from a Conv, ConvTranspose, Gemm, MatMul or
// Add/Sub/Mul/Div that has no fused activation yet (or a Relu/Clip that composes with a following
// Relu/Clip into one clamp, e.g. Relu then Clip(0, 6)), when that input feeds only the activation
// and is not a graph output. The producer takes over the activation and the activation's output
// name. Swish (SiLU) is fused from its pattern Mul(x, Sigmoid(x)) (either operand order) the same
// way, when x feeds only the two.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "converter/activation.h"
#include "converter/passes/passes.h"

namespace saturn::converter {

Status fuse_hardswish_patterns(ir::Graph& graph);  // hardswish_pattern.cc
Status fuse_gelu_patterns(ir::Graph& graph);       // gelu_pattern.cc

namespace {
bool can_take_activation(const ir::Node& n) {
  static const std::set<std::string> kOps{"Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div"};
  return n.domain.empty() && kOps.count(n.op_type) && n.outputs.size() == 1;
}

// The lower and upper bounds of a Relu or Clip activation (no affine tail); false for other kinds.
bool clamp_bounds(const ir::Activation& a, float* lo, float* hi) {
  if (a.has_tail()) return false;
  if (a.kind == ir::ActivationKind::kRelu) {
    *lo = 0.f;
    *hi = std::numeric_limits<float>::infinity();
    return true;
  }
  if (a.kind == ir::ActivationKind::kClip) {
    *lo = a.alpha;
    *hi = a.beta;
    return true;
  }
  return false;
}

// `first` then `second` as one activation: nothing fused yet, or two clamps (Relu followed by
// Clip(0, 6) is how some exporters write ReLU6) whose bounds intersect. False otherwise.
bool compose(const ir::Activation& first, const ir::Activation& second, ir::Activation* out) {
  if (first.kind == ir::ActivationKind::kNone && !first.has_tail()) {
    *out = second;
    return true;
  }
  float lo1, hi1, lo2, hi2;
  if (!clamp_bounds(first, &lo1, &hi1) || !clamp_bounds(second, &lo2, &hi2)) return false;
  const float lo = std::max(lo1, lo2), hi = std::min(hi1, hi2);
  if (lo > hi) return false;
  if (lo == 0.f && std::isinf(hi)) {
    *out = {ir::ActivationKind::kRelu, 0.f, 0.f};
  } else {
    *out = {ir::ActivationKind::kClip, lo, hi};
  }
  return true;
}

// Mul(x, Sigmoid(x)) -> Swish fused into x's producer (see the header comment).
void fuse_swish(ir::Graph& graph) {
  const auto consumers = graph.consumers();
  const auto producers = graph.producers();
  std::vector<bool> remove(graph.nodes.size(), false);
  for (size_t m = 0; m < graph.nodes.size(); ++m) {
    const ir::Node& mul = graph.nodes[m];
    if (mul.op_type != "Mul" || !mul.domain.empty() || mul.inputs.size() != 2) continue;
    for (int k = 0; k < 2; ++k) {
      const std::string& x = mul.inputs[k];
      const std::string& s = mul.inputs[1 - k];
      auto sig = producers.find(s), prod = producers.find(x);
      if (sig == producers.end() || prod == producers.end() || remove[sig->second]) continue;
      const ir::Node& sigmoid = graph.nodes[sig->second];
      ir::Node& p = graph.nodes[prod->second];
      if (sigmoid.op_type != "Sigmoid" || !sigmoid.domain.empty() || sigmoid.input(0) != x ||
          consumers.at(s).size() != 1 || consumers.at(x).size() != 2 || graph.is_graph_output(x) ||
          graph.is_graph_output(s) || !can_take_activation(p) || p.fused.kind != ir::ActivationKind::kNone ||
          p.fused.has_tail())
        continue;
      p.fused = {ir::ActivationKind::kSwish, 0.f, 0.f};
      p.outputs[0] = mul.outputs[0];
      remove[sig->second] = remove[m] = true;
      break;
    }
  }
  graph.erase_nodes(remove);
}
}  // namespace

Status fuse_activations(ir::Graph& graph) {
  SATURN_RETURN_IF_ERROR(fuse_hardswish_patterns(graph));
  SATURN_RETURN_IF_ERROR(fuse_gelu_patterns(graph));
  fuse_swish(graph);
  auto consumers = graph.consumers();
  auto producers = graph.producers();
  std::vector<bool> remove(graph.nodes.size(), false);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const ir::Node& act = graph.nodes[i];
    if (!is_activation_op(act) || act.outputs.size() != 1) continue;
    const std::string t = act.input(0);
    auto p = producers.find(t);
    if (p == producers.end() || consumers[t].size() != 1 || graph.is_graph_output(t)) continue;
    ir::Node& prod = graph.nodes[p->second];
    if (!can_take_activation(prod)) continue;
    Result<ir::Activation> a = activation_from_node(act, graph);
    if (!a) continue;  // the lowering reports it
    ir::Activation combined;
    if (!compose(prod.fused, *a, &combined)) continue;
    prod.fused = combined;
    prod.outputs[0] = act.outputs[0];
    producers[act.outputs[0]] = p->second;  // a following activation may compose with this one
    remove[i] = true;
  }
  graph.erase_nodes(remove);
  graph.drop_unused_tensors();
  return Status::ok();
}

}  // namespace saturn::converter
