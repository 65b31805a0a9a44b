// Lowering of elementwise ops: activations (-> Unary), Add/Sub/Mul/Div (-> Binary), Softmax and
// Identity.
#include "converter/activation.h"
#include "converter/lowering/lowering.h"
#include "converter/passes/const_eval.h"
#include "converter/shape_rules.h"

namespace saturn::converter {

Result<LoweredNode> lower_unary(LowerContext& c) {
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  if (c.node.domain == kInternalDomain && c.node.op_type == "Activation")  // passes.h split_table_activations
    return make_lowered(fb::Op::Unary, fb::CreateUnary(c.fbb, c.activation(c.node.fused)).Union(),
                        {c.node.input(0)});
  Result<ir::Activation> a = activation_from_node(c.node, c.graph);
  if (!a) return a.status();
  if (c.node.fused.kind != ir::ActivationKind::kNone)
    return c.invalid("an activation cannot carry a fused activation");
  auto opt = fb::CreateUnary(c.fbb, c.activation(*a));
  return make_lowered(fb::Op::Unary, opt.Union(), {c.node.input(0)});
}

Result<LoweredNode> lower_binary(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({}));
  Result<const ir::Tensor*> a = c.input(0);
  if (!a) return a.status();
  Result<const ir::Tensor*> b = c.input(1);
  if (!b) return b.status();
  bool ok = true;
  auto out = const_eval::broadcast_dims((*a)->dims, (*b)->dims, &ok);
  if (!ok)
    return c.invalid("input dims " + dims_to_string((*a)->dims) + " and " + dims_to_string((*b)->dims) +
                     " do not broadcast");
  const std::string& op = c.node.op_type;
  const fb::BinaryKind kind = op == "Add"   ? fb::BinaryKind::Add
                              : op == "Sub" ? fb::BinaryKind::Sub
                              : op == "Mul" ? fb::BinaryKind::Mul
                                            : fb::BinaryKind::Div;
  auto opt = fb::CreateBinary(c.fbb, kind, c.fused_activation());
  return make_lowered(fb::Op::Binary, opt.Union(), {c.node.input(0), c.node.input(1)});
}

Result<LoweredNode> lower_softmax(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({"axis"}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  const int64_t rank = static_cast<int64_t>((*x)->dims.size());
  const bool coerce = c.node.opset < 13;
  Result<int64_t> axis = normalize_axis(c.node.attr_int("axis", coerce ? 1 : -1), rank, "axis");
  if (!axis) return c.invalid(axis.status().message());
  auto opt = fb::CreateSoftmax(c.fbb, static_cast<int32_t>(*axis), coerce);
  return make_lowered(fb::Op::Softmax, opt.Union(), {c.node.input(0)});
}

Result<LoweredNode> lower_identity(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  auto opt = fb::CreateIdentity(c.fbb);
  return make_lowered(fb::Op::Identity, opt.Union(), {c.node.input(0)});
}

}  // namespace saturn::converter
