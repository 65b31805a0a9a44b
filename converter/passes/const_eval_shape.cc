// Data-movement evaluators for constant folding: Gather, Slice, Concat, Transpose, Reshape-like
// ops (Reshape, Flatten, Squeeze, Unsqueeze) and Expand. They move raw elements, so every type is
// exact.
#include <cstring>

#include "converter/passes/const_eval.h"
#include "converter/shape_rules.h"

namespace saturn::converter::const_eval {

namespace {
Status node_error(const ir::Node& n, const std::string& msg) {
  return Status::error("node '" + n.name + "' (" + n.op_type + "): " + msg);
}

std::vector<int64_t> strides_of(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

std::vector<int64_t> const_ints(const ir::Graph& g, const std::string& name) {
  const ir::Tensor* t = g.constant(name);
  return t ? t->as_int64s() : std::vector<int64_t>{};
}
}  // namespace

int64_t product(const std::vector<int64_t>& dims, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < dims.size() && i < to; ++i) p *= dims[i];
  return p;
}

ir::Tensor gather_elements(const ir::Tensor& in, const std::vector<int64_t>& map, std::vector<int64_t> out_dims,
                           const std::string& name) {
  ir::Tensor out;
  out.name = name;
  out.dtype = in.dtype;
  out.has_shape = true;
  out.dims = std::move(out_dims);
  const size_t es = ir::elem_size(in.dtype);
  std::vector<uint8_t> bytes(map.size() * es);
  for (size_t i = 0; i < map.size(); ++i) std::memcpy(bytes.data() + i * es, in.data->data() + map[i] * es, es);
  out.data = std::move(bytes);
  return out;
}

Result<ir::Tensor> eval_gather(const ir::Node& n, const ir::Tensor& data, const ir::Tensor& idx) {
  const int64_t rank = static_cast<int64_t>(data.dims.size());
  Result<int64_t> axis = normalize_axis(n.attr_int("axis", 0), rank, "axis");
  if (!axis) return node_error(n, axis.status().message());
  const int64_t dim = data.dims[*axis];
  std::vector<int64_t> indices = idx.as_int64s();
  for (auto& i : indices) {
    if (i < -dim || i >= dim)
      return node_error(n, "index " + std::to_string(i) + " is out of range for axis dim " + std::to_string(dim));
    if (i < 0) i += dim;
  }
  std::vector<int64_t> out_dims(data.dims.begin(), data.dims.begin() + *axis);
  out_dims.insert(out_dims.end(), idx.dims.begin(), idx.dims.end());
  out_dims.insert(out_dims.end(), data.dims.begin() + *axis + 1, data.dims.end());
  const int64_t outer = product(data.dims, 0, *axis), inner = product(data.dims, *axis + 1);
  std::vector<int64_t> map;
  map.reserve(outer * indices.size() * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i : indices)
      for (int64_t k = 0; k < inner; ++k) map.push_back((o * dim + i) * inner + k);
  return gather_elements(data, map, out_dims, n.outputs[0]);
}

Result<ir::Tensor> eval_scatter_nd(const ir::Node& n, const ir::Tensor& data, const ir::Tensor& idx,
                                   const ir::Tensor& updates) {
  if (n.attr_string("reduction", "none") != "none") return Status::error("");  // left to the lowering
  const int64_t rank = static_cast<int64_t>(data.dims.size());
  const int64_t k = idx.dims.empty() ? 0 : idx.dims.back();
  if (k < 1 || k > rank) return node_error(n, "the indices' last dim " + std::to_string(k) + " is not in [1, rank]");
  if (updates.dtype != data.dtype) return node_error(n, "updates and data have different types");
  const int64_t count = product(idx.dims, 0, idx.dims.size() - 1), slice = product(data.dims, static_cast<size_t>(k));
  if (product(updates.dims) != count * slice)
    return node_error(n, "updates have " + std::to_string(product(updates.dims)) + " elements, expected " +
                             std::to_string(count * slice));
  const std::vector<int64_t> strides = strides_of(data.dims);
  const std::vector<int64_t> indices = idx.as_int64s();
  const size_t es = ir::elem_size(data.dtype);
  ir::Tensor out = data;
  out.name = n.outputs[0];
  for (int64_t j = 0; j < count; ++j) {
    int64_t offset = 0;
    for (int64_t d = 0; d < k; ++d) {
      int64_t i = indices[j * k + d];
      if (i < -data.dims[d] || i >= data.dims[d])
        return node_error(n, "index " + std::to_string(i) + " is out of range for dim " + std::to_string(data.dims[d]));
      offset += (i < 0 ? i + data.dims[d] : i) * strides[d];
    }
    std::memcpy(out.data->data() + offset * es, updates.data->data() + j * slice * es, slice * es);
  }
  return out;
}

Result<ir::Tensor> eval_slice(const ir::Node& n, const ir::Graph& g, const ir::Tensor& data) {
  std::vector<int64_t> starts, ends, axes, steps;
  if (n.opset < 10) {
    starts = n.attr_ints("starts", {});
    ends = n.attr_ints("ends", {});
    axes = n.attr_ints("axes", {});
  } else {
    starts = const_ints(g, n.input(1));
    ends = const_ints(g, n.input(2));
    axes = const_ints(g, n.input(3));
    steps = const_ints(g, n.input(4));
  }
  Result<SliceSpec> spec = resolve_slice(data.dims, starts, ends, axes, steps);
  if (!spec) return node_error(n, spec.status().message());
  const auto in_strides = strides_of(data.dims);
  const int64_t count = product(spec->out_dims);
  std::vector<int64_t> map(count);
  std::vector<int64_t> pos(data.dims.size(), 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < pos.size(); ++d) src += (spec->starts[d] + pos[d] * spec->steps[d]) * in_strides[d];
    map[i] = src;
    for (int d = static_cast<int>(pos.size()) - 1; d >= 0; --d) {
      if (++pos[d] < spec->out_dims[d]) break;
      pos[d] = 0;
    }
  }
  return gather_elements(data, map, spec->out_dims, n.outputs[0]);
}

Result<ir::Tensor> eval_concat(const ir::Node& n, const std::vector<const ir::Tensor*>& ins) {
  const ir::Tensor& first = *ins[0];
  const int64_t rank = static_cast<int64_t>(first.dims.size());
  Result<int64_t> axis = normalize_axis(n.attr_int("axis", 0), rank, "axis");
  if (!axis) return node_error(n, axis.status().message());
  std::vector<int64_t> out_dims = first.dims;
  out_dims[*axis] = 0;
  for (const ir::Tensor* t : ins) {
    if (t->dtype != first.dtype || t->dims.size() != first.dims.size())
      return node_error(n, "input '" + t->name + "' differs in type or rank from '" + first.name + "'");
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axis && t->dims[d] != first.dims[d])
        return node_error(n, "input '" + t->name + "' dims " + dims_to_string(t->dims) + " do not match " +
                                 dims_to_string(first.dims));
    out_dims[*axis] += t->dims[*axis];
  }
  const size_t es = ir::elem_size(first.dtype);
  const int64_t outer = product(first.dims, 0, *axis);
  ir::Tensor out;
  out.name = n.outputs[0];
  out.dtype = first.dtype;
  out.has_shape = true;
  out.dims = out_dims;
  std::vector<uint8_t> bytes;
  bytes.reserve(product(out_dims) * es);
  for (int64_t o = 0; o < outer; ++o)
    for (const ir::Tensor* t : ins) {
      const size_t chunk = product(t->dims, *axis) * es;
      const uint8_t* src = t->data->data() + o * chunk;
      bytes.insert(bytes.end(), src, src + chunk);
    }
  out.data = std::move(bytes);
  return out;
}

Result<ir::Tensor> eval_transpose(const ir::Node& n, const ir::Tensor& data) {
  const int64_t rank = static_cast<int64_t>(data.dims.size());
  std::vector<int64_t> perm = n.attr_ints("perm", {});
  if (perm.empty())
    for (int64_t d = rank - 1; d >= 0; --d) perm.push_back(d);
  if (static_cast<int64_t>(perm.size()) != rank) return node_error(n, "perm " + dims_to_string(perm) + " has the wrong rank");
  std::vector<int64_t> out_dims;
  std::vector<bool> used(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || used[p]) return node_error(n, "perm " + dims_to_string(perm) + " is not a permutation");
    used[p] = true;
    out_dims.push_back(data.dims[p]);
  }
  const auto in_strides = strides_of(data.dims);
  const int64_t count = product(out_dims);
  std::vector<int64_t> map(count), pos(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d) src += pos[d] * in_strides[perm[d]];
    map[i] = src;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++pos[d] < out_dims[d]) break;
      pos[d] = 0;
    }
  }
  return gather_elements(data, map, out_dims, n.outputs[0]);
}

Result<ir::Tensor> eval_reshape_like(const ir::Node& n, const ir::Graph& g, const ir::Tensor& data) {
  Result<std::vector<int64_t>> dims = Status::error("unreachable");
  if (n.op_type == "Reshape") {
    const ir::Tensor* shape = g.constant(n.input(1));
    dims = resolve_reshape(data.dims, shape->as_int64s(), n.attr_int("allowzero", 0) != 0);
  } else if (n.op_type == "Flatten") {
    const int64_t rank = static_cast<int64_t>(data.dims.size());
    int64_t axis = n.attr_int("axis", 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis > rank) return node_error(n, "axis out of range");
    dims = std::vector<int64_t>{product(data.dims, 0, axis), product(data.dims, axis)};
  } else {
    std::vector<int64_t> axes = n.opset < 13 ? n.attr_ints("axes", {}) : const_ints(g, n.input(1));
    dims = n.op_type == "Squeeze" ? resolve_squeeze(data.dims, &axes) : resolve_unsqueeze(data.dims, &axes);
  }
  if (!dims) return node_error(n, dims.status().message());
  ir::Tensor out = data;
  out.name = n.outputs[0];
  out.dims = *dims;
  return out;
}

Result<ir::Tensor> eval_expand(const ir::Node& n, const ir::Tensor& data, const ir::Tensor& shape) {
  bool ok = true;
  std::vector<int64_t> out_dims = broadcast_dims(data.dims, shape.as_int64s(), &ok);
  if (!ok) return node_error(n, "shape " + dims_to_string(shape.as_int64s()) + " does not broadcast with input " +
                                    dims_to_string(data.dims));
  return gather_elements(data, broadcast_map(data.dims, out_dims), out_dims, n.outputs[0]);
}

}  // namespace saturn::converter::const_eval
