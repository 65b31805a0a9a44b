// Lowering of the INT8 pass's own Quantize and Dequantize nodes (domain kInternalDomain). Their
// scales live on the tensors (Quantize: the output's; Dequantize: the input's), so the options
// tables are empty.
#include "converter/lowering/lowering.h"

namespace saturn::converter {

namespace {

Status check_unary_io(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({}));
  if (c.node.inputs.size() != 1 || c.node.outputs.size() != 1) return c.invalid("expects one input and one output");
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  Result<const ir::Tensor*> y = c.output(0);
  if (!y) return y.status();
  if ((*x)->dims != (*y)->dims) return c.invalid("input and output dims differ");
  return Status::ok();
}

}  // namespace

Result<LoweredNode> lower_quantize(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(check_unary_io(c));
  auto opt = fb::CreateQuantize(c.fbb);
  return make_lowered(fb::Op::Quantize, opt.Union(), {c.node.input(0)});
}

Result<LoweredNode> lower_dequantize(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(check_unary_io(c));
  auto opt = fb::CreateDequantize(c.fbb);
  return make_lowered(fb::Op::Dequantize, opt.Union(), {c.node.input(0)});
}

}  // namespace saturn::converter
