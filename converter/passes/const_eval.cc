// Constant evaluation dispatch and the arithmetic evaluators (elementwise, Cast, Range,
// ConstantOfShape, ReduceProd, Where, Shape, Constant).
#include "converter/passes/const_eval.h"

#include <cmath>
#include <functional>

#include "converter/shape_rules.h"

namespace saturn::converter {

namespace const_eval {

bool is_float(ir::ElemType t) {
  return t == ir::ElemType::kFloat || t == ir::ElemType::kDouble || t == ir::ElemType::kFloat16;
}

std::vector<int64_t> broadcast_dims(const std::vector<int64_t>& a, const std::vector<int64_t>& b, bool* ok) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) *ok = false;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> broadcast_map(const std::vector<int64_t>& in_dims, const std::vector<int64_t>& out_dims) {
  const size_t rank = out_dims.size(), off = rank - in_dims.size();
  std::vector<int64_t> in_strides(rank, 0);
  int64_t s = 1;
  for (int i = static_cast<int>(in_dims.size()) - 1; i >= 0; --i) {
    in_strides[i + off] = in_dims[i] == 1 ? 0 : s;
    s *= in_dims[i];
  }
  const int64_t count = product(out_dims);
  std::vector<int64_t> map(count), pos(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < rank; ++d) src += pos[d] * in_strides[d];
    map[i] = src;
    for (int d = static_cast<int>(rank) - 1; d >= 0; --d) {
      if (++pos[d] < out_dims[d]) break;
      pos[d] = 0;
    }
  }
  return map;
}

}  // namespace const_eval

namespace {

using namespace const_eval;

// Larger results stay nodes (the lowering reports them); folding is for shapes and weights.
constexpr int64_t kMaxFoldElements = int64_t{64} << 20;

Status node_error(const ir::Node& n, const std::string& msg) {
  return Status::error("node '" + n.name + "' (" + n.op_type + "): " + msg);
}

ir::Tensor from_values(const std::string& name, ir::ElemType dtype, std::vector<int64_t> dims,
                       const std::vector<double>& f, const std::vector<int64_t>& i) {
  if (is_float(dtype)) return ir::make_constant(name, dtype, std::move(dims), f);
  if (dtype == ir::ElemType::kInt64) return ir::make_constant_i64(name, std::move(dims), i);
  return ir::make_constant(name, dtype, std::move(dims), std::vector<double>(i.begin(), i.end()));
}

Result<ir::Tensor> eval_elementwise(const ir::Node& n, const std::vector<const ir::Tensor*>& ins) {
  const std::string& op = n.op_type;
  std::vector<int64_t> out_dims = ins[0]->dims;
  bool ok = true;
  for (size_t k = 1; k < ins.size(); ++k) out_dims = broadcast_dims(out_dims, ins[k]->dims, &ok);
  if (!ok) return node_error(n, "input dims do not broadcast");
  if (product(out_dims) > kMaxFoldElements) return Status::error("");
  std::vector<std::vector<int64_t>> maps;
  for (const auto* t : ins) maps.push_back(broadcast_map(t->dims, out_dims));
  const size_t count = maps[0].size();
  // Where: condition, X, Y; the value type is X's.
  const bool where = op == "Where";
  const ir::Tensor& vt = where ? *ins[1] : *ins[0];
  const bool fl = is_float(vt.dtype);
  ir::ElemType out_type = op == "Equal" ? ir::ElemType::kBool : vt.dtype;
  std::vector<double> fres;
  std::vector<int64_t> ires;
  if (fl) {
    std::vector<std::vector<double>> v;
    for (const auto* t : ins) v.push_back(t->as_doubles());
    fres.resize(count);
    if (op == "Equal") ires.resize(count);
    for (size_t i = 0; i < count; ++i) {
      const double a = v[0][maps[0][i]], b = ins.size() > 1 ? v[1][maps[1][i]] : 0;
      if (op == "Add") fres[i] = a + b;
      else if (op == "Sub") fres[i] = a - b;
      else if (op == "Mul") fres[i] = a * b;
      else if (op == "Div") fres[i] = a / b;
      else if (op == "Pow") fres[i] = std::pow(a, b);
      else if (op == "Mod") fres[i] = std::fmod(a, b);  // float Mod requires fmod = 1
      else if (op == "Neg") fres[i] = -a;
      else if (op == "Sqrt") fres[i] = std::sqrt(a);
      else if (op == "Identity") fres[i] = a;
      else if (op == "Equal") ires[i] = a == b;
      else if (where) fres[i] = a != 0 ? b : v[2][maps[2][i]];
    }
    if (op == "Equal") return from_values(n.outputs[0], out_type, out_dims, {}, ires);
    // Float arithmetic is done in double and rounded once to the output type.
    if (vt.dtype == ir::ElemType::kFloat)
      for (auto& x : fres) x = static_cast<float>(x);
    return from_values(n.outputs[0], out_type, out_dims, fres, {});
  }
  std::vector<std::vector<int64_t>> v;
  for (const auto* t : ins) v.push_back(t->as_int64s());
  ires.resize(count);
  for (size_t i = 0; i < count; ++i) {
    const int64_t a = v[0][maps[0][i]], b = ins.size() > 1 ? v[1][maps[1][i]] : 0;
    if (op == "Add") ires[i] = a + b;
    else if (op == "Sub") ires[i] = a - b;
    else if (op == "Mul") ires[i] = a * b;
    else if (op == "Div") {
      if (b == 0) return node_error(n, "integer division by zero");
      ires[i] = a / b;
    } else if (op == "Mod") {
      if (b == 0) return node_error(n, "integer modulo by zero");
      ires[i] = a % b;  // fmod = 1: the sign of a (C); fmod = 0: the sign of b (Python)
      if (n.attr_int("fmod", 0) == 0 && ires[i] != 0 && (ires[i] < 0) != (b < 0)) ires[i] += b;
    } else if (op == "Pow") ires[i] = static_cast<int64_t>(std::pow(static_cast<double>(a), static_cast<double>(b)));
    else if (op == "Neg") ires[i] = -a;
    else if (op == "Not") ires[i] = a == 0;
    else if (op == "Sqrt") ires[i] = static_cast<int64_t>(std::sqrt(static_cast<double>(a)));
    else if (op == "Identity") ires[i] = a;
    else if (op == "Equal") ires[i] = a == b;
    else if (where) ires[i] = a != 0 ? b : v[2][maps[2][i]];
  }
  if (where && is_float(ins[1]->dtype)) return Status::error("");
  return from_values(n.outputs[0], out_type, out_dims, {}, ires);
}

Result<ir::Tensor> eval_cast(const ir::Node& n, const ir::Tensor& in) {
  const auto to = static_cast<ir::ElemType>(n.attr_int("to", 0));
  if (ir::elem_size(to) == 0 || to == ir::ElemType::kFloat16) return Status::error("");
  if (is_float(to)) {
    std::vector<double> v = in.as_doubles();
    return ir::make_constant(n.outputs[0], to, in.dims, v);
  }
  if (to == ir::ElemType::kBool) {
    std::vector<double> v = in.as_doubles();
    return ir::make_constant(n.outputs[0], to, in.dims, v);
  }
  return from_values(n.outputs[0], to, in.dims, {}, in.as_int64s());
}

Result<ir::Tensor> eval_constant(const ir::Node& n) {
  if (const ir::Attribute* a = n.attr("value"); a && a->t) {
    ir::Tensor t = *a->t;
    t.name = n.outputs[0];
    return t;
  }
  if (const ir::Attribute* a = n.attr("value_float")) return ir::make_constant_f32(n.outputs[0], {}, {a->f});
  if (const ir::Attribute* a = n.attr("value_floats"))
    return ir::make_constant_f32(n.outputs[0], {static_cast<int64_t>(a->floats.size())}, a->floats);
  if (const ir::Attribute* a = n.attr("value_int")) return ir::make_constant_i64(n.outputs[0], {}, {a->i});
  if (const ir::Attribute* a = n.attr("value_ints"))
    return ir::make_constant_i64(n.outputs[0], {static_cast<int64_t>(a->ints.size())}, a->ints);
  return Status::error("");  // sparse_value / strings: left for the lowering to reject
}

Result<ir::Tensor> eval_shape(const ir::Node& n, const ir::Tensor& in) {
  const int64_t rank = static_cast<int64_t>(in.dims.size());
  int64_t start = n.attr_int("start", 0), end = n.attr_int("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  std::vector<int64_t> dims(in.dims.begin() + start, in.dims.begin() + end);
  return ir::make_constant_i64(n.outputs[0], {static_cast<int64_t>(dims.size())}, dims);
}

Result<ir::Tensor> eval_constant_of_shape(const ir::Node& n, const ir::Tensor& shape) {
  std::vector<int64_t> dims = shape.as_int64s();
  for (int64_t d : dims)
    if (d < 0) return node_error(n, "negative dim in shape " + dims_to_string(dims));
  if (product(dims) > kMaxFoldElements) return Status::error("");
  ir::Tensor value = ir::make_constant_f32("", {1}, {0.0f});
  if (const ir::Attribute* a = n.attr("value"); a && a->t) value = *a->t;
  std::vector<int64_t> map(product(dims), 0);
  return gather_elements(value, map, dims, n.outputs[0]);
}

Result<ir::Tensor> eval_range(const ir::Node& n, const std::vector<const ir::Tensor*>& ins) {
  const ir::ElemType t = ins[0]->dtype;
  if (is_float(t)) {
    const double s = ins[0]->as_doubles().at(0), l = ins[1]->as_doubles().at(0), d = ins[2]->as_doubles().at(0);
    if (d == 0) return node_error(n, "delta is 0");
    const int64_t count = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((l - s) / d)));
    if (count > kMaxFoldElements) return Status::error("");
    std::vector<double> v(count);
    for (int64_t i = 0; i < count; ++i) v[i] = s + i * d;
    return ir::make_constant(n.outputs[0], t, {count}, v);
  }
  const int64_t s = ins[0]->as_int64s().at(0), l = ins[1]->as_int64s().at(0), d = ins[2]->as_int64s().at(0);
  if (d == 0) return node_error(n, "delta is 0");
  const int64_t count = std::max<int64_t>(0, (l - s + d + (d > 0 ? -1 : 1)) / d);
  if (count > kMaxFoldElements) return Status::error("");
  std::vector<int64_t> v(count);
  for (int64_t i = 0; i < count; ++i) v[i] = s + i * d;
  return from_values(n.outputs[0], t, {count}, {}, v);
}

Result<ir::Tensor> eval_reduce_prod(const ir::Node& n, const ir::Graph& g, const ir::Tensor& in) {
  const int64_t rank = static_cast<int64_t>(in.dims.size());
  std::vector<int64_t> axes = n.attr_ints("axes", {});
  if (n.opset >= 18 && !n.input(1).empty()) axes = g.constant(n.input(1))->as_int64s();
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  Result<std::vector<int64_t>> na = normalize_axes(axes, rank, "axes");
  if (!na) return node_error(n, na.status().message());
  const bool keep = n.attr_int("keepdims", 1) != 0;
  std::vector<bool> reduced(rank, false);
  for (int64_t a : *na) reduced[a] = true;
  std::vector<int64_t> out_dims, kept_dims;
  for (int64_t d = 0; d < rank; ++d) {
    kept_dims.push_back(reduced[d] ? 1 : in.dims[d]);
    if (!reduced[d]) out_dims.push_back(in.dims[d]);
    else if (keep) out_dims.push_back(1);
  }
  // Accumulate: map every input element to its output position.
  const int64_t count = product(in.dims);
  std::vector<int64_t> out_strides(rank, 0);
  int64_t s = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    out_strides[d] = reduced[d] ? 0 : s;
    s *= kept_dims[d];
  }
  std::vector<int64_t> pos(rank, 0);
  const bool fl = is_float(in.dtype);
  std::vector<double> fv = fl ? in.as_doubles() : std::vector<double>{}, fo(s, 1.0);
  std::vector<int64_t> iv = fl ? std::vector<int64_t>{} : in.as_int64s(), io(s, 1);
  for (int64_t i = 0; i < count; ++i) {
    int64_t dst = 0;
    for (int64_t d = 0; d < rank; ++d) dst += pos[d] * out_strides[d];
    if (fl) fo[dst] *= fv[i];
    else io[dst] *= iv[i];
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++pos[d] < in.dims[d]) break;
      pos[d] = 0;
    }
  }
  return from_values(n.outputs[0], in.dtype, out_dims, fo, io);
}

}  // namespace

Result<bool> evaluate_node(const ir::Node& n, const ir::Graph& g, std::vector<ir::Tensor>& outputs) {
  outputs.clear();
  if (!n.domain.empty() || n.outputs.empty()) return false;
  const std::string& op = n.op_type;
  if (op == "Shape") {
    const ir::Tensor* in = g.find(n.input(0));
    if (!in || !in->is_static()) return false;
  } else {
    for (const auto& name : n.inputs)
      if (!name.empty() && !g.constant(name)) return false;
  }
  std::vector<const ir::Tensor*> ins;
  for (const auto& name : n.inputs) ins.push_back(name.empty() ? nullptr : g.find(name));
  auto need = [&](size_t k) { return ins.size() >= k && std::all_of(ins.begin(), ins.begin() + k, [](auto* p) { return p; }); };

  Result<ir::Tensor> r = Status::error("");
  if (op == "Constant") r = eval_constant(n);
  else if (op == "Shape" && need(1)) r = eval_shape(n, *ins[0]);
  else if (op == "Gather" && need(2)) r = eval_gather(n, *ins[0], *ins[1]);
  else if (op == "Cast" && need(1)) r = eval_cast(n, *ins[0]);
  else if (op == "Slice" && need(n.opset < 10 ? 1 : 3)) r = eval_slice(n, g, *ins[0]);
  else if (op == "Concat" && need(ins.size()) && !ins.empty()) r = eval_concat(n, ins);
  else if ((op == "Reshape" && need(2)) || ((op == "Flatten" || op == "Squeeze" || op == "Unsqueeze") && need(1)))
    r = eval_reshape_like(n, g, *ins[0]);
  else if (op == "Transpose" && need(1)) r = eval_transpose(n, *ins[0]);
  else if ((op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Mod" || op == "Pow" || op == "Equal") &&
           need(2))
    r = eval_elementwise(n, {ins[0], ins[1]});
  else if ((op == "Neg" || op == "Sqrt" || op == "Identity" || op == "Not") && need(1))
    r = eval_elementwise(n, {ins[0]});
  else if (op == "ScatterND" && need(3)) r = eval_scatter_nd(n, *ins[0], *ins[1], *ins[2]);
  else if (op == "Where" && need(3)) r = eval_elementwise(n, {ins[0], ins[1], ins[2]});
  else if (op == "ConstantOfShape" && need(1)) r = eval_constant_of_shape(n, *ins[0]);
  else if (op == "Range" && need(3)) r = eval_range(n, {ins[0], ins[1], ins[2]});
  else if (op == "Expand" && need(2)) r = eval_expand(n, *ins[0], *ins[1]);
  else if (op == "ReduceProd" && need(1)) r = eval_reduce_prod(n, g, *ins[0]);
  else return false;

  if (!r) {
    // An empty message means "not folded" (too large or a type left to the lowering).
    if (r.status().message().empty()) return false;
    return r.status();
  }
  // Optional extra outputs (none of these ops has any) would stay unknown; require exactly one.
  if (n.outputs.size() != 1) return false;
  outputs.push_back(std::move(r.value()));
  return true;
}

}  // namespace saturn::converter
