// LayerNorm over dims[axis:] (collapsed into one dim), FP32 (oneDNN layer normalization), policy
// kPlain. Inputs X, scale (required), bias (optional); scale and bias broadcast to dims[axis:]. A
// parameter with exactly prod(dims[axis:]) elements is used in place; a broadcast one is expanded
// to that size in plain C++: once in prepare() when it is a constant, else into scratch in run().
#include "ops/dnnl/dnnl_util.h"
#include "ops/dnnl_step.h"
#include "ops/op_util.h"
#include "ops/ops.h"
#include "ops/plain/strided_copy.h"

namespace saturn {
namespace {

class LayerNormKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 2, 3, 1));
    const fb::LayerNorm* options = ctx.node().op_as_LayerNorm();
    if (options == nullptr) return ctx.error("missing LayerNorm options");
    SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 0, DType::kF32));
    SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 0, 1, StridedCopy::kMaxRank));
    SATURN_RETURN_IF_ERROR(op_util::check_plain(ctx, 0));
    const TensorDesc& x = ctx.input(0);
    const int rank = static_cast<int>(x.dims.size());
    const int axis = options->axis();
    if (axis < 0 || axis >= rank) {
      return ctx.error("axis " + std::to_string(axis) + " is out of range for " +
                       op_util::input_label(ctx, 0) + " with dims " + op_util::dims_string(x.dims));
    }
    if (!(options->epsilon() > 0.f))
      return ctx.error("epsilon " + std::to_string(options->epsilon()) + ", expected > 0");
    const std::vector<int64_t> norm_dims(x.dims.begin() + axis, x.dims.end());
    const int64_t norm = op_util::product(norm_dims, 0, norm_dims.size());
    const int64_t outer = op_util::product(x.dims, 0, axis);
    const bool has_bias = ctx.num_inputs() > 2 && ctx.has_input(2);
    for (int i = 1; i < (has_bias ? 3 : 2); ++i) {
      SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, i, DType::kF32));
      SATURN_RETURN_IF_ERROR(check_param(ctx, i, norm_dims));
    }
    TensorDesc& out = ctx.output(0);
    out.dims = x.dims;
    out.dtype = DType::kF32;
    out.layout = Layout::kPlain;

    return dnnl_util::guard(ctx, [&] {
      const dnnl::engine& engine = ctx.engine();
      using tag = dnnl::memory::format_tag;
      const dnnl::memory::desc data_md({outer, norm}, dnnl::memory::data_type::f32, tag::ab);
      const dnnl::memory::desc param_md({norm}, dnnl::memory::data_type::f32, tag::a);
      auto flags = dnnl::normalization_flags::use_scale;
      if (has_bias) flags = flags | dnnl::normalization_flags::use_shift;
      const dnnl::layer_normalization_forward::desc desc(dnnl::prop_kind::forward_inference, data_md,
                                                         options->epsilon(), flags);
      const dnnl::layer_normalization_forward::primitive_desc pd(desc, scratchpad_attr(), engine);
      ScratchPlan plan;
      step_.set_primitive(dnnl::layer_normalization_forward(pd));
      step_.bind_input(DNNL_ARG_SRC, data_md, engine, 0);
      step_.bind_output(DNNL_ARG_DST, data_md, engine, 0);
      for (int i = 1; i < (has_bias ? 3 : 2); ++i) {
        const int arg = i == 1 ? DNNL_ARG_SCALE : DNNL_ARG_SHIFT;
        const TensorDesc& p = ctx.input(i);
        if (p.elements() == norm) {
          step_.bind_input(arg, param_md, engine, i);
          continue;
        }
        const StridedCopy expand(norm_dims, broadcast_strides(p.dims, norm_dims), sizeof(float));
        if (ctx.constant(i) != nullptr) {
          dnnl::memory owned(param_md, engine);
          expand.run(owned.get_data_handle(), ctx.constant(i));
          step_.bind_owned(arg, owned);
        } else {
          const size_t offset = plan.reserve(static_cast<size_t>(norm) * sizeof(float));
          expansions_.push_back({expand, i, offset});
          step_.bind_scratch(arg, param_md, engine, offset);
        }
      }
      step_.bind_scratchpad(pd, engine, plan);
      ctx.request_scratch(plan.total());
      ctx.set_impl(expansions_.empty() ? dnnl_util::impl_name(pd) : "plain+" + dnnl_util::impl_name(pd));
      return Status::ok();
    });
  }

  void run(RunContext& ctx) const override {
    for (const Expansion& e : expansions_)
      e.copy.run(static_cast<char*>(ctx.scratch()) + e.offset, ctx.input(e.input));
    step_.run(ctx);
  }

 private:
  // Input i must broadcast to norm_dims (numpy rules, one direction).
  static Status check_param(const PrepareContext& ctx, int i, const std::vector<int64_t>& norm_dims) {
    const std::vector<int64_t>& d = ctx.input(i).dims;
    bool ok = true;
    for (size_t k = 0; k < d.size(); ++k) {
      const int64_t pos =
          static_cast<int64_t>(norm_dims.size()) - static_cast<int64_t>(d.size()) + static_cast<int64_t>(k);
      ok = ok && (d[k] == 1 || (pos >= 0 && d[k] == norm_dims[pos]));
    }
    if (ok) return Status::ok();
    return ctx.error(op_util::input_label(ctx, i) + " has dims " + op_util::dims_string(d) +
                     ", expected dims broadcastable to the normalized dims " +
                     op_util::dims_string(norm_dims));
  }

  // Element strides reading `dims` (row-major) as if broadcast to `to` (0 on broadcast dims).
  static std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& dims,
                                                const std::vector<int64_t>& to) {
    const std::vector<int64_t> s = op_util::strides(dims, Layout::kPlain);
    std::vector<int64_t> out(to.size(), 0);
    for (size_t k = 0; k < to.size(); ++k) {
      const int64_t src = static_cast<int64_t>(k) - static_cast<int64_t>(to.size() - dims.size());
      if (src >= 0 && dims[src] != 1) out[k] = s[src];
    }
    return out;
  }

  struct Expansion {
    StridedCopy copy;
    int input;
    size_t offset;
  };
  DnnlStep step_;
  std::vector<Expansion> expansions_;
};

}  // namespace

std::unique_ptr<Kernel> make_layer_norm_kernel() { return std::make_unique<LayerNormKernel>(); }

}  // namespace saturn
