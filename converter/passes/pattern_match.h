// Helpers of the passes that rewrite a small subgraph (an activation written out in elementwise
// ops) into one node: hardswish_pattern.cc, gelu_pattern.cc.
#pragma once

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "converter/ir/graph.h"

namespace saturn::converter::pattern {

// |v - want| within 1e-6 relative (exporters write constants such as 1/6 or sqrt(2) in float).
inline bool near(double v, double want) { return std::fabs(v - want) <= 1e-6 * std::max(1.0, std::fabs(want)); }

// The graph with its consumer and producer maps, valid until the graph changes.
struct Match {
  ir::Graph& g;
  std::map<std::string, std::vector<size_t>> consumers;
  std::map<std::string, size_t> producers;

  explicit Match(ir::Graph& graph) : g(graph), consumers(graph.consumers()), producers(graph.producers()) {}

  // The node reading `t`, when it is the only reader and `t` is no graph output.
  std::optional<size_t> only_consumer(const std::string& t) const {
    auto it = consumers.find(t);
    if (it == consumers.end() || it->second.size() != 1 || g.is_graph_output(t)) return std::nullopt;
    return it->second[0];
  }
  std::optional<size_t> producer(const std::string& t) const {
    auto it = producers.find(t);
    if (it == producers.end()) return std::nullopt;
    return it->second;
  }
  std::optional<double> scalar(const std::string& name) const {
    const ir::Tensor* c = g.constant(name);
    if (!c || c->numel() != 1) return std::nullopt;
    return c->as_doubles()[0];
  }
  // For a binary node with a scalar-constant operand: the other operand, if the constant is `want`.
  std::optional<std::string> operand_with_const(const ir::Node& n, double want) const {
    if (n.inputs.size() != 2) return std::nullopt;
    for (int k = 0; k < 2; ++k)
      if (auto v = scalar(n.inputs[k]); v && near(*v, want)) return n.inputs[1 - k];
    return std::nullopt;
  }
  // For a binary node: the other operand when one of them is `t`.
  static std::optional<std::string> other_operand(const ir::Node& n, const std::string& t) {
    if (n.inputs.size() != 2) return std::nullopt;
    if (n.inputs[0] == t) return n.inputs[1];
    if (n.inputs[1] == t) return n.inputs[0];
    return std::nullopt;
  }
  bool is(size_t i, const char* op) const { return g.nodes[i].op_type == op && g.nodes[i].domain.empty(); }
};

// Replaces the nodes `pattern` (indices) by `node`, placed where the last of them was.
inline void replace(ir::Graph& g, const std::vector<size_t>& pattern, ir::Node node) {
  const size_t last = *std::max_element(pattern.begin(), pattern.end());
  std::vector<ir::Node> out;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    if (k == last) out.push_back(std::move(node));
    else if (std::find(pattern.begin(), pattern.end(), k) == pattern.end()) out.push_back(std::move(g.nodes[k]));
  }
  g.nodes = std::move(out);
}

// Applies `match_at(m, i)` (true when it rewrote the graph) at every node until none matches.
template <typename MatchAt>
void rewrite_all(ir::Graph& g, MatchAt match_at) {
  bool changed = true;
  while (changed) {
    changed = false;
    Match m(g);
    for (size_t i = 0; i < g.nodes.size() && !changed; ++i) changed = match_at(m, i);
  }
  g.drop_unused_tensors();
}

}  // namespace saturn::converter::pattern
