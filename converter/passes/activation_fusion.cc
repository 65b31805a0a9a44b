// Activation fusion: first the HardSwish patterns (hardswish_pattern.cc), then every activation
// node (Relu, Clip with constant bounds, Sigmoid, HardSigmoid, HardSwish, LeakyRelu, Tanh) whose
// input comes from a Conv, ConvTranspose, Gemm, MatMul or Add/Sub/Mul/Div that has no fused
// activation yet, when that input feeds only the activation and is not a graph output. The
// producer takes over the activation and the activation's output name.
#include <set>

#include "converter/activation.h"
#include "converter/passes/passes.h"

namespace saturn::converter {

Status fuse_hardswish_patterns(ir::Graph& graph);  // hardswish_pattern.cc

namespace {
bool can_take_activation(const ir::Node& n) {
  static const std::set<std::string> kOps{"Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div"};
  return n.domain.empty() && kOps.count(n.op_type) && n.outputs.size() == 1 &&
         n.fused.kind == ir::ActivationKind::kNone;
}
}  // namespace

Status fuse_activations(ir::Graph& graph) {
  SATURN_RETURN_IF_ERROR(fuse_hardswish_patterns(graph));
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
    prod.fused = *a;
    prod.outputs[0] = act.outputs[0];
    remove[i] = true;
  }
  std::vector<ir::Node> kept;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (!remove[i]) kept.push_back(std::move(graph.nodes[i]));
  graph.nodes = std::move(kept);
  graph.drop_unused_tensors();
  return Status::ok();
}

}  // namespace saturn::converter
