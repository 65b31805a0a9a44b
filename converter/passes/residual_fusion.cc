// fuse_residual_adds (passes.h): Add(Conv(x), r) -> Conv(x, W, B, R = r).
#include <cstddef>

#include "converter/passes/passes.h"

namespace saturn::converter {

int fuse_residual_adds(ir::Graph& g, const std::function<bool(size_t add, size_t conv)>& allowed,
                       const std::function<void(size_t conv)>& before_removing) {
  int fused = 0;
  for (bool changed = true; changed;) {
    changed = false;
    const auto producers = g.producers();
    const auto consumers = g.consumers();
    for (size_t i = 0; i < g.nodes.size() && !changed; ++i) {
      const ir::Node& add = g.nodes[i];
      if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2) continue;
      const ir::Tensor* out = g.find(add.outputs[0]);
      long best = -1;
      size_t best_k = 0;
      for (size_t k = 0; k < 2; ++k) {
        const std::string& c = add.inputs[k];
        const std::string& res = add.inputs[1 - k];
        auto p = producers.find(c);
        if (c == res || p == producers.end()) continue;
        const ir::Node& conv = g.nodes[p->second];
        auto uses = consumers.find(c);
        const ir::Tensor* ct = g.find(c);
        const ir::Tensor* rt = g.find(res);
        if (conv.op_type != "Conv" || !conv.domain.empty() || conv.fused.kind != ir::ActivationKind::kNone ||
            !conv.input(3).empty() || g.is_graph_output(c) || uses == consumers.end() || uses->second.size() != 1 ||
            !ct || !rt || !out || ct->dims != out->dims || rt->dims != out->dims || !allowed(i, p->second))
          continue;
        // The later Conv takes the other input as R: R is then computed before it runs.
        if (static_cast<long>(p->second) > best) {
          best = static_cast<long>(p->second);
          best_k = k;
        }
      }
      if (best < 0) continue;
      ir::Node conv = g.nodes[best];
      conv.inputs.resize(4);
      conv.inputs[3] = add.inputs[1 - best_k];
      conv.outputs = {add.outputs[0]};
      conv.fused = add.fused;
      before_removing(static_cast<size_t>(best));
      g.nodes[i] = std::move(conv);
      g.nodes.erase(g.nodes.begin() + best);
      ++fused;
      changed = true;
    }
  }
  return fused;
}

}  // namespace saturn::converter
