// BatchNormalization folding (inference form, y = (x - mean) / sqrt(var + eps) * scale + bias):
//   - after a Conv whose output feeds only the BatchNormalization: W'[m] = W[m] * s[m],
//     B'[m] = (B[m] - mean[m]) * s[m] + bias[m], with s = scale / sqrt(var + eps);
//   - otherwise, on a rank-4 x: a depthwise 1x1 Conv (group C, W[c] = s[c], B[c] = bias - mean * s),
//     which takes a following activation and runs in INT8 like any conv (DenseNet's pre-activation
//     BN-ReLU pairs were FP32 islands of Mul, Add and Relu between INT8 concats and convs);
//   - otherwise: Mul(x, s) then Add(., bias - mean * s), both constants shaped [1, C, 1, ...].
// Nodes whose parameters are not constant, or that run in training mode, are left alone (the
// lowering then reports them as unsupported).
#include <cmath>

#include "converter/passes/passes.h"

namespace saturn::converter {

namespace {

struct BnParams {
  std::vector<double> s, shift;  // y = x * s + shift
};

bool bn_params(const ir::Graph& g, const ir::Node& bn, BnParams* p) {
  if (bn.inputs.size() < 5) return false;
  if (bn.attr_int("training_mode", 0) != 0) return false;
  for (size_t i = 1; i < bn.outputs.size(); ++i)
    if (!bn.outputs[i].empty()) return false;
  const ir::Tensor* ts[4];
  for (int i = 0; i < 4; ++i) {
    ts[i] = g.constant(bn.input(i + 1));
    if (!ts[i]) return false;
  }
  auto scale = ts[0]->as_doubles(), bias = ts[1]->as_doubles(), mean = ts[2]->as_doubles(), var = ts[3]->as_doubles();
  const size_t c = scale.size();
  if (bias.size() != c || mean.size() != c || var.size() != c || c == 0) return false;
  const double eps = bn.attr_float("epsilon", 1e-5f);
  p->s.resize(c);
  p->shift.resize(c);
  for (size_t i = 0; i < c; ++i) {
    p->s[i] = scale[i] / std::sqrt(var[i] + eps);
    p->shift[i] = bias[i] - mean[i] * p->s[i];
  }
  return true;
}

// Folds into the Conv producing bn's input; false when the pattern does not apply.
bool fold_into_conv(ir::Graph& g, ir::Node& conv, const ir::Node& bn, const BnParams& p) {
  const ir::Tensor* w = g.constant(conv.input(1));
  if (!w || w->dtype != ir::ElemType::kFloat || w->dims.empty()) return false;
  const int64_t m = w->dims[0];
  if (m != static_cast<int64_t>(p.s.size())) return false;
  const ir::Tensor* b = conv.input(2).empty() ? nullptr : g.constant(conv.input(2));
  if (!conv.input(2).empty() && (!b || b->numel() != m)) return false;
  std::vector<float> wv = ir::as_floats(*w);
  const size_t per = wv.size() / m;
  for (int64_t o = 0; o < m; ++o)
    for (size_t k = 0; k < per; ++k) wv[o * per + k] = static_cast<float>(wv[o * per + k] * p.s[o]);
  std::vector<float> bv(m);
  std::vector<double> old_b = b ? b->as_doubles() : std::vector<double>(m, 0.0);
  for (int64_t o = 0; o < m; ++o) bv[o] = static_cast<float>(old_b[o] * p.s[o] + p.shift[o]);
  const std::string wn = g.unique_name(conv.input(1) + "_bn"), bname = g.unique_name(bn.name + "_bias");
  ir::Tensor nw = ir::make_constant_f32(wn, w->dims, wv);
  g.tensors[wn] = std::move(nw);
  g.tensors[bname] = ir::make_constant_f32(bname, {m}, bv);
  conv.inputs.resize(3);
  conv.inputs[1] = wn;
  conv.inputs[2] = bname;
  conv.outputs[0] = bn.outputs[0];
  return true;
}

}  // namespace

Status fold_batchnorm(ir::Graph& graph) {
  auto consumers = graph.consumers();
  auto producers = graph.producers();
  std::vector<bool> remove(graph.nodes.size(), false);
  std::vector<std::pair<size_t, std::vector<ir::Node>>> replacements;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    ir::Node& bn = graph.nodes[i];
    if (bn.op_type != "BatchNormalization" || !bn.domain.empty()) continue;
    BnParams p;
    if (!bn_params(graph, bn, &p)) continue;
    const std::string x = bn.input(0);
    auto prod = producers.find(x);
    if (prod != producers.end()) {
      ir::Node& conv = graph.nodes[prod->second];
      if (conv.op_type == "Conv" && conv.domain.empty() && conv.outputs.size() == 1 && consumers[x].size() == 1 &&
          !graph.is_graph_output(x) && fold_into_conv(graph, conv, bn, p)) {
        remove[i] = true;
        continue;
      }
    }
    const ir::Tensor* xt = graph.find(x);
    if (!xt || !xt->has_shape || xt->dims.size() < 2) continue;
    const int64_t c = static_cast<int64_t>(p.s.size());
    const bool conv = xt->dims.size() == 4;
    // The scale and shift constants: Conv W [C, 1, 1, 1] and B [C], or [1, C, 1, ...] for Mul and Add.
    std::vector<int64_t> pdims(xt->dims.size(), 1);
    pdims[1] = c;
    const std::string sn = graph.unique_name(bn.name + "_scale"), hn = graph.unique_name(bn.name + "_shift");
    graph.tensors[sn] = ir::make_constant(sn, ir::ElemType::kFloat, conv ? std::vector<int64_t>{c, 1, 1, 1} : pdims, p.s);
    graph.tensors[hn] = ir::make_constant(hn, ir::ElemType::kFloat, conv ? std::vector<int64_t>{c} : pdims, p.shift);
    if (conv) {
      ir::Node dw = ir::make_node("Conv", bn.name, bn.opset, {x, sn, hn}, {bn.outputs[0]});
      dw.attrs["group"] = ir::int_attribute(c);
      replacements.push_back({i, {std::move(dw)}});
      continue;
    }
    const std::string mid = graph.unique_name(bn.outputs[0] + "_scaled");
    ir::Tensor& mt = graph.tensors[mid];
    mt = *xt;
    mt.name = mid;
    ir::Node mul = ir::make_node("Mul", bn.name + "_mul", bn.opset, {x, sn}, {mid});
    ir::Node add = ir::make_node("Add", bn.name + "_add", bn.opset, {mid, hn}, {bn.outputs[0]});
    replacements.push_back({i, {std::move(mul), std::move(add)}});
  }
  std::vector<ir::Node> out;
  size_t r = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (r < replacements.size() && replacements[r].first == i) {
      for (auto& n : replacements[r].second) out.push_back(std::move(n));
      ++r;
      continue;
    }
    if (!remove[i]) out.push_back(std::move(graph.nodes[i]));
  }
  graph.nodes = std::move(out);
  graph.drop_unused_tensors();
  return Status::ok();
}

}  // namespace saturn::converter
