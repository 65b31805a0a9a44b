// Transpose by `perm` (output dim i is input dim perm[i]), any dtype, Plain layout.
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
    SATURN_RETURN_IF_ERROR(op_util::check_plain(ctx, 0));
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
    const std::vector<int64_t> in_strides = op_util::strides(in.dims, Layout::kPlain);
    TensorDesc& out = ctx.output(0);
    out.dims.resize(rank);
    std::vector<int64_t> src_strides(rank);
    for (size_t i = 0; i < rank; ++i) {
      out.dims[i] = in.dims[perm[i]];
      src_strides[i] = in_strides[perm[i]];
    }
    out.dtype = in.dtype;
    out.layout = Layout::kPlain;
    copy_ = StridedCopy(out.dims, src_strides, dtype_size(in.dtype));
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
