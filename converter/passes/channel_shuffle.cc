// fuse_channel_shuffles (passes.h): ShuffleNet's channel shuffle, Reshape [N, C, H, W] -> [N, g,
// C / g, H, W], Transpose(0, 2, 1, 3, 4), Reshape back to [N, C, H, W], becomes one ChannelShuffle
// node (domain kInternalDomain, attribute groups = g). The runtime runs it on Nhwc data where the
// three ONNX ops need Plain data, and so two reorders around them (ShuffleNetV2 INT8: 14% of its time).
#include "converter/lowering/lowering.h"
#include "converter/passes/passes.h"

namespace saturn::converter {
namespace {

bool is(const ir::Node& n, const char* op) {
  return n.op_type == op && n.domain.empty() && !n.inputs.empty() && n.outputs.size() == 1;
}

const std::vector<int64_t>* static_dims(const ir::Graph& g, const std::string& name) {
  const ir::Tensor* t = g.find(name);
  return t != nullptr && t->is_static() ? &t->dims : nullptr;
}

// The groups of the shuffle that the Reshape at `first` starts, or 0. The Transpose and second
// Reshape are the only readers of the tensors before them (`readers`), which are no graph outputs.
int64_t shuffle_groups(const ir::Graph& g, size_t first, const std::map<std::string, std::vector<size_t>>& readers,
                       size_t* transpose, size_t* second) {
  const ir::Node& r1 = g.nodes[first];
  if (!is(r1, "Reshape")) return 0;
  auto only_reader = [&](const std::string& t) -> int64_t {
    auto it = readers.find(t);
    if (it == readers.end() || it->second.size() != 1 || g.is_graph_output(t)) return -1;
    return static_cast<int64_t>(it->second[0]);
  };
  const int64_t t_index = only_reader(r1.outputs[0]);
  if (t_index < 0 || !is(g.nodes[t_index], "Transpose")) return 0;
  const int64_t r2_index = only_reader(g.nodes[t_index].outputs[0]);
  if (r2_index < 0 || !is(g.nodes[r2_index], "Reshape")) return 0;
  const auto* x = static_dims(g, r1.input(0));
  const auto* split = static_dims(g, r1.outputs[0]);
  const auto* y = static_dims(g, g.nodes[r2_index].outputs[0]);
  if (x == nullptr || split == nullptr || y == nullptr || x->size() != 4 || *y != *x || split->size() != 5) return 0;
  const int64_t groups = (*split)[1];
  const std::vector<int64_t> want = {(*x)[0], groups, groups > 0 ? (*x)[1] / groups : 0, (*x)[2], (*x)[3]};
  if (groups < 1 || (*x)[1] % groups != 0 || *split != want) return 0;
  if (g.nodes[t_index].attr_ints("perm", {}) != std::vector<int64_t>{0, 2, 1, 3, 4}) return 0;
  *transpose = static_cast<size_t>(t_index);
  *second = static_cast<size_t>(r2_index);
  return groups;
}

}  // namespace

int fuse_channel_shuffles(ir::Graph& g) {
  const std::map<std::string, std::vector<size_t>> readers = g.consumers();
  std::vector<bool> removed(g.nodes.size(), false);
  int fused = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    size_t transpose = 0, second = 0;
    const int64_t groups = removed[i] ? 0 : shuffle_groups(g, i, readers, &transpose, &second);
    if (groups == 0) continue;
    // The second Reshape's place keeps the node order topological (its output's readers follow it).
    ir::Node shuffle = ir::make_node("ChannelShuffle", g.nodes[i].name, 0, {g.nodes[i].input(0)},
                                     {g.nodes[second].outputs[0]});
    shuffle.domain = kInternalDomain;
    shuffle.attrs["groups"] = ir::int_attribute(groups);
    g.nodes[second] = std::move(shuffle);
    removed[i] = removed[transpose] = true;
    ++fused;
  }
  g.erase_nodes(removed);
  g.drop_unused_tensors();
  return fused;
}

}  // namespace saturn::converter
