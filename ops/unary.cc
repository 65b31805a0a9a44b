// Unary: one Activation applied elementwise. The output keeps the input's dims and layout (registry
// policy kFollowFirst).
//   FP32: oneDNN eltwise.
//   INT8 (X and Y U8/S8, one scale each): an ActivationTable (activation_table.h), the tensor split
//         into blocks over the session's threads.
#include <omp.h>

#include <algorithm>
#include <optional>

#include "ops/activation_table.h"
#include "ops/dnnl/dnnl_util.h"
#include "ops/dnnl_step.h"
#include "ops/int8_epilogue.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace saturn {
namespace {

using alg = dnnl::algorithm;

struct EltwiseOp {
  alg algorithm;
  float alpha;
  float beta;
};

// The eltwise primitives implementing f of `a`, applied in order (HardSigmoid needs two).
std::vector<EltwiseOp> function_ops(const fb::Activation& a) {
  switch (a.kind()) {
    case fb::ActivationKind::None: return {{alg::eltwise_linear, 1.f, 0.f}};
    case fb::ActivationKind::Relu: return {{alg::eltwise_relu, 0.f, 0.f}};
    case fb::ActivationKind::Clip: return {{alg::eltwise_clip_v2, a.alpha(), a.beta()}};
    case fb::ActivationKind::Sigmoid: return {{alg::eltwise_logistic, 0.f, 0.f}};
    case fb::ActivationKind::HardSigmoid:  // oneDNN 2.6 has no hardsigmoid: linear, then clip to [0, 1]
      return {{alg::eltwise_linear, a.alpha(), a.beta()}, {alg::eltwise_clip_v2, 0.f, 1.f}};
    case fb::ActivationKind::HardSwish: return {{alg::eltwise_hardswish, 0.f, 0.f}};
    case fb::ActivationKind::LeakyRelu: return {{alg::eltwise_relu, a.alpha(), 0.f}};
    case fb::ActivationKind::Tanh: return {{alg::eltwise_tanh, 0.f, 0.f}};
    case fb::ActivationKind::Swish: return {{alg::eltwise_swish, 1.f, 0.f}};
    case fb::ActivationKind::Gelu: return {{alg::eltwise_gelu_erf, 0.f, 0.f}};
  }
  return {};
}

// f, then the affine tail scale * f + shift when it is not (1, 0).
std::vector<EltwiseOp> eltwise_ops(const fb::Activation& a) {
  std::vector<EltwiseOp> ops = function_ops(a);
  if (!ops.empty() && dnnl_util::has_affine_tail(&a)) ops.push_back({alg::eltwise_linear, a.scale(), a.shift()});
  return ops;
}

class UnaryKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 1, 1, 1));
    const fb::Unary* options = ctx.node().op_as_Unary();
    if (options == nullptr || options->activation() == nullptr) return ctx.error("missing Unary options");
    const TensorDesc& in = ctx.input(0);
    if (is_int8(in.dtype)) return prepare_int8(ctx, *options->activation());
    SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 0, DType::kF32));
    const std::vector<EltwiseOp> ops = eltwise_ops(*options->activation());
    if (ops.empty()) {
      return ctx.error("unknown activation kind " +
                       std::to_string(static_cast<int>(options->activation()->kind())));
    }
    TensorDesc& out = ctx.output(0);
    out.dims = in.dims;
    out.dtype = DType::kF32;
    out.layout = in.layout;

    return dnnl_util::guard(ctx, [&] {
      const dnnl::engine& engine = ctx.engine();
      const dnnl::memory::desc md =
          dnnl_util::memory_desc(in, std::max<int>(1, static_cast<int>(in.dims.size())));
      ScratchPlan plan;
      std::string impl;
      for (size_t i = 0; i < ops.size(); ++i) {
        const dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, ops[i].algorithm, md,
                                               ops[i].alpha, ops[i].beta);
        const dnnl::eltwise_forward::primitive_desc pd(desc, scratchpad_attr(), engine);
        DnnlStep step;
        step.set_primitive(dnnl::eltwise_forward(pd));
        // The first op reads the input; later ones work in place on the output.
        if (i == 0) {
          step.bind_input(DNNL_ARG_SRC, md, engine, 0);
        } else {
          step.bind_output(DNNL_ARG_SRC, md, engine, 0);
        }
        step.bind_output(DNNL_ARG_DST, md, engine, 0);
        step.bind_scratchpad(pd, engine, plan);
        steps_.push_back(std::move(step));
        if (i > 0) impl += "+";
        impl += dnnl_util::impl_name(pd);
      }
      ctx.request_scratch(plan.total());
      ctx.set_impl(impl);
      return Status::ok();
    });
  }

  void run(RunContext& ctx) const override {
    if (table_) {
      run_table(ctx);
      return;
    }
    for (const DnnlStep& step : steps_) step.run(ctx);
  }

 private:
  Status prepare_int8(PrepareContext& ctx, const fb::Activation& activation) {
    const TensorDesc& in = ctx.input(0);
    TensorDesc& out = ctx.output(0);
    if (!is_int8(out.dtype)) {
      return ctx.error(op_util::output_label(ctx, 0) + " has dtype " + dtype_name(out.dtype) +
                       " in the model, expected u8 or s8 for the INT8 input " + op_util::input_label(ctx, 0));
    }
    float alpha_x = 0.f, alpha_y = 0.f;
    SATURN_RETURN_IF_ERROR(int8_epilogue::input_scale(ctx, 0, &alpha_x));
    SATURN_RETURN_IF_ERROR(int8_epilogue::output_scale(ctx, 0, &alpha_y));
    out.dims = in.dims;
    out.layout = in.layout;
    table_.emplace(&activation, in.dtype, alpha_x, out.dtype, alpha_y);
    elements_ = in.elements();
    ctx.set_impl(ActivationTable::vector_available() ? "saturn_table_int8:avx512_vbmi"
                                                     : "saturn_table_int8:plain");
    return Status::ok();
  }

  void run_table(RunContext& ctx) const {
    constexpr int64_t kBlock = 65536;
    const auto* x = static_cast<const uint8_t*>(ctx.input(0));
    auto* y = static_cast<uint8_t*>(ctx.output(0));
    const int64_t blocks = (elements_ + kBlock - 1) / kBlock;
#pragma omp parallel for if (blocks > 1)
    for (int64_t b = 0; b < blocks; ++b)
      table_->apply(x + b * kBlock, y + b * kBlock, std::min(kBlock, elements_ - b * kBlock));
  }

  std::vector<DnnlStep> steps_;           // FP32
  std::optional<ActivationTable> table_;  // INT8
  int64_t elements_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_unary_kernel() { return std::make_unique<UnaryKernel>(); }

}  // namespace saturn
