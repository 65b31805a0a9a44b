// GELU as exporters write it out (torch.nn.GELU, approximate='none'), rewritten into one Gelu node
// (domain kInternalDomain; ONNX's own Gelu came in opset 20):
//   y = x * (Erf(x / sqrt(2)) + 1) * 0.5
// with the division also written as Mul by 1/sqrt(2), operands of Add and Mul in either order, and
// the two products grouped either way: (x * e) * 0.5, (x * 0.5) * e or x * (e * 0.5), e being the
// Add. The intermediates must feed only the pattern. fuse_activations then fuses the Gelu node into
// its producer like any activation.
#include <cmath>

#include "converter/lowering/lowering.h"
#include "converter/passes/passes.h"
#include "converter/passes/pattern_match.h"

namespace saturn::converter {

namespace {

using pattern::Match;
using pattern::near;

// The pattern whose Erf is node i; true when it was rewritten.
bool match_at(Match& m, size_t i) {
  if (!m.is(i, "Erf")) return false;
  const ir::Node& erf = m.g.nodes[i];
  const auto scaled = m.producer(erf.input(0));
  if (!scaled || m.only_consumer(erf.input(0)) != i) return false;
  const ir::Node& s = m.g.nodes[*scaled];
  std::optional<std::string> x;
  if (m.is(*scaled, "Div") && m.scalar(s.input(1)) && near(*m.scalar(s.input(1)), std::sqrt(2.0))) x = s.input(0);
  if (m.is(*scaled, "Mul")) x = m.operand_with_const(s, 1.0 / std::sqrt(2.0));
  if (!x) return false;

  const auto add = m.only_consumer(erf.outputs[0]);
  if (!add || !m.is(*add, "Add") || m.operand_with_const(m.g.nodes[*add], 1.0) != erf.outputs[0]) return false;
  const std::string e = m.g.nodes[*add].outputs[0];
  const auto mul1 = m.only_consumer(e);
  if (!mul1 || !m.is(*mul1, "Mul")) return false;
  const ir::Node& m1 = m.g.nodes[*mul1];
  const std::optional<std::string> other = Match::other_operand(m1, e);
  if (!other) return false;

  std::vector<size_t> nodes = {*scaled, i, *add, *mul1};
  const ir::Node* last = &m1;
  const auto half = m.producer(*other);
  if (*other == *x || (m.scalar(*other) && near(*m.scalar(*other), 0.5))) {
    // (x * e) * 0.5 or x * (e * 0.5): one more Mul, by the factor not yet seen.
    const auto mul2 = m.only_consumer(m1.outputs[0]);
    if (!mul2 || !m.is(*mul2, "Mul")) return false;
    const ir::Node& m2 = m.g.nodes[*mul2];
    const std::optional<std::string> rest = Match::other_operand(m2, m1.outputs[0]);
    const bool ok = *other == *x ? rest && m.scalar(*rest) && near(*m.scalar(*rest), 0.5) : rest == x;
    if (!ok) return false;
    nodes.push_back(*mul2);
    last = &m2;
  } else if (half && m.is(*half, "Mul") && m.operand_with_const(m.g.nodes[*half], 0.5) == x &&
             m.only_consumer(*other) == *mul1) {
    nodes.push_back(*half);  // (x * 0.5) * e
  } else {
    return false;
  }
  ir::Node gelu = ir::make_node("Gelu", last->name, 1, {*x}, {last->outputs[0]});
  gelu.domain = kInternalDomain;
  pattern::replace(m.g, nodes, std::move(gelu));
  return true;
}

}  // namespace

Status fuse_gelu_patterns(ir::Graph& graph) {
  pattern::rewrite_all(graph, match_at);
  return Status::ok();
}

}  // namespace saturn::converter
