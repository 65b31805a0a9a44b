// Constant folding: evaluates every node whose inputs are constants (const_eval.h), replaces its
// outputs by constants, and re-runs ONNX shape inference; repeats until neither folding nor shape
// inference learns anything new. This turns Shape -> Gather -> ... -> Concat -> Reshape chains into
// constant Reshape targets once the input shapes are fixed.
#include "converter/passes/const_eval.h"
#include "converter/passes/passes.h"
#include "converter/shape_inference.h"

namespace saturn::converter {

Status fold_constants(ir::Graph& graph) {
  constexpr int kMaxRounds = 100;
  for (int round = 0; round < kMaxRounds; ++round) {
    bool folded = false;
    std::vector<ir::Node> kept;
    kept.reserve(graph.nodes.size());
    // Nodes are in topological order, so one sweep folds whole constant chains.
    for (auto& node : graph.nodes) {
      std::vector<ir::Tensor> outs;
      Result<bool> r = evaluate_node(node, graph, outs);
      if (!r) return r.status();
      if (!*r) {
        kept.push_back(std::move(node));
        continue;
      }
      for (auto& t : outs) graph.tensors[t.name] = std::move(t);
      folded = true;
    }
    graph.nodes = std::move(kept);
    bool shapes_changed = false;
    SATURN_RETURN_IF_ERROR(refresh_shapes(graph, &shapes_changed));
    if (!folded && !shapes_changed) return Status::ok();
  }
  return Status::ok();
}

}  // namespace saturn::converter
