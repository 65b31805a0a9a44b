// Concat along any axis of inputs of one dtype (f32, s8, u8, s32) in any layout (oneDNN concat on
// logical dims). Rank-4 inputs arrive in input 0's layout (policy kFollowFirst) and the output takes
// it too; other ranks are Plain. Quantized inputs must share the output's scale (DESIGN section 2:
// concat keeps alpha; the converter unifies the inputs' scales).
#include <climits>

#include "ops/dnnl/dnnl_util.h"
#include "ops/dnnl_step.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace saturn {
namespace {

// The per-tensor scale of a quantized tensor, or 0 when it has none.
float tensor_scale(const fb::QuantParams* quant) {
  if (quant == nullptr || quant->scale() == nullptr || quant->scale()->size() != 1) return 0.f;
  return quant->scale()->Get(0);
}

class ConcatKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 1, INT_MAX, 1));
    const fb::Concat* options = ctx.node().op_as_Concat();
    if (options == nullptr) return ctx.error("missing Concat options");
    const TensorDesc& first = ctx.input(0);
    if (first.dtype == DType::kS64)
      return ctx.error(op_util::input_label(ctx, 0) + " has dtype s64, expected f32, s8, u8 or s32");
    SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 0, 1, DNNL_MAX_NDIMS));
    const int rank = static_cast<int>(first.dims.size());
    const int axis = options->axis();
    if (axis < 0 || axis >= rank) {
      return ctx.error("axis " + std::to_string(axis) + " is out of range for " +
                       op_util::input_label(ctx, 0) + " with dims " + op_util::dims_string(first.dims));
    }
    std::vector<int64_t> out_dims = first.dims;
    out_dims[axis] = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) return ctx.error("input " + std::to_string(i) + " is absent");
      SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, i, first.dtype));
      const std::vector<int64_t>& d = ctx.input(i).dims;
      bool compatible = static_cast<int>(d.size()) == rank;
      for (int k = 0; compatible && k < rank; ++k) compatible = k == axis || d[k] == first.dims[k];
      if (!compatible) {
        return ctx.error(op_util::input_label(ctx, i) + " has dims " + op_util::dims_string(d) +
                         ", expected " + op_util::dims_string(first.dims) + " except on axis " +
                         std::to_string(axis));
      }
      out_dims[axis] += d[axis];
    }
    TensorDesc& out = ctx.output(0);
    if (first.dtype == DType::kS8 || first.dtype == DType::kU8) {
      const float scale = tensor_scale(out.quant);
      for (int i = 0; i < ctx.num_inputs(); ++i) {
        if (tensor_scale(ctx.input(i).quant) != scale) {
          return ctx.error(op_util::input_label(ctx, i) + " has scale " +
                           std::to_string(tensor_scale(ctx.input(i).quant)) +
                           ", expected the output's scale " + std::to_string(scale));
        }
      }
    }
    out.dims = out_dims;
    out.dtype = first.dtype;
    out.layout = rank == 4 ? first.layout : Layout::kPlain;

    return dnnl_util::guard(ctx, [&] {
      const dnnl::engine& engine = ctx.engine();
      std::vector<dnnl::memory::desc> srcs;
      for (int i = 0; i < ctx.num_inputs(); ++i) srcs.push_back(dnnl_util::memory_desc(ctx.input(i)));
      const dnnl::memory::desc dst_md = dnnl_util::memory_desc(out);
      const dnnl::concat::primitive_desc pd(dst_md, axis, srcs, engine, scratchpad_attr());
      step_.set_primitive(dnnl::concat(pd));
      for (int i = 0; i < ctx.num_inputs(); ++i)
        step_.bind_input(DNNL_ARG_MULTIPLE_SRC + i, srcs[i], engine, i);
      step_.bind_output(DNNL_ARG_DST, dst_md, engine, 0);
      step_.bind_only_scratchpad(ctx, pd);
      return Status::ok();
    });
  }

  void run(RunContext& ctx) const override { step_.run(ctx); }

 private:
  DnnlStep step_;
};

}  // namespace

std::unique_ptr<Kernel> make_concat_kernel() { return std::make_unique<ConcatKernel>(); }

}  // namespace saturn
