// Softmax over one axis, or over dims[axis:] viewed as one dim (coerce_2d, ONNX opset < 13), FP32
// (oneDNN softmax). The output keeps the input's dims and layout (policy kFollowFirst).
//
// coerce_2d: softmax over a set of elements does not depend on their order, so dims[axis:] are
// merged into one strided dim whenever they form one dense block in memory, which holds for Plain
// and for Nhwc at every axis.
#include <algorithm>
#include <numeric>

#include "ops/dnnl/dnnl_util.h"
#include "ops/dnnl_step.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace saturn {
namespace {

class SoftmaxKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 1, 1, 1));
    const fb::Softmax* options = ctx.node().op_as_Softmax();
    if (options == nullptr) return ctx.error("missing Softmax options");
    SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 0, DType::kF32));
    SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 0, 1, DNNL_MAX_NDIMS));
    const TensorDesc& in = ctx.input(0);
    const int rank = static_cast<int>(in.dims.size());
    const int axis = options->axis();
    if (axis < 0 || axis >= rank) {
      return ctx.error("axis " + std::to_string(axis) + " is out of range for " +
                       op_util::input_label(ctx, 0) + " with dims " + op_util::dims_string(in.dims));
    }
    TensorDesc& out = ctx.output(0);
    out.dims = in.dims;
    out.dtype = DType::kF32;
    out.layout = in.layout;

    dnnl::memory::dims view_dims(in.dims.begin(), in.dims.end());
    const std::vector<int64_t> strides = op_util::strides(in.dims, in.layout);
    dnnl::memory::dims view_strides(strides.begin(), strides.end());
    if (options->coerce_2d() && axis < rank - 1) {
      // Merge dims[axis:] (sorted by stride, size-1 dims ignored) into one dim if they are dense.
      std::vector<int> group;
      for (int d = axis; d < rank; ++d) {
        if (in.dims[d] != 1) group.push_back(d);
      }
      std::sort(group.begin(), group.end(), [&](int x, int y) { return strides[x] > strides[y]; });
      int64_t merged = 1, stride = 1;
      for (size_t k = 0; k < group.size(); ++k) {
        const int d = group[k];
        if (k + 1 < group.size() && strides[d] != strides[group[k + 1]] * in.dims[group[k + 1]]) {
          return ctx.error(op_util::input_label(ctx, 0) + " in layout " + layout_name(in.layout) +
                           " has no dense block over dims " + std::to_string(axis) + ".." +
                           std::to_string(rank - 1));
        }
        merged *= in.dims[d];
        stride = strides[d];
      }
      view_dims.resize(axis + 1);
      view_strides.resize(axis + 1);
      view_dims[axis] = merged;
      view_strides[axis] = stride;
    }

    return dnnl_util::guard(ctx, [&] {
      const dnnl::engine& engine = ctx.engine();
      const dnnl::memory::desc md(view_dims, dnnl::memory::data_type::f32, view_strides);
      const dnnl::softmax_forward::desc desc(dnnl::prop_kind::forward_inference, md, axis);
      const dnnl::softmax_forward::primitive_desc pd(desc, scratchpad_attr(), engine);
      step_.set_primitive(dnnl::softmax_forward(pd));
      step_.bind_input(DNNL_ARG_SRC, md, engine, 0);
      step_.bind_output(DNNL_ARG_DST, md, engine, 0);
      step_.bind_only_scratchpad(ctx, pd);
      return Status::ok();
    });
  }

  void run(RunContext& ctx) const override { step_.run(ctx); }

 private:
  DnnlStep step_;
};

}  // namespace

std::unique_ptr<Kernel> make_softmax_kernel() { return std::make_unique<SoftmaxKernel>(); }

}  // namespace saturn
