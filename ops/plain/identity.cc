// Identity: copies its input (any dtype, Plain layout) to its output, unless the Session placed the
// output in the input's bytes (PrepareContext::output_may_reuse_input).
#include <cstring>

#include "ops/op_util.h"
#include "ops/ops.h"

namespace saturn {
namespace {

class IdentityKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 1, 1, 1));
    SATURN_RETURN_IF_ERROR(op_util::check_plain(ctx, 0));
    const TensorDesc& in = ctx.input(0);
    TensorDesc& out = ctx.output(0);
    out.dims = in.dims;
    out.dtype = in.dtype;
    out.layout = Layout::kPlain;
    bytes_ = in.bytes();
    ctx.output_may_reuse_input(0);  // then run() copies nothing
    ctx.set_impl("plain");
    return Status::ok();
  }

  void run(RunContext& ctx) const override {
    if (ctx.output(0) != ctx.input(0)) std::memcpy(ctx.output(0), ctx.input(0), bytes_);
  }

 private:
  size_t bytes_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_identity_kernel() { return std::make_unique<IdentityKernel>(); }

}  // namespace saturn
