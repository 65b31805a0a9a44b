// Dead node removal: Identity and Dropout (inference: the identity on its first output; the mask
// output must be unused) are removed by rewiring their consumers to the input, except where the
// output is a graph output (then an Identity node keeps the output's name). Nodes none of whose
// outputs reach a graph output are dropped.
#include <set>

#include "converter/passes/passes.h"

namespace saturn::converter {

namespace {

bool is_passthrough(const ir::Node& n, const std::map<std::string, std::vector<size_t>>& consumers) {
  if (!n.domain.empty() || n.inputs.empty() || n.input(0).empty() || n.outputs.empty()) return false;
  if (n.op_type == "Identity") return true;
  if (n.op_type != "Dropout") return false;
  // A used mask output cannot be rewired away.
  if (n.outputs.size() > 1 && !n.outputs[1].empty() && consumers.count(n.outputs[1])) return false;
  return true;
}

}  // namespace

Status remove_dead_nodes(ir::Graph& graph) {
  // 1. Rewire Identity/Dropout.
  auto consumers = graph.consumers();
  std::map<std::string, std::string> alias;  // removed output -> source tensor
  auto resolve = [&](std::string name) {
    for (auto it = alias.find(name); it != alias.end(); it = alias.find(name)) name = it->second;
    return name;
  };
  std::vector<ir::Node> kept;
  for (auto& n : graph.nodes) {
    for (auto& in : n.inputs)
      if (!in.empty()) in = resolve(in);
    if (is_passthrough(n, consumers) && !graph.is_graph_output(n.outputs[0])) {
      alias[n.outputs[0]] = n.inputs[0];
      continue;
    }
    if (is_passthrough(n, consumers) && n.op_type == "Dropout") {
      // Graph output: keep its name through an Identity.
      n.op_type = "Identity";
      n.inputs.resize(1);
      n.outputs.resize(1);
      n.attrs.clear();
    }
    kept.push_back(std::move(n));
  }
  graph.nodes = std::move(kept);

  // 2. Drop nodes that reach no graph output (walk back from the outputs).
  auto producers = graph.producers();
  std::set<size_t> live;
  std::vector<std::string> work(graph.outputs.begin(), graph.outputs.end());
  while (!work.empty()) {
    std::string t = work.back();
    work.pop_back();
    auto it = producers.find(t);
    if (it == producers.end() || !live.insert(it->second).second) continue;
    for (const auto& in : graph.nodes[it->second].inputs)
      if (!in.empty()) work.push_back(in);
  }
  std::vector<ir::Node> alive;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (live.count(i)) alive.push_back(std::move(graph.nodes[i]));
  graph.nodes = std::move(alive);
  graph.drop_unused_tensors();
  return Status::ok();
}

}  // namespace saturn::converter
