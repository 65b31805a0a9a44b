// MatMul (FP32): numpy matmul semantics on oneDNN matmul. All tensors Plain (registry policy kPlain).
//   - A rank 1 [K] is treated as [1, K] and B rank 1 [K] as [K, 1]; the inserted dim is dropped
//     from Y.
//   - Batch dims (all but the last two) broadcast numpy-style: the shorter operand gets leading 1s,
//     and each pair of batch dims must be equal or contain a 1.
// Either operand may be constant or runtime; a constant B is reordered once into the layout oneDNN
// picks (2D: dnnl_util::constant_b_desc). A fused activation is a post-op.
// INT8 (A is U8 or S8; schema/saturn.fbs): matmul_int8.h, with a constant B's per-column scales on
// its last dim; a runtime B (activation x activation) has one scale.
#include <algorithm>

#include "ops/dnnl/dnnl_util.h"
#include "ops/dnnl/primitive_util.h"
#include "ops/dnnl_step.h"
#include "ops/int8_epilogue.h"
#include "ops/matmul_int8.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace saturn {
namespace {

using dnnl::memory;
using dt = memory::data_type;

class MatMulKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override;
  void run(RunContext& ctx) const override { step_.run(ctx); }

 private:
  Status build(PrepareContext& ctx, const memory::dims& a, const memory::dims& b, const memory::dims& y,
               const fb::Activation* activation);
  DnnlStep step_;
};

Status MatMulKernel::prepare(PrepareContext& ctx) {
  const fb::MatMul* options = ctx.node().op_as_MatMul();
  if (options == nullptr) return ctx.error("options are not MatMul");
  SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 2, 2, 1));
  const bool int8 = is_int8(ctx.input(0).dtype);
  if (!int8) SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 0, DType::kF32));
  SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 0, 1, DNNL_MAX_NDIMS));
  if (!int8) SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 1, DType::kF32));
  SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 1, 1, DNNL_MAX_NDIMS));
  const std::vector<int64_t>& a_in = ctx.input(0).dims;
  const std::vector<int64_t>& b_in = ctx.input(1).dims;
  memory::dims a(a_in.begin(), a_in.end());
  memory::dims b(b_in.begin(), b_in.end());
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  const size_t rank = std::max(a.size(), b.size());
  a.insert(a.begin(), rank - a.size(), 1);
  b.insert(b.begin(), rank - b.size(), 1);
  if (a[rank - 1] != b[rank - 2]) {
    return ctx.error(op_util::input_label(ctx, 1) + " has dims " + op_util::dims_string(b_in) +
                     ", expected K = " + std::to_string(a[rank - 1]) + " (the last dim of A " +
                     op_util::dims_string(a_in) + ") in its " +
                     (b_in.size() == 1 ? "only" : "second to last") + " dim");
  }
  memory::dims y(rank);
  std::vector<int64_t> out_dims;
  for (size_t i = 0; i + 2 < rank; ++i) {
    if (a[i] != b[i] && a[i] != 1 && b[i] != 1) {
      return ctx.error("batch dims of A " + op_util::dims_string(a_in) + " and B " +
                       op_util::dims_string(b_in) + " do not broadcast: " + std::to_string(a[i]) + " vs " +
                       std::to_string(b[i]));
    }
    y[i] = std::max(a[i], b[i]);
    out_dims.push_back(y[i]);
  }
  y[rank - 2] = a[rank - 2];
  y[rank - 1] = b[rank - 1];
  if (a_in.size() > 1) out_dims.push_back(y[rank - 2]);
  if (b_in.size() > 1) out_dims.push_back(y[rank - 1]);
  int64_t macs = a[rank - 1];
  for (int64_t d : y) macs *= d;

  TensorDesc& out = ctx.output(0);
  out.dims = out_dims;
  out.layout = Layout::kPlain;
  ctx.set_macs(macs);
  if (rank > 2 && op_util::product(std::vector<int64_t>(b.begin(), b.end()), 0, rank - 2) == 1) {
    // B shared by every batch (a weight): A's batch dims fold into M, one plain 2D product of the
    // same bytes. oneDNN ran ViT-B/16's QKV projection, [197, 1, 768] x [768, 2304], as 197
    // one-row products at 31 GMAC/s; oneDNN's reference int8 matmul needs 2D too (matmul_int8.h).
    const int64_t rows = op_util::product(std::vector<int64_t>(y.begin(), y.end()), 0, rank - 1);
    a = {rows, a[rank - 1]};
    b = {b[rank - 2], b[rank - 1]};
    y = {rows, y[rank - 1]};
  }
  if (int8) {
    matmul_int8::Operands operands;
    operands.a = a;
    operands.b = b;
    operands.y = y;
    SATURN_RETURN_IF_ERROR(dnnl_util::guard(ctx, [&] {
      operands.a_md = dnnl_util::row_major_desc(operands.a, dnnl_util::data_type(ctx.input(0).dtype));
      operands.b_md = dnnl_util::row_major_desc(operands.b, dt::s8);  // build() checks that B is s8
      return Status::ok();
    }));
    operands.b_n_axis = b_in.size() == 1 ? -1 : static_cast<int>(b_in.size()) - 1;
    return matmul_int8::build(ctx, operands, options->activation(), &step_);
  }
  out.dtype = DType::kF32;
  return dnnl_util::guard(ctx, [&] { return build(ctx, a, b, y, options->activation()); });
}

Status MatMulKernel::build(PrepareContext& ctx, const memory::dims& a, const memory::dims& b,
                           const memory::dims& y, const fb::Activation* activation) {
  const memory::desc a_md = dnnl_util::row_major_desc(a, dt::f32);
  const memory::desc b_md = dnnl_util::row_major_desc(b, dt::f32);
  const memory::desc y_md = dnnl_util::row_major_desc(y, dt::f32);
  const bool b_constant = ctx.constant(1) != nullptr;
  const memory::desc b_prim = !b_constant  ? b_md
                              : b.size() == 2 ? dnnl_util::constant_b_desc(b[0], b[1])
                                              : memory::desc(b, dt::f32, memory::format_tag::any);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_prim, y_md),
                                        dnnl_util::attr_with_activation(activation), ctx.engine());

  step_.set_primitive(dnnl::matmul(pd));
  step_.bind_input(DNNL_ARG_SRC, a_md, ctx.engine(), 0);
  if (b_constant) {
    step_.bind_owned(DNNL_ARG_WEIGHTS,
                     dnnl_util::reorder_constant(ctx, b_md, ctx.constant(1), pd.weights_desc()));
  } else {
    step_.bind_input(DNNL_ARG_WEIGHTS, b_md, ctx.engine(), 1);
  }
  step_.bind_output(DNNL_ARG_DST, y_md, ctx.engine(), 0);
  step_.bind_only_scratchpad(ctx, pd);
  return Status::ok();
}

}  // namespace

std::unique_ptr<Kernel> make_matmul_kernel() { return std::make_unique<MatMulKernel>(); }

}  // namespace saturn
