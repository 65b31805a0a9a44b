// Gemm (FP32): Y = activation(alpha * op(A) * op(B) + beta * C) on oneDNN matmul. All tensors Plain
// (registry policy kPlain). A and B are [rows, cols] viewed through strides when transposed; a
// constant B is reordered once into the layout oneDNN picks. alpha is oneDNN's output scale.
// C (optional, rank <= 2, unidirectionally broadcast to [M, N]):
//   - constant: beta * C is precomputed (a column [M, 1] is expanded to [M, N]) and added by a
//     binary post-op, which oneDNN applies after the output scale;
//   - runtime: run() copies C broadcast into Y, and a sum post-op adds beta * Y.
//   - beta == 0: C is not read.
// INT8 (A is U8 or S8; schema/saturn.fbs): matmul_int8.h, with B's per-column scales on its N dim as
// stored (axis 1 of [K, N], axis 0 of [N, K] with trans_b) and C as the S32 bias of N values; alpha
// and beta must be 1 (the converter folds them into the scales and the bias).
#include <cstring>

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

class GemmKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override;
  void run(RunContext& ctx) const override;

 private:
  enum class CMode { kNone, kConstant, kRuntime };
  Status build(PrepareContext& ctx, const fb::Gemm& options);
  Status prepare_int8(PrepareContext& ctx, const fb::Gemm& options);

  int64_t m_ = 0, n_ = 0, k_ = 0;
  int64_t c_rows_ = 1, c_cols_ = 1;  // C's dims padded to rank 2
  CMode c_mode_ = CMode::kNone;
  DnnlStep step_;
};

Status GemmKernel::prepare(PrepareContext& ctx) {
  const fb::Gemm* options = ctx.node().op_as_Gemm();
  if (options == nullptr) return ctx.error("options are not Gemm");
  SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 2, 3, 1));
  const bool int8 = is_int8(ctx.input(0).dtype);
  if (!int8) SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 0, DType::kF32));
  SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 0, 2, 2));
  if (!int8) SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 1, DType::kF32));
  SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 1, 2, 2));
  const std::vector<int64_t>& a = ctx.input(0).dims;
  const std::vector<int64_t>& b = ctx.input(1).dims;
  m_ = options->trans_a() ? a[1] : a[0];
  k_ = options->trans_a() ? a[0] : a[1];
  n_ = options->trans_b() ? b[0] : b[1];
  const int64_t kb = options->trans_b() ? b[1] : b[0];
  if (kb != k_) {
    return ctx.error(op_util::input_label(ctx, 1) + " has dims " + op_util::dims_string(b) +
                     (options->trans_b() ? " (transposed)" : "") + ", expected K = " + std::to_string(k_) +
                     " from A " + op_util::dims_string(a) + (options->trans_a() ? " (transposed)" : ""));
  }
  c_mode_ = CMode::kNone;
  if (int8) return prepare_int8(ctx, *options);
  if (ctx.num_inputs() > 2 && ctx.has_input(2) && options->beta() != 0.f) {
    SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 2, DType::kF32));
    SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 2, 0, 2));
    const std::vector<int64_t>& c = ctx.input(2).dims;
    c_rows_ = c.size() == 2 ? c[0] : 1;
    c_cols_ = c.empty() ? 1 : c.back();
    if ((c_rows_ != 1 && c_rows_ != m_) || (c_cols_ != 1 && c_cols_ != n_)) {
      return ctx.error(op_util::input_label(ctx, 2) + " has dims " + op_util::dims_string(c) +
                       ", expected dims broadcastable to [" + std::to_string(m_) + ", " + std::to_string(n_) +
                       "]");
    }
    c_mode_ = ctx.constant(2) != nullptr ? CMode::kConstant : CMode::kRuntime;
  }
  TensorDesc& out = ctx.output(0);
  out.dims = {m_, n_};
  out.dtype = DType::kF32;
  out.layout = Layout::kPlain;
  ctx.set_macs(m_ * n_ * k_);
  return dnnl_util::guard(ctx, [&] { return build(ctx, *options); });
}

Status GemmKernel::prepare_int8(PrepareContext& ctx, const fb::Gemm& options) {
  const bool with_c = ctx.num_inputs() > 2 && ctx.has_input(2);
  if (options.alpha() != 1.f || (with_c && options.beta() != 1.f)) {
    return ctx.error("INT8 Gemm has alpha " + std::to_string(options.alpha()) + " and beta " +
                     std::to_string(options.beta()) + ", expected 1 and 1 (folded into the scales and the bias)");
  }
  matmul_int8::Operands operands;
  operands.a = {m_, k_};
  operands.b = {k_, n_};
  operands.y = {m_, n_};
  const dt a_type = dnnl_util::data_type(ctx.input(0).dtype);
  operands.a_md = memory::desc(operands.a, a_type, options.trans_a() ? memory::dims{1, m_} : memory::dims{k_, 1});
  operands.b_md = memory::desc(operands.b, dt::s8, options.trans_b() ? memory::dims{1, k_} : memory::dims{n_, 1});
  operands.b_n_axis = options.trans_b() ? 0 : 1;
  operands.bias_input = with_c ? 2 : -1;
  TensorDesc& out = ctx.output(0);
  out.dims = {m_, n_};
  out.layout = Layout::kPlain;
  ctx.set_macs(m_ * n_ * k_);
  return matmul_int8::build(ctx, operands, options.activation(), &step_);
}

Status GemmKernel::build(PrepareContext& ctx, const fb::Gemm& options) {
  const memory::desc a_md({m_, k_}, dt::f32, options.trans_a() ? memory::dims{1, m_} : memory::dims{k_, 1});
  const memory::desc b_md({k_, n_}, dt::f32, options.trans_b() ? memory::dims{1, k_} : memory::dims{n_, 1});
  const bool b_constant = ctx.constant(1) != nullptr;
  const memory::desc b_prim = b_constant ? dnnl_util::constant_b_desc(k_, n_) : b_md;
  const memory::desc y_md = dnnl_util::row_major_desc({m_, n_}, dt::f32);

  dnnl::post_ops ops;
  memory c_scaled;
  if (c_mode_ == CMode::kConstant) {
    // A column [M, 1] is expanded to [M, N]: oneDNN's fast matmul lacks that broadcast.
    const int64_t rows = c_rows_;
    const int64_t cols = (c_rows_ != 1 && c_cols_ == 1) ? n_ : c_cols_;
    const memory::desc c_md = dnnl_util::row_major_desc({rows, cols}, dt::f32);
    c_scaled = memory(c_md, ctx.engine());
    const float* c = static_cast<const float*>(ctx.constant(2));
    float* dst = static_cast<float*>(c_scaled.get_data_handle());
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < cols; ++j)
        dst[r * cols + j] = options.beta() * c[r * c_cols_ + (c_cols_ == 1 ? 0 : j)];
    }
    ops.append_binary(dnnl::algorithm::binary_add, c_md);
  } else if (c_mode_ == CMode::kRuntime) {
    ops.append_sum(options.beta());
  }
  dnnl_util::append_activation(ops, options.activation());
  dnnl::primitive_attr attr = dnnl_util::attr_with_post_ops(ops);
  if (options.alpha() != 1.f) attr.set_output_scales(0, {options.alpha()});
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_prim, y_md), attr, ctx.engine());

  step_.set_primitive(dnnl::matmul(pd));
  step_.bind_input(DNNL_ARG_SRC, a_md, ctx.engine(), 0);
  if (b_constant) {
    step_.bind_owned(DNNL_ARG_WEIGHTS,
                     dnnl_util::reorder_constant(ctx, b_md, ctx.constant(1), pd.weights_desc()));
  } else {
    step_.bind_input(DNNL_ARG_WEIGHTS, b_md, ctx.engine(), 1);
  }
  if (c_mode_ == CMode::kConstant)
    step_.bind_owned(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, c_scaled);
  step_.bind_output(DNNL_ARG_DST, y_md, ctx.engine(), 0);
  step_.bind_only_scratchpad(ctx, pd);
  return Status::ok();
}

void GemmKernel::run(RunContext& ctx) const {
  if (c_mode_ == CMode::kRuntime) {
    const float* c = static_cast<const float*>(ctx.input(2));
    float* y = static_cast<float*>(ctx.output(0));
    if (c_rows_ == m_ && c_cols_ == n_) {
      if (c != y) std::memcpy(y, c, static_cast<size_t>(m_ * n_) * sizeof(float));
    } else {
      for (int64_t i = 0; i < m_; ++i) {
        const float* row = c + (c_rows_ == 1 ? 0 : i * c_cols_);
        for (int64_t j = 0; j < n_; ++j) y[i * n_ + j] = row[c_cols_ == 1 ? 0 : j];
      }
    }
  }
  step_.run(ctx);
}

}  // namespace

std::unique_ptr<Kernel> make_gemm_kernel() { return std::make_unique<GemmKernel>(); }

}  // namespace saturn
