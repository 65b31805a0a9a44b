#include "runtime/src/reorder_kernel.h"

#include "ops/dnnl/dnnl_util.h"
#include "ops/dnnl_step.h"

namespace saturn {
namespace {

class ReorderKernel final : public Kernel {
 public:
  explicit ReorderKernel(Layout target) : target_(target) {}

  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0) || ctx.num_outputs() != 1) {
      return ctx.error("expected 1 input and 1 output");
    }
    const TensorDesc& in = ctx.input(0);
    if (in.dims.size() != 4) {
      return ctx.error("input '" + in.name + "' has " + std::to_string(in.dims.size()) + " dims, expected 4");
    }
    if (in.dtype == DType::kS64) return ctx.error("input '" + in.name + "' is s64, which has no layout reorder");
    TensorDesc& out = ctx.output(0);
    out.dims = in.dims;
    out.dtype = in.dtype;
    out.layout = target_;
    return dnnl_util::guard(ctx, [&] {
      const dnnl::engine& engine = ctx.engine();
      const dnnl::memory::desc src = dnnl_util::memory_desc(in);
      const dnnl::memory::desc dst = dnnl_util::memory_desc(out);
      const dnnl::reorder::primitive_desc pd(engine, src, engine, dst, scratchpad_attr());
      step_.set_primitive(dnnl::reorder(pd));
      step_.bind_input(DNNL_ARG_SRC, src, engine, 0);
      step_.bind_output(DNNL_ARG_DST, dst, engine, 0);
      step_.bind_only_scratchpad(ctx, pd);
      return Status::ok();
    });
  }

  void run(RunContext& ctx) const override { step_.run(ctx); }

 private:
  Layout target_;
  DnnlStep step_;
};

}  // namespace

std::unique_ptr<Kernel> make_reorder_kernel(Layout target) { return std::make_unique<ReorderKernel>(target); }

}  // namespace saturn
