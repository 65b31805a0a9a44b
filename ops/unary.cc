// Unary: one Activation applied elementwise (oneDNN eltwise), FP32. The output keeps the input's
// dims and layout (registry policy kFollowFirst).
#include <algorithm>

#include "ops/dnnl/dnnl_util.h"
#include "ops/dnnl_step.h"
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
    SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 0, DType::kF32));
    const TensorDesc& in = ctx.input(0);
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
    for (const DnnlStep& step : steps_) step.run(ctx);
  }

 private:
  std::vector<DnnlStep> steps_;
};

}  // namespace

std::unique_ptr<Kernel> make_unary_kernel() { return std::make_unique<UnaryKernel>(); }

}  // namespace saturn
