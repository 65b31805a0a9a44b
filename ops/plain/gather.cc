// Gather along `axis` with constant S64 indices (any rank, already non-negative; checked against the
// axis size here). Output dims: data[:axis] + indices + data[axis+1:]. Any dtype, Plain layout.
#include <cstring>

#include "ops/op_util.h"
#include "ops/ops.h"

namespace saturn {
namespace {

class GatherKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 2, 2, 1));
    const fb::Gather* options = ctx.node().op_as_Gather();
    if (options == nullptr) return ctx.error("missing Gather options");
    SATURN_RETURN_IF_ERROR(op_util::check_plain(ctx, 0));
    SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 0, 1, 64));
    SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 1, DType::kS64));
    SATURN_RETURN_IF_ERROR(op_util::check_constant(ctx, 1));
    const TensorDesc& data = ctx.input(0);
    const TensorDesc& indices = ctx.input(1);
    const int rank = static_cast<int>(data.dims.size());
    const int axis = options->axis();
    if (axis < 0 || axis >= rank) {
      return ctx.error("axis " + std::to_string(axis) + " is out of range for " +
                       op_util::input_label(ctx, 0) + " with dims " + op_util::dims_string(data.dims));
    }
    const int64_t axis_size = data.dims[axis];
    const auto* values = static_cast<const int64_t*>(ctx.constant(1));
    indices_.assign(values, values + indices.elements());
    for (size_t k = 0; k < indices_.size(); ++k) {
      if (indices_[k] < 0 || indices_[k] >= axis_size) {
        return ctx.error(op_util::input_label(ctx, 1) + " holds " + std::to_string(indices_[k]) + " at " +
                         std::to_string(k) + ", expected an index in [0, " + std::to_string(axis_size) + ")");
      }
    }
    TensorDesc& out = ctx.output(0);
    out.dims.assign(data.dims.begin(), data.dims.begin() + axis);
    out.dims.insert(out.dims.end(), indices.dims.begin(), indices.dims.end());
    out.dims.insert(out.dims.end(), data.dims.begin() + axis + 1, data.dims.end());
    out.dtype = data.dtype;
    out.layout = Layout::kPlain;
    outer_ = op_util::product(data.dims, 0, axis);
    axis_size_ = axis_size;
    block_bytes_ =
        static_cast<size_t>(op_util::product(data.dims, axis + 1, data.dims.size())) * dtype_size(data.dtype);
    ctx.set_impl("plain");
    return Status::ok();
  }

  void run(RunContext& ctx) const override {
    const char* src = static_cast<const char*>(ctx.input(0));
    char* dst = static_cast<char*>(ctx.output(0));
    for (int64_t o = 0; o < outer_; ++o) {
      const char* slab = src + static_cast<size_t>(o * axis_size_) * block_bytes_;
      for (int64_t index : indices_) {
        std::memcpy(dst, slab + static_cast<size_t>(index) * block_bytes_, block_bytes_);
        dst += block_bytes_;
      }
    }
  }

 private:
  std::vector<int64_t> indices_;
  int64_t outer_ = 0, axis_size_ = 0;
  size_t block_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_gather_kernel() { return std::make_unique<GatherKernel>(); }

}  // namespace saturn
