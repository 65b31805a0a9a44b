// HardSwish patterns (as exported by paddle2onnx and others), rewritten into one HardSwish node:
//   y = Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6)      (also Mul by 1/6 instead of Div by 6)
//   y = Mul(x, HardSigmoid(x; alpha = 1/6, beta = 0.5))
// Operands of Add and Mul may come in either order. The intermediates must feed only the pattern.
#include "converter/activation.h"
#include "converter/passes/passes.h"
#include "converter/passes/pattern_match.h"

namespace saturn::converter {

namespace {

using pattern::Match;
using pattern::near;

// Replaces the nodes `nodes` by a HardSwish node x -> y placed at the last of them.
void rewrite(ir::Graph& g, const std::vector<size_t>& nodes, const std::string& x, const std::string& y,
             const std::string& name, int64_t opset) {
  pattern::replace(g, nodes, ir::make_node("HardSwish", name, std::max<int64_t>(opset, 14), {x}, {y}));
}

// Tries both patterns ending at node i; true when one was rewritten.
bool match_at(Match& c, size_t i) {
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
  pattern::rewrite_all(graph, match_at);
  return Status::ok();
}

}  // namespace saturn::converter
