// Lowering of Gemm, MatMul, Concat, ReduceMean and LayerNormalization.
#include "converter/lowering/lowering.h"
#include "converter/shape_rules.h"

namespace saturn::converter {

Result<LoweredNode> lower_gemm(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({"alpha", "beta", "transA", "transB"}));
  Result<const ir::Tensor*> a = c.input(0);
  if (!a) return a.status();
  Result<const ir::Tensor*> b = c.input(1);
  if (!b) return b.status();
  if ((*a)->dims.size() != 2 || (*b)->dims.size() != 2)
    return c.invalid("inputs must be 2-D, found " + dims_to_string((*a)->dims) + " and " + dims_to_string((*b)->dims));
  const bool ta = c.node.attr_int("transA", 0) != 0, tb = c.node.attr_int("transB", 0) != 0;
  const int64_t k1 = ta ? (*a)->dims[0] : (*a)->dims[1], k2 = tb ? (*b)->dims[1] : (*b)->dims[0];
  if (k1 != k2) return c.invalid("inner dims differ: " + std::to_string(k1) + " vs " + std::to_string(k2));
  if (!c.node.input(2).empty()) {
    Result<const ir::Tensor*> cc = c.input(2);
    if (!cc) return cc.status();
  }
  auto opt = fb::CreateGemm(c.fbb, c.node.attr_float("alpha", 1.0f), c.node.attr_float("beta", 1.0f), ta, tb,
                            c.fused_activation());
  return make_lowered(fb::Op::Gemm, opt.Union(), {c.node.input(0), c.node.input(1), c.node.input(2)});
}

Result<LoweredNode> lower_matmul(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({}));
  Result<const ir::Tensor*> a = c.input(0);
  if (!a) return a.status();
  Result<const ir::Tensor*> b = c.input(1);
  if (!b) return b.status();
  Result<const ir::Tensor*> out = c.output(0);
  if (!out) return out.status();
  auto opt = fb::CreateMatMul(c.fbb, c.fused_activation());
  return make_lowered(fb::Op::MatMul, opt.Union(), {c.node.input(0), c.node.input(1)});
}

Result<LoweredNode> lower_concat(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({"axis"}));
  if (!c.node.attr("axis")) return c.invalid("attribute axis is required");
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  const int64_t rank = static_cast<int64_t>((*x)->dims.size());
  Result<int64_t> axis = normalize_axis(c.node.attr_int("axis", 0), rank, "axis");
  if (!axis) return c.invalid(axis.status().message());
  LoweredNode out = make_lowered(fb::Op::Concat, {}, {});
  for (size_t i = 0; i < c.node.inputs.size(); ++i) {
    Result<const ir::Tensor*> t = c.input(i);
    if (!t) return t.status();
    out.inputs.push_back(c.node.inputs[i]);
  }
  out.options = fb::CreateConcat(c.fbb, static_cast<int32_t>(*axis)).Union();
  return out;
}

Result<LoweredNode> lower_reduce_mean(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({"axes", "keepdims", "noop_with_empty_axes"}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  const int64_t rank = static_cast<int64_t>((*x)->dims.size());
  std::vector<int64_t> axes = c.node.attr_ints("axes", {});
  if (axes.empty()) {
    if (c.node.attr_int("noop_with_empty_axes", 0) != 0) return c.unsupported("noop_with_empty_axes=1 with empty axes");
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  }
  Result<std::vector<int64_t>> na = normalize_axes(axes, rank, "axes");
  if (!na) return c.invalid(na.status().message());
  const int64_t keepdims = c.node.attr_int("keepdims", 1);
  auto a32 = to_int32(*na);
  auto opt = fb::CreateReduceMeanDirect(c.fbb, &a32, keepdims != 0);
  return make_lowered(fb::Op::ReduceMean, opt.Union(), {c.node.input(0)});
}

Result<LoweredNode> lower_layer_norm(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({"axis", "epsilon", "stash_type"}));
  if (c.node.attr_int("stash_type", 1) != 1)
    return c.unsupported("attribute stash_type=" + std::to_string(c.node.attr_int("stash_type", 1)));
  for (size_t i = 1; i < c.node.outputs.size(); ++i)
    if (!c.node.outputs[i].empty()) return c.unsupported("the Mean / InvStdDev outputs are not supported");
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  const int64_t rank = static_cast<int64_t>((*x)->dims.size());
  Result<int64_t> axis = normalize_axis(c.node.attr_int("axis", -1), rank, "axis");
  if (!axis) return c.invalid(axis.status().message());
  for (size_t i = 1; i <= 2; ++i) {
    if (c.node.input(i).empty()) {
      if (i == 1) return c.invalid("the scale input is missing");
      continue;
    }
    Result<const ir::Tensor*> t = c.input(i);
    if (!t) return t.status();
  }
  auto opt = fb::CreateLayerNorm(c.fbb, static_cast<int32_t>(*axis), c.node.attr_float("epsilon", 1e-5f));
  return make_lowered(fb::Op::LayerNorm, opt.Union(), {c.node.input(0), c.node.input(1), c.node.input(2)});
}

}  // namespace saturn::converter
