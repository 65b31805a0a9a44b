// split_table_activations (passes.h).
#include "converter/lowering/lowering.h"
#include "converter/passes/passes.h"

namespace saturn::converter {

namespace {
// Below this many output elements (a squeeze-and-excitation block's 1x1xC convs), the e^x post-op
// costs less than a step of its own.
constexpr int64_t kMinElements = 4096;
}  // namespace

int split_table_activations(ir::Graph& graph) {
  std::vector<ir::Node> out;
  out.reserve(graph.nodes.size());
  int split = 0;
  for (ir::Node& n : graph.nodes) {
    const ir::Tensor* y_tensor = n.outputs.size() == 1 ? graph.find(n.outputs[0]) : nullptr;
    const bool swish_conv = n.domain.empty() && n.op_type == "Conv" &&
                            n.fused.kind == ir::ActivationKind::kSwish && y_tensor != nullptr &&
                            y_tensor->numel() >= kMinElements;
    if (!swish_conv) {
      out.push_back(std::move(n));
      continue;
    }
    const std::string y = n.outputs[0];
    ir::Tensor pre = *y_tensor;
    pre.name = graph.unique_name(y + "_preactivation");
    ir::Node activation =
        ir::make_node("Activation", graph.unique_name(n.name + "_Swish"), 0, {pre.name}, {y});
    activation.domain = kInternalDomain;
    activation.fused = n.fused;
    n.fused = {};
    n.outputs[0] = pre.name;
    graph.tensors[pre.name] = std::move(pre);
    out.push_back(std::move(n));
    out.push_back(std::move(activation));
    ++split;
  }
  graph.nodes = std::move(out);
  return split;
}

}  // namespace saturn::converter
