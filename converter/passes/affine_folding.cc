// Affine folding (passes.h, steps 5 and 7): constant Mul / Add / Sub after a Conv or after a fused
// activation, as PP-LCNetV3's "learnable affine" blocks produce them.
//   fold_affine_into_conv: Conv (no fused activation, constant F32 W, absent or constant F32 B)
//     whose output feeds only a Mul / Add / Sub with a constant F32 operand c that is a scalar or
//     per output channel (after right-aligned broadcasting against the output [N, M, spatial...],
//     c is 1 everywhere but at the channel axis, where it is M: [M, 1, 1], [1, M, 1, 1]):
//       Mul:  W[m] *= c[m], B[m] *= c[m]          Add: B[m] += c[m]
//       Sub:  y - c: B[m] -= c[m]                  c - y: W[m] = -W[m], B[m] = c[m] - B[m]
//     B is created when absent. The Conv takes the node's output name.
//   fold_affine_tails: a node with a fused activation (kind != None) whose output feeds only a
//     Mul / Add / Sub with a constant F32 scalar operand c (one element, rank <= the output's rank):
//       Mul: scale *= c, shift *= c     Add: shift += c     Sub: y - c: shift -= c; c - y: negated.
// Both repeat until nothing changes; the folded tensor (the Conv's / the node's output) must feed
// only the folded node and must not be a graph output. Changed W / B get new constants unless this
// node is their only user.
#include <algorithm>
#include <optional>

#include "converter/passes/passes.h"

namespace saturn::converter {

namespace {

enum class AffineOp { kMul, kAdd, kSubConst, kConstSub };  // y*c, y+c, y-c, c-y

struct AffineUse {
  size_t node = 0;             // index of the Mul / Add / Sub
  AffineOp op = AffineOp::kMul;
  std::vector<double> c;       // the constant's values
  std::vector<int64_t> dims;   // the constant's dims
};

// The single Mul / Add / Sub reading `t` with a constant F32 operand, if `t` feeds only that node
// and is not a graph output.
std::optional<AffineUse> only_affine_use(const ir::Graph& g, const std::map<std::string, std::vector<size_t>>& consumers,
                                         const std::string& t) {
  auto it = consumers.find(t);
  if (it == consumers.end() || it->second.size() != 1 || g.is_graph_output(t)) return std::nullopt;
  const ir::Node& n = g.nodes[it->second[0]];
  if (!n.domain.empty() || n.inputs.size() != 2 || n.outputs.size() != 1 || n.fused.kind != ir::ActivationKind::kNone ||
      n.fused.has_tail())
    return std::nullopt;
  if (n.op_type != "Mul" && n.op_type != "Add" && n.op_type != "Sub") return std::nullopt;
  const int k = n.inputs[0] == t ? 1 : 0;  // the constant's position
  if (n.inputs[1 - k] != t || n.inputs[k] == t) return std::nullopt;
  const ir::Tensor* c = g.constant(n.inputs[k]);
  if (c == nullptr || c->dtype != ir::ElemType::kFloat || !c->is_static()) return std::nullopt;
  AffineUse use;
  use.node = it->second[0];
  use.op = n.op_type == "Mul" ? AffineOp::kMul
           : n.op_type == "Add" ? AffineOp::kAdd
           : k == 1             ? AffineOp::kSubConst
                                : AffineOp::kConstSub;
  use.c = c->as_doubles();
  use.dims = c->dims;
  return use;
}

// The constant broadcast per output channel: m values (a scalar repeated), or nullopt when `dims`
// is anything but a scalar or [M] at the channel axis (axis 1 of a rank-`rank` output).
std::optional<std::vector<double>> per_channel(const AffineUse& u, int64_t m, size_t rank) {
  if (u.dims.size() > rank) return std::nullopt;
  if (u.c.size() == 1) return std::vector<double>(m, u.c[0]);
  if (rank < 2 || u.dims.size() < rank - 1) return std::nullopt;  // must reach the channel axis
  const size_t channel = u.dims.size() - (rank - 1);
  for (size_t i = 0; i < u.dims.size(); ++i)
    if (u.dims[i] != (i == channel ? m : 1)) return std::nullopt;
  return u.c;
}

// Stores `values` as the node's input `i`: in place when the node is the tensor's only user,
// else as a new constant named after it.
void set_constant(ir::Graph& g, const std::map<std::string, std::vector<size_t>>& consumers, ir::Node& node,
                  size_t i, const std::string& base, std::vector<int64_t> dims, const std::vector<float>& values) {
  const std::string old = node.input(i);
  auto it = consumers.find(old);
  const bool own = !old.empty() && it != consumers.end() && it->second.size() == 1 && !g.is_graph_output(old);
  const std::string name = own ? old : g.unique_name(base);
  g.tensors[name] = ir::make_constant_f32(name, std::move(dims), values);
  if (node.inputs.size() <= i) node.inputs.resize(i + 1);
  node.inputs[i] = name;
}

// Folds the one Mul / Add / Sub after Conv `i`, if the pattern applies.
bool fold_one_conv(ir::Graph& g, size_t i, const std::map<std::string, std::vector<size_t>>& consumers) {
  ir::Node& conv = g.nodes[i];
  if (conv.op_type != "Conv" || !conv.domain.empty() || conv.outputs.size() != 1 || conv.inputs.size() < 2 ||
      conv.inputs.size() > 3 || conv.fused.kind != ir::ActivationKind::kNone || conv.fused.has_tail())
    return false;
  const ir::Tensor* w = g.constant(conv.input(1));
  if (w == nullptr || w->dtype != ir::ElemType::kFloat || !w->is_static() || w->dims.size() < 3) return false;
  const int64_t m = w->dims[0];
  const ir::Tensor* b = conv.input(2).empty() ? nullptr : g.constant(conv.input(2));
  if (!conv.input(2).empty() && (b == nullptr || b->dtype != ir::ElemType::kFloat || b->numel() != m)) return false;
  const std::optional<AffineUse> use = only_affine_use(g, consumers, conv.outputs[0]);
  if (!use || use->node <= i) return false;
  const std::optional<std::vector<double>> c = per_channel(*use, m, w->dims.size());
  if (!c) return false;

  std::vector<double> bv = b ? b->as_doubles() : std::vector<double>(m, 0.0);
  const bool scale_w = use->op == AffineOp::kMul || use->op == AffineOp::kConstSub;
  for (int64_t o = 0; o < m; ++o) {
    const double k = (*c)[o];
    switch (use->op) {
      case AffineOp::kMul: bv[o] *= k; break;
      case AffineOp::kAdd: bv[o] += k; break;
      case AffineOp::kSubConst: bv[o] -= k; break;
      case AffineOp::kConstSub: bv[o] = k - bv[o]; break;
    }
  }
  const std::string out = g.nodes[use->node].outputs[0];
  const std::string conv_name = conv.name;
  if (scale_w) {
    std::vector<float> wv = ir::as_floats(*w);
    const size_t per = wv.size() / static_cast<size_t>(m);
    for (int64_t o = 0; o < m; ++o) {
      const double k = use->op == AffineOp::kMul ? (*c)[o] : -1.0;
      for (size_t j = 0; j < per; ++j) wv[o * per + j] = static_cast<float>(wv[o * per + j] * k);
    }
    set_constant(g, consumers, conv, 1, conv.input(1) + "_affine", w->dims, wv);
  }
  std::vector<float> bf(bv.begin(), bv.end());
  set_constant(g, consumers, conv, 2, conv.input(2).empty() ? conv_name + "_bias" : conv.input(2) + "_affine", {m},
               bf);
  conv.outputs[0] = out;
  g.nodes.erase(g.nodes.begin() + static_cast<std::ptrdiff_t>(use->node));
  return true;
}

// Folds the one scalar Mul / Add / Sub after node `i`'s fused activation, if the pattern applies.
bool fold_one_tail(ir::Graph& g, size_t i, const std::map<std::string, std::vector<size_t>>& consumers) {
  ir::Node& n = g.nodes[i];
  if (n.fused.kind == ir::ActivationKind::kNone || n.outputs.size() != 1) return false;
  const ir::Tensor* y = g.find(n.outputs[0]);
  if (y == nullptr || !y->has_shape) return false;
  const std::optional<AffineUse> use = only_affine_use(g, consumers, n.outputs[0]);
  if (!use || use->node <= i || use->c.size() != 1 || use->dims.size() > y->dims.size()) return false;
  const double c = use->c[0];
  double scale = n.fused.scale, shift = n.fused.shift;
  switch (use->op) {
    case AffineOp::kMul: scale *= c, shift *= c; break;
    case AffineOp::kAdd: shift += c; break;
    case AffineOp::kSubConst: shift -= c; break;
    case AffineOp::kConstSub: scale = -scale, shift = c - shift; break;
  }
  n.fused.scale = static_cast<float>(scale);
  n.fused.shift = static_cast<float>(shift);
  n.outputs[0] = g.nodes[use->node].outputs[0];
  g.nodes.erase(g.nodes.begin() + static_cast<std::ptrdiff_t>(use->node));
  return true;
}

// Applies `fold_one` until no node changes. Erasing a consumer (which follows its producer in the
// topological order) keeps the order; consumers are recomputed after every change.
template <typename Fold>
void fold_until_fixed(ir::Graph& g, Fold fold_one) {
  for (bool changed = true; changed;) {
    changed = false;
    auto consumers = g.consumers();
    for (size_t i = 0; i < g.nodes.size();) {
      if (!fold_one(g, i, consumers)) {
        ++i;
        continue;
      }
      changed = true;
      consumers = g.consumers();  // and node i again: it may fold its next consumer
    }
  }
  g.drop_unused_tensors();
}

}  // namespace

Status fold_affine_into_conv(ir::Graph& graph) {
  fold_until_fixed(graph, fold_one_conv);
  return Status::ok();
}

Status fold_affine_tails(ir::Graph& graph) {
  fold_until_fixed(graph, fold_one_tail);
  return Status::ok();
}

}  // namespace saturn::converter
