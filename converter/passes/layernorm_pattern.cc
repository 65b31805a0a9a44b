// LayerNorm pattern:
//   m = ReduceMean(x, axes = [k..r-1]); d = Sub(x, m); p = Pow(d, 2) (or Mul(d, d));
//   v = ReduceMean(p, same axes); e = Add(v, eps); s = Sqrt(e); n = Div(d, s);
//   [y = Mul(n, gamma)]; [y = Add(y, beta)]
// becomes LayerNormalization(x, gamma, beta; axis = k, epsilon = eps), with gamma = 1 and beta = 0
// constants when the Mul / Add are absent. gamma and beta are stored shaped x.dims[k:].
// Every intermediate must feed only the pattern (d feeds exactly the Pow and the Div).
#include <algorithm>
#include <optional>

#include "converter/passes/passes.h"
#include "converter/shape_rules.h"

namespace saturn::converter {

namespace {

struct Matcher {
  ir::Graph& g;
  std::map<std::string, std::vector<size_t>> consumers;

  // The only consumer of `t` (not a graph output), of type `op`; else nullopt.
  std::optional<size_t> only(const std::string& t, const std::string& op) {
    auto it = consumers.find(t);
    if (it == consumers.end() || it->second.size() != 1 || g.is_graph_output(t)) return std::nullopt;
    const ir::Node& n = g.nodes[it->second[0]];
    if (n.op_type != op || !n.domain.empty()) return std::nullopt;
    return it->second[0];
  }
  // The other input of binary node `n` when one input is `t`.
  std::string other(const ir::Node& n, const std::string& t) {
    if (n.inputs.size() != 2) return "";
    return n.inputs[0] == t ? n.inputs[1] : n.inputs[1] == t ? n.inputs[0] : "";
  }
  std::optional<double> scalar(const std::string& name) {
    const ir::Tensor* c = g.constant(name);
    if (!c || c->numel() != 1) return std::nullopt;
    return c->as_doubles()[0];
  }
  // Normalized axes of a ReduceMean with keepdims=1 covering the last dims: returns k.
  std::optional<int64_t> reduce_axis(const ir::Node& r, int64_t rank) {
    if (r.attr_int("keepdims", 1) != 1) return std::nullopt;
    std::vector<int64_t> axes = r.attr_ints("axes", {});
    if (r.inputs.size() > 1 && !r.input(1).empty()) {
      const ir::Tensor* c = g.constant(r.input(1));
      if (!c) return std::nullopt;
      axes = c->as_int64s();
    }
    if (axes.empty()) return std::nullopt;
    Result<std::vector<int64_t>> n = normalize_axes(axes, rank, "axes");
    if (!n) return std::nullopt;
    for (size_t i = 0; i < n->size(); ++i)
      if ((*n)[i] != rank - static_cast<int64_t>(n->size()) + static_cast<int64_t>(i)) return std::nullopt;
    return n->front();
  }
};

// A constant broadcastable to `norm_dims`, expanded to them; nullopt when it does not fit.
std::optional<std::vector<float>> affine(const ir::Tensor* c, const std::vector<int64_t>& norm_dims, int64_t count) {
  if (!c || c->dtype != ir::ElemType::kFloat) return std::nullopt;
  std::vector<float> v = ir::as_floats(*c);
  if (static_cast<int64_t>(v.size()) == 1) return std::vector<float>(count, v[0]);
  if (static_cast<int64_t>(v.size()) != count) return std::nullopt;
  // Leading dims beyond the normalized ones must be 1, the rest must equal norm_dims.
  const auto& d = c->dims;
  if (d.size() < norm_dims.size()) return std::nullopt;
  for (size_t i = 0; i < d.size(); ++i) {
    const size_t lead = d.size() - norm_dims.size();
    if (i < lead ? d[i] != 1 : d[i] != norm_dims[i - lead]) return std::nullopt;
  }
  return v;
}

}  // namespace

Status fuse_layernorm(ir::Graph& graph) {
  bool changed = true;
  while (changed) {
    changed = false;
    Matcher m{graph, graph.consumers()};
    for (size_t i = 0; i < graph.nodes.size() && !changed; ++i) {
      const ir::Node& r1 = graph.nodes[i];
      if (r1.op_type != "ReduceMean" || !r1.domain.empty() || r1.outputs.size() != 1) continue;
      const std::string x = r1.input(0);
      const ir::Tensor* xt = graph.find(x);
      if (!xt || !xt->is_static() || xt->dtype != ir::ElemType::kFloat) continue;
      const int64_t rank = static_cast<int64_t>(xt->dims.size());
      auto axis = m.reduce_axis(r1, rank);
      if (!axis) continue;
      auto sub = m.only(r1.outputs[0], "Sub");
      if (!sub || graph.nodes[*sub].inputs != std::vector<std::string>{x, r1.outputs[0]}) continue;
      const std::string d = graph.nodes[*sub].outputs[0];
      if (graph.is_graph_output(d)) continue;
      // d feeds a Pow(d, 2) or Mul(d, d), and a Div(d, s).
      std::optional<size_t> sq, div;
      bool foreign = false;
      for (size_t c : m.consumers[d]) {
        const ir::Node& n = graph.nodes[c];
        if (n.op_type == "Pow" && n.input(0) == d && m.scalar(n.input(1)) == 2.0) sq = c;
        else if (n.op_type == "Mul" && n.input(0) == d && n.input(1) == d) sq = c;
        else if (n.op_type == "Div" && n.input(0) == d) div = c;
        else foreign = true;
      }
      const size_t uses = m.consumers[d].size();
      if (foreign || !sq || !div || uses != (graph.nodes[*sq].op_type == "Mul" ? 3u : 2u)) continue;
      auto r2 = m.only(graph.nodes[*sq].outputs[0], "ReduceMean");
      if (!r2 || m.reduce_axis(graph.nodes[*r2], rank) != axis) continue;
      auto add = m.only(graph.nodes[*r2].outputs[0], "Add");
      if (!add) continue;
      auto eps = m.scalar(m.other(graph.nodes[*add], graph.nodes[*r2].outputs[0]));
      if (!eps) continue;
      auto sqrt = m.only(graph.nodes[*add].outputs[0], "Sqrt");
      if (!sqrt) continue;
      auto div_check = m.only(graph.nodes[*sqrt].outputs[0], "Div");
      if (!div_check || *div_check != *div || graph.nodes[*div].input(1) != graph.nodes[*sqrt].outputs[0]) continue;

      std::vector<size_t> pattern{i, *sub, *sq, *r2, *add, *sqrt, *div};
      std::string y = graph.nodes[*div].outputs[0];
      const std::vector<int64_t> norm_dims(xt->dims.begin() + *axis, xt->dims.end());
      int64_t count = 1;
      for (int64_t v : norm_dims) count *= v;
      std::vector<float> gamma(count, 1.0f), beta(count, 0.0f);
      if (auto mul = m.only(y, "Mul")) {
        if (auto gv = affine(graph.constant(m.other(graph.nodes[*mul], y)), norm_dims, count)) {
          gamma = *gv;
          pattern.push_back(*mul);
          y = graph.nodes[*mul].outputs[0];
          if (auto badd = m.only(y, "Add")) {
            if (auto bv = affine(graph.constant(m.other(graph.nodes[*badd], y)), norm_dims, count)) {
              beta = *bv;
              pattern.push_back(*badd);
              y = graph.nodes[*badd].outputs[0];
            }
          }
        }
      }
      const std::string name = graph.nodes[i].name + "_layernorm";
      const std::string gn = graph.unique_name(name + "_scale");
      graph.tensors[gn] = ir::make_constant_f32(gn, norm_dims, gamma);
      const std::string bn = graph.unique_name(name + "_bias");
      graph.tensors[bn] = ir::make_constant_f32(bn, norm_dims, beta);
      ir::Node ln = ir::make_node("LayerNormalization", name, 17, {x, gn, bn}, {y});
      ln.attrs["axis"] = ir::int_attribute(*axis);
      ln.attrs["epsilon"] = ir::float_attribute(static_cast<float>(*eps));
      // Replace the last node of the pattern (keeps topological order), drop the rest.
      size_t last = *std::max_element(pattern.begin(), pattern.end());
      std::vector<ir::Node> out;
      for (size_t k = 0; k < graph.nodes.size(); ++k) {
        if (k == last) out.push_back(ln);
        else if (std::find(pattern.begin(), pattern.end(), k) == pattern.end()) out.push_back(std::move(graph.nodes[k]));
      }
      graph.nodes = std::move(out);
      changed = true;
    }
  }
  graph.drop_unused_tensors();
  return Status::ok();
}

}  // namespace saturn::converter
