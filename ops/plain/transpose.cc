// Transpose by `perm` (output dim i is input dim perm[i]), any dtype. X comes in the layout it has
// (registry policy kFollowFirst): its strides are read from that layout. Y is Plain, or Nhwc when
// it has rank 4 and every reader wants Nhwc (PrepareContext::readers_layout). So a channels-last
// block's Transposes (ConvNeXt's NCHW <-> NHWC around its LayerNorm and 1x1 Linear layers) read
// and write memory in the same order: one contiguous copy, where a Reorder to Plain and a strided
// transpose ran before.
#include "ops/op_util.h"
#include "ops/ops.h"
#include "ops/plain/strided_copy.h"

namespace saturn {
namespace {

class TransposeKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 1, 1, 1));
    const fb::Transpose* options = ctx.node().op_as_Transpose();
    if (options == nullptr || options->perm() == nullptr) return ctx.error("missing Transpose perm");
    SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 0, 0, StridedCopy::kMaxRank));
    const TensorDesc& in = ctx.input(0);
    const size_t rank = in.dims.size();
    const std::vector<int> perm(options->perm()->begin(), options->perm()->end());
    std::vector<bool> seen(rank, false);
    bool valid = perm.size() == rank;
    for (size_t i = 0; valid && i < perm.size(); ++i) {
      valid = perm[i] >= 0 && perm[i] < static_cast<int>(rank) && !seen[perm[i]];
      if (valid) seen[perm[i]] = true;
    }
    if (!valid) {
      return ctx.error("perm " + op_util::dims_string(std::vector<int64_t>(perm.begin(), perm.end())) +
                       " is not a permutation of the " + std::to_string(rank) + " dims of " +
                       op_util::input_label(ctx, 0));
    }
    const std::vector<int64_t> in_strides = op_util::strides(in.dims, in.layout);
    TensorDesc& out = ctx.output(0);
    out.dims.resize(rank);
    for (size_t i = 0; i < rank; ++i) out.dims[i] = in.dims[perm[i]];
    out.dtype = in.dtype;
    out.layout = rank == 4 && ctx.readers_layout(0) == Layout::kNhwc ? Layout::kNhwc : Layout::kPlain;
    // Y's dims in memory order (N, H, W, C for Nhwc), each with the X stride it reads.
    const std::vector<size_t> order =
        out.layout == Layout::kNhwc ? std::vector<size_t>{0, 2, 3, 1} : std::vector<size_t>{};
    std::vector<int64_t> copy_dims(rank), src_strides(rank);
    for (size_t k = 0; k < rank; ++k) {
      const size_t i = order.empty() ? k : order[k];
      copy_dims[k] = out.dims[i];
      src_strides[k] = in_strides[perm[i]];
    }
    copy_ = StridedCopy(copy_dims, src_strides, dtype_size(in.dtype));
    ctx.set_impl("plain");
    return Status::ok();
  }

  void run(RunContext& ctx) const override { copy_.run(ctx.output(0), ctx.input(0)); }

 private:
  StridedCopy copy_;
};

}  // namespace

std::unique_ptr<Kernel> make_transpose_kernel() { return std::make_unique<TransposeKernel>(); }

}  // namespace saturn
