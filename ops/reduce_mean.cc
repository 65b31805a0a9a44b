// ReduceMean over sorted, distinct axes, keepdims 0 or 1, FP32 (oneDNN reduction). Policy
// kFollowFirst: with keepdims a rank-4 output keeps the input's layout; otherwise it is Plain.
// When every reduced dim is already 1 the op is a copy (oneDNN reorder).
#include "ops/dnnl/dnnl_util.h"
#include "ops/dnnl_step.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace saturn {
namespace {

class ReduceMeanKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 1, 1, 1));
    const fb::ReduceMean* options = ctx.node().op_as_ReduceMean();
    if (options == nullptr) return ctx.error("missing ReduceMean options");
    SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 0, DType::kF32));
    SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 0, 1, DNNL_MAX_NDIMS));
    const TensorDesc& in = ctx.input(0);
    const int rank = static_cast<int>(in.dims.size());
    if (options->axes() == nullptr || options->axes()->size() == 0)
      return ctx.error("axes is empty, expected at least one axis");
    std::vector<int64_t> keep_dims = in.dims;
    int previous = -1;
    for (int axis : *options->axes()) {
      if (axis <= previous || axis >= rank) {
        return ctx.error("axes must be sorted, distinct and in [0, " + std::to_string(rank) + ") for " +
                         op_util::input_label(ctx, 0) + " with dims " + op_util::dims_string(in.dims) +
                         ", found axis " + std::to_string(axis));
      }
      keep_dims[axis] = 1;
      previous = axis;
    }
    TensorDesc& out = ctx.output(0);
    out.dtype = DType::kF32;
    out.layout = options->keepdims() && rank == 4 ? in.layout : Layout::kPlain;
    if (options->keepdims()) {
      out.dims = keep_dims;
    } else {
      out.dims.clear();
      size_t next = 0;
      for (int d = 0; d < rank; ++d) {
        if (next < options->axes()->size() && options->axes()->Get(next) == d) {
          ++next;
        } else {
          out.dims.push_back(in.dims[d]);
        }
      }
    }

    return dnnl_util::guard(ctx, [&] {
      const dnnl::engine& engine = ctx.engine();
      TensorDesc kept = out;  // the output's memory seen with the reduced dims kept as 1s
      kept.dims = keep_dims;
      const dnnl::memory::desc src_md = dnnl_util::memory_desc(in);
      const dnnl::memory::desc dst_md = dnnl_util::memory_desc(kept);
      ScratchPlan plan;
      if (keep_dims == in.dims) {
        const dnnl::reorder::primitive_desc pd(engine, src_md, engine, dst_md, scratchpad_attr());
        step_.set_primitive(dnnl::reorder(pd));
        step_.bind_scratchpad(pd, engine, plan);
        ctx.set_impl(dnnl_util::impl_name(pd));
      } else {
        const dnnl::reduction::desc desc(dnnl::algorithm::reduction_mean, src_md, dst_md, 0.f, 0.f);
        const dnnl::reduction::primitive_desc pd(desc, scratchpad_attr(), engine);
        step_.set_primitive(dnnl::reduction(pd));
        step_.bind_scratchpad(pd, engine, plan);
        ctx.set_impl(dnnl_util::impl_name(pd));
      }
      step_.bind_input(DNNL_ARG_SRC, src_md, engine, 0);
      step_.bind_output(DNNL_ARG_DST, dst_md, engine, 0);
      ctx.request_scratch(plan.total());
      return Status::ok();
    });
  }

  void run(RunContext& ctx) const override { step_.run(ctx); }

 private:
  DnnlStep step_;
};

}  // namespace

std::unique_ptr<Kernel> make_reduce_mean_kernel() { return std::make_unique<ReduceMeanKernel>(); }

}  // namespace saturn
