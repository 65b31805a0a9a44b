// HardSwish patterns (as exported by paddle2onnx and others), rewritten into one HardSwish node:
//   y = Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6)      (also Mul by 1/6 instead of Div by 6)
//   y = Mul(x, HardSigmoid(x; alpha = 1/6, beta = 0.5))
// Operands of Add and Mul may come in either order. The intermediates must feed only the pattern.
#include <algorithm>
#include <cmath>
#include <optional>

#include "converter/activation.h"
#include "converter/passes/passes.h"

namespace saturn::converter {

namespace {

bool near(double v, double want) { return std::fabs(v - want) <= 1e-6 * std::max(1.0, std::fabs(want)); }

struct Ctx {
  ir::Graph& g;
  std::map<std::string, std::vector<size_t>> consumers;
  std::map<std::string, size_t> producers;

  std::optional<size_t> only_consumer(const std::string& t) {
    auto it = consumers.find(t);
    if (it == consumers.end() || it->second.size() != 1 || g.is_graph_output(t)) return std::nullopt;
    return it->second[0];
  }
  std::optional<double> scalar(const std::string& name) {
    const ir::Tensor* c = g.constant(name);
    if (!c || c->numel() != 1) return std::nullopt;
    return c->as_doubles()[0];
  }
  // For a binary node with a scalar-constant operand: the other operand, if the constant is `want`.
  std::optional<std::string> operand_with_const(const ir::Node& n, double want) {
    if (n.inputs.size() != 2) return std::nullopt;
    for (int k = 0; k < 2; ++k)
      if (auto v = scalar(n.inputs[k]); v && near(*v, want)) return n.inputs[1 - k];
    return std::nullopt;
  }
  bool is(size_t i, const char* op) { return g.nodes[i].op_type == op && g.nodes[i].domain.empty(); }
};

// Replaces the nodes `pattern` by a HardSwish node x -> y placed at the last of them.
void rewrite(ir::Graph& g, std::vector<size_t> pattern, const std::string& x, const std::string& y,
             const std::string& name, int64_t opset) {
  ir::Node hs = ir::make_node("HardSwish", name, std::max<int64_t>(opset, 14), {x}, {y});
  const size_t last = *std::max_element(pattern.begin(), pattern.end());
  std::vector<ir::Node> out;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    if (k == last) out.push_back(hs);
    else if (std::find(pattern.begin(), pattern.end(), k) == pattern.end()) out.push_back(std::move(g.nodes[k]));
  }
  g.nodes = std::move(out);
}

// Tries both patterns ending at node i; true when one was rewritten.
bool match_at(Ctx& c, size_t i) {
  ir::Node& n = c.g.nodes[i];
  if (c.is(i, "Clip")) {
    Result<ir::Activation> act = activation_from_node(n, c.g);
    if (!act || act->kind != ir::ActivationKind::kClip || act->alpha != 0.0f || act->beta != 6.0f) return false;
    auto add = c.producers.find(n.input(0));
    if (add == c.producers.end() || !c.is(add->second, "Add") || !c.only_consumer(n.input(0))) return false;
    auto x = c.operand_with_const(c.g.nodes[add->second], 3.0);
    if (!x) return false;
    auto mul = c.only_consumer(n.outputs[0]);
    if (!mul || !c.is(*mul, "Mul")) return false;
    const auto& mi = c.g.nodes[*mul].inputs;
    if (!(mi.size() == 2 && ((mi[0] == *x && mi[1] == n.outputs[0]) || (mi[1] == *x && mi[0] == n.outputs[0]))))
      return false;
    auto scale = c.only_consumer(c.g.nodes[*mul].outputs[0]);
    if (!scale) return false;
    const ir::Node& s = c.g.nodes[*scale];
    const std::string m_out = c.g.nodes[*mul].outputs[0];
    bool ok = false;
    if (c.is(*scale, "Div")) ok = s.input(0) == m_out && c.scalar(s.input(1)) && near(*c.scalar(s.input(1)), 6.0);
    else if (c.is(*scale, "Mul")) ok = c.operand_with_const(s, 1.0 / 6.0) == m_out;
    if (!ok) return false;
    rewrite(c.g, {add->second, i, *mul, *scale}, *x, s.outputs[0], s.name, s.opset);
    return true;
  }
  if (c.is(i, "HardSigmoid")) {
    Result<ir::Activation> act = activation_from_node(n, c.g);
    if (!act || !near(act->alpha, 1.0 / 6.0) || act->beta != 0.5f) return false;
    auto mul = c.only_consumer(n.outputs[0]);
    if (!mul || !c.is(*mul, "Mul")) return false;
    const auto& mi = c.g.nodes[*mul].inputs;
    const std::string x = n.input(0), h = n.outputs[0];
    if (!(mi.size() == 2 && ((mi[0] == x && mi[1] == h) || (mi[1] == x && mi[0] == h)))) return false;
    const ir::Node& m = c.g.nodes[*mul];
    rewrite(c.g, {i, *mul}, x, m.outputs[0], m.name, m.opset);
    return true;
  }
  return false;
}

}  // namespace

Status fuse_hardswish_patterns(ir::Graph& graph) {
  bool changed = true;
  while (changed) {
    changed = false;
    Ctx c{graph, graph.consumers(), graph.producers()};
    for (size_t i = 0; i < graph.nodes.size() && !changed; ++i) changed = match_at(c, i);
  }
  graph.drop_unused_tensors();
  return Status::ok();
}

}  // namespace saturn::converter
