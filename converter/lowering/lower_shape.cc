// Lowering of the data-movement ops: Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Slice, Pad,
// Gather, and the converter's own ChannelShuffle. Shape-defining inputs must be constants; they are
// resolved into the options and dropped from the node's inputs.
#include <cstdint>

#include "converter/lowering/lowering.h"
#include "converter/shape_rules.h"

namespace saturn::converter {

namespace {
bool is_int_type(ir::ElemType t) { return t == ir::ElemType::kInt64 || t == ir::ElemType::kInt32; }

Result<std::vector<int64_t>> const_ints(const LowerContext& c, size_t i, const std::string& role) {
  Result<const ir::Tensor*> t = c.constant_input(i, role);
  if (!t) return t.status();
  if (!*t) return std::vector<int64_t>{};
  if (!is_int_type((*t)->dtype)) return c.invalid(role + " input must be an integer tensor");
  return (*t)->as_int64s();
}
}  // namespace

Result<LoweredNode> lower_reshape(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({"allowzero"}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  Result<std::vector<int64_t>> shape = const_ints(c, 1, "shape");
  if (!shape) return shape.status();
  if (c.node.input(1).empty()) return c.invalid("the shape input is missing");
  Result<std::vector<int64_t>> dims = resolve_reshape((*x)->dims, *shape, c.node.attr_int("allowzero", 0) != 0);
  if (!dims) return c.invalid(dims.status().message());
  auto opt = fb::CreateReshapeDirect(c.fbb, &*dims);
  return make_lowered(fb::Op::Reshape, opt.Union(), {c.node.input(0)});
}

Result<LoweredNode> lower_flatten(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({"axis"}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  const int64_t rank = static_cast<int64_t>((*x)->dims.size());
  int64_t axis = c.node.attr_int("axis", 1);
  if (axis < -rank || axis > rank) return c.invalid("axis " + std::to_string(axis) + " is out of range");
  if (axis < 0) axis += rank;
  auto opt = fb::CreateFlatten(c.fbb, static_cast<int32_t>(axis));
  return make_lowered(fb::Op::Flatten, opt.Union(), {c.node.input(0)});
}

Result<LoweredNode> lower_transpose(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({"perm"}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  const int64_t rank = static_cast<int64_t>((*x)->dims.size());
  std::vector<int64_t> perm = c.node.attr_ints("perm", {});
  if (perm.empty())
    for (int64_t d = rank - 1; d >= 0; --d) perm.push_back(d);
  std::vector<bool> seen(rank, false);
  if (static_cast<int64_t>(perm.size()) != rank) return c.invalid("perm " + dims_to_string(perm) + " has the wrong rank");
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p]) return c.invalid("perm " + dims_to_string(perm) + " is not a permutation");
    seen[p] = true;
  }
  auto p32 = to_int32(perm);
  auto opt = fb::CreateTransposeDirect(c.fbb, &p32);
  return make_lowered(fb::Op::Transpose, opt.Union(), {c.node.input(0)});
}

Result<LoweredNode> lower_channel_shuffle(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({"groups"}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  const int64_t groups = c.node.attr_int("groups", 0);
  if ((*x)->dims.size() < 2 || groups < 1 || groups > INT32_MAX || (*x)->dims[1] % groups != 0)
    return c.invalid("groups " + std::to_string(groups) + " does not divide the channels of " + dims_to_string((*x)->dims));
  auto opt = fb::CreateChannelShuffle(c.fbb, static_cast<int32_t>(groups));
  return make_lowered(fb::Op::ChannelShuffle, opt.Union(), {c.node.input(0)});
}

namespace {
Result<std::vector<int64_t>> squeeze_axes(const LowerContext& c) {
  if (c.node.opset < 13) return c.node.attr_ints("axes", {});
  return const_ints(c, 1, "axes");
}
}  // namespace

Result<LoweredNode> lower_squeeze(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs(c.node.opset < 13 ? std::set<std::string>{"axes"} : std::set<std::string>{}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  Result<std::vector<int64_t>> axes = squeeze_axes(c);
  if (!axes) return axes.status();
  Result<std::vector<int64_t>> dims = resolve_squeeze((*x)->dims, &*axes);
  if (!dims) return c.invalid(dims.status().message());
  auto a32 = to_int32(*axes);
  auto opt = fb::CreateSqueezeDirect(c.fbb, &a32);
  return make_lowered(fb::Op::Squeeze, opt.Union(), {c.node.input(0)});
}

Result<LoweredNode> lower_unsqueeze(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs(c.node.opset < 13 ? std::set<std::string>{"axes"} : std::set<std::string>{}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  Result<std::vector<int64_t>> axes = squeeze_axes(c);
  if (!axes) return axes.status();
  if (axes->empty()) return c.invalid("axes are required");
  Result<std::vector<int64_t>> dims = resolve_unsqueeze((*x)->dims, &*axes);
  if (!dims) return c.invalid(dims.status().message());
  auto a32 = to_int32(*axes);
  auto opt = fb::CreateUnsqueezeDirect(c.fbb, &a32);
  return make_lowered(fb::Op::Unsqueeze, opt.Union(), {c.node.input(0)});
}

Result<LoweredNode> lower_slice(LowerContext& c) {
  const bool attrs = c.node.opset < 10;
  SATURN_RETURN_IF_ERROR(c.check_attrs(attrs ? std::set<std::string>{"axes", "ends", "starts"} : std::set<std::string>{}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  std::vector<int64_t> starts, ends, axes, steps;
  if (attrs) {
    starts = c.node.attr_ints("starts", {});
    ends = c.node.attr_ints("ends", {});
    axes = c.node.attr_ints("axes", {});
  } else {
    const char* roles[] = {"starts", "ends", "axes", "steps"};
    std::vector<int64_t>* dst[] = {&starts, &ends, &axes, &steps};
    for (size_t i = 0; i < 4; ++i) {
      Result<std::vector<int64_t>> v = const_ints(c, i + 1, roles[i]);
      if (!v) return v.status();
      *dst[i] = *v;
    }
  }
  Result<SliceSpec> spec = resolve_slice((*x)->dims, starts, ends, axes, steps);
  if (!spec) return c.invalid(spec.status().message());
  auto opt = fb::CreateSliceDirect(c.fbb, &spec->starts, &spec->ends, &spec->steps);
  return make_lowered(fb::Op::Slice, opt.Union(), {c.node.input(0)});
}

Result<LoweredNode> lower_pad(LowerContext& c) {
  const bool attrs = c.node.opset < 11;
  SATURN_RETURN_IF_ERROR(c.check_attrs(attrs ? std::set<std::string>{"mode", "pads", "value"}
                                             : std::set<std::string>{"mode"}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  const size_t rank = (*x)->dims.size();
  std::vector<int64_t> pads;
  float value = 0;
  if (attrs) {
    pads = c.node.attr_ints("pads", {});
    value = c.node.attr_float("value", 0.0f);
  } else {
    Result<std::vector<int64_t>> p = const_ints(c, 1, "pads");
    if (!p) return p.status();
    pads = *p;
    Result<const ir::Tensor*> v = c.constant_input(2, "constant_value");
    if (!v) return v.status();
    if (*v) {
      if ((*v)->numel() != 1) return c.invalid("constant_value must be a scalar");
      value = static_cast<float>((*v)->as_doubles()[0]);
    }
    if (!c.node.input(3).empty()) return c.unsupported("the axes input is not supported");
  }
  if (pads.size() != 2 * rank) return c.invalid("pads " + dims_to_string(pads) + " need " + std::to_string(2 * rank) + " values");
  const std::string mode = c.node.attr_string("mode", "constant");
  fb::PadMode m;
  if (mode == "constant") m = fb::PadMode::Constant;
  else if (mode == "reflect") m = fb::PadMode::Reflect;
  else if (mode == "edge") m = fb::PadMode::Edge;
  else return c.unsupported("attribute mode='" + mode + "'");
  for (size_t d = 0; d < rank; ++d) {
    const int64_t out = (*x)->dims[d] + pads[d] + pads[rank + d];
    if (out < 0) return c.invalid("pads " + dims_to_string(pads) + " crop dim " + std::to_string(d) + " below 0");
    if (m == fb::PadMode::Reflect && (pads[d] >= (*x)->dims[d] || pads[rank + d] >= (*x)->dims[d]) &&
        (pads[d] > 0 || pads[rank + d] > 0))
      return c.unsupported("reflect pads " + dims_to_string(pads) + " reach beyond dim " + std::to_string(d));
  }
  auto opt = fb::CreatePadDirect(c.fbb, &pads, m, value);
  return make_lowered(fb::Op::Pad, opt.Union(), {c.node.input(0)});
}

Result<LoweredNode> lower_gather(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({"axis"}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  Result<const ir::Tensor*> idx = c.constant_input(1, "indices");
  if (!idx) return idx.status();
  if (!*idx) return c.invalid("the indices input is missing");
  if (!is_int_type((*idx)->dtype)) return c.invalid("indices must be int32 or int64");
  const int64_t rank = static_cast<int64_t>((*x)->dims.size());
  Result<int64_t> axis = normalize_axis(c.node.attr_int("axis", 0), rank, "axis");
  if (!axis) return c.invalid(axis.status().message());
  const int64_t dim = (*x)->dims[*axis];
  std::vector<int64_t> indices = (*idx)->as_int64s();
  for (auto& i : indices) {
    if (i < -dim || i >= dim)
      return c.invalid("index " + std::to_string(i) + " is out of range for dim " + std::to_string(dim));
    if (i < 0) i += dim;
  }
  LoweredNode out = make_lowered(fb::Op::Gather, fb::CreateGather(c.fbb, static_cast<int32_t>(*axis)).Union(), {c.node.input(0)});
  const std::string name = c.graph.unique_name(c.node.input(1) + "_" + c.node.name);
  out.new_constants.push_back(ir::make_constant_i64(name, (*idx)->dims, indices));
  out.inputs.push_back(name);
  out.index_inputs.insert(1);
  return out;
}

}  // namespace saturn::converter
