// mean_as_global_pool (passes.h): ReduceMean over the two spatial dims of a rank-4 tensor is a
// GlobalAveragePool, followed by Flatten(axis 1) when keepdims is 0 ([N, C, 1, 1] -> [N, C]). The
// runtime runs those on Nhwc data and in INT8, where oneDNN 2.6's reduction took its reference
// kernel (ShuffleNetV2's final mean over 1024 x 7 x 7: 1.1 ms).
#include <algorithm>

#include "converter/passes/passes.h"

namespace saturn::converter {
namespace {

// True when `n` averages a rank-4 tensor over dims 2 and 3 only (axes as an attribute, opset < 18).
bool spatial_mean(const ir::Node& n, const ir::Graph& g) {
  if (n.op_type != "ReduceMean" || !n.domain.empty() || n.inputs.size() != 1 || n.outputs.size() != 1) return false;
  const ir::Tensor* x = g.find(n.input(0));
  if (x == nullptr || !x->has_shape || x->dims.size() != 4) return false;
  std::vector<int64_t> axes = n.attr_ints("axes", {});
  for (int64_t& a : axes) a = a < 0 ? a + 4 : a;
  std::sort(axes.begin(), axes.end());
  return axes == std::vector<int64_t>{2, 3};
}

}  // namespace

Status mean_as_global_pool(ir::Graph& g) {
  std::vector<ir::Node> out;
  for (ir::Node& n : g.nodes) {
    if (!spatial_mean(n, g)) {
      out.push_back(std::move(n));
      continue;
    }
    const std::string x = n.input(0), y = n.outputs[0];
    if (n.attr_int("keepdims", 1) != 0) {
      out.push_back(ir::make_node("GlobalAveragePool", n.name, n.opset, {x}, {y}));
      continue;
    }
    const ir::Tensor& xt = *g.find(x);
    ir::Tensor pooled;
    pooled.name = g.unique_name(y + "_pooled");
    pooled.dtype = xt.dtype;
    pooled.has_shape = true;
    pooled.dims = {xt.dims[0], xt.dims[1], 1, 1};
    g.tensors[pooled.name] = pooled;
    out.push_back(ir::make_node("GlobalAveragePool", n.name, n.opset, {x}, {pooled.name}));
    ir::Node flatten = ir::make_node("Flatten", n.name + "_flatten", n.opset, {pooled.name}, {y});
    flatten.attrs["axis"] = ir::int_attribute(1);
    out.push_back(std::move(flatten));
  }
  g.nodes = std::move(out);
  return Status::ok();
}

}  // namespace saturn::converter
