#include "converter/qdq/activation_nodes.h"

#include <cmath>

#include "converter/activation.h"

namespace saturn::converter::qdq {

namespace {

// out = f(in) for the activation kind of `a` (no tail).
Status add_function(QdqBuilder& b, const ir::Activation& a, const std::string& in, const std::string& out,
                    const std::string& node_base) {
  using K = ir::ActivationKind;
  const std::string name = b.fresh_node(node_base + "_" + activation_name(a.kind));
  switch (a.kind) {
    case K::kRelu: b.add_node("Relu", name, {in}, {out}); return Status::ok();
    case K::kSigmoid: b.add_node("Sigmoid", name, {in}, {out}); return Status::ok();
    case K::kTanh: b.add_node("Tanh", name, {in}, {out}); return Status::ok();
    case K::kClip: {
      const std::string lo = std::isinf(a.alpha) ? "" : b.add_f32(name + "_min", {}, {a.alpha});
      const std::string hi = std::isinf(a.beta) ? "" : b.add_f32(name + "_max", {}, {a.beta});
      std::vector<std::string> ins = {in, lo, hi};
      while (ins.back().empty()) ins.pop_back();
      b.add_node("Clip", name, ins, {out});
      return Status::ok();
    }
    case K::kHardSigmoid: {
      ir::Node& n = b.add_node("HardSigmoid", name, {in}, {out});
      n.attrs["alpha"] = ir::float_attribute(a.alpha);
      n.attrs["beta"] = ir::float_attribute(a.beta);
      return Status::ok();
    }
    case K::kLeakyRelu: {
      ir::Node& n = b.add_node("LeakyRelu", name, {in}, {out});
      n.attrs["alpha"] = ir::float_attribute(a.alpha);
      return Status::ok();
    }
    case K::kHardSwish:
      if (b.opset() < 14)
        return Status::error("QDQ export: HardSwish of '" + out + "' needs opset 14, the model is opset " +
                             std::to_string(b.opset()));
      b.add_node("HardSwish", name, {in}, {out});
      return Status::ok();
    case K::kSwish: {  // x * Sigmoid(x)
      const std::string gate = b.fresh(out + "_sigmoid");
      b.add_node("Sigmoid", name + "_Sigmoid", {in}, {gate});
      b.add_node("Mul", name, {in, gate}, {out});
      return Status::ok();
    }
    case K::kGelu: {  // x * (Erf(x / sqrt(2)) + 1) * 0.5
      const std::string scaled = b.fresh(out + "_scaled"), erf = b.fresh(out + "_erf"), e = b.fresh(out + "_plus1"),
                        xe = b.fresh(out + "_xe");
      b.add_node("Div", name + "_Div", {in, b.add_f32(name + "_sqrt2", {}, {std::sqrt(2.f)})}, {scaled});
      b.add_node("Erf", name + "_Erf", {scaled}, {erf});
      b.add_node("Add", name + "_Add", {erf, b.add_f32(name + "_one", {}, {1.f})}, {e});
      b.add_node("Mul", name + "_Mul", {in, e}, {xe});
      b.add_node("Mul", name, {xe, b.add_f32(name + "_half", {}, {0.5f})}, {out});
      return Status::ok();
    }
    case K::kNone: break;
  }
  return Status::error("QDQ export: no activation to emit for '" + out + "'");
}

}  // namespace

Status add_activation(QdqBuilder& b, const ir::Activation& a, const std::string& in, const std::string& out,
                      const std::string& node_base) {
  if (!a.has_tail()) return add_function(b, a, in, out, node_base);
  std::string x = in;
  if (a.kind != ir::ActivationKind::kNone) {
    x = b.fresh(out + "_activation");
    SATURN_RETURN_IF_ERROR(add_function(b, a, in, x, node_base));
  }
  const std::string scaled = b.fresh(out + "_scaled");
  const std::string mul = b.fresh_node(node_base + "_tail_Mul");
  b.add_node("Mul", mul, {x, b.add_f32(mul + "_scale", {}, {a.scale})}, {scaled});
  const std::string add = b.fresh_node(node_base + "_tail_Add");
  b.add_node("Add", add, {scaled, b.add_f32(add + "_shift", {}, {a.shift})}, {out});
  return Status::ok();
}

}  // namespace saturn::converter::qdq
