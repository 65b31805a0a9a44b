// Slice with one (start, end, step) per input dim, steps non-zero and possibly negative; starts and
// ends clamped by the converter as in ONNX (step > 0: 0 <= start, end <= dim; step < 0:
// 0 <= start <= dim - 1, -1 <= end <= dim - 1). Any dtype; Plain, or Nhwc (rank 4) with Y in Nhwc.
#include "ops/op_util.h"
#include "ops/ops.h"
#include "ops/plain/strided_copy.h"

namespace saturn {
namespace {

class SliceKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 1, 1, 1));
    const fb::Slice* options = ctx.node().op_as_Slice();
    if (options == nullptr || options->starts() == nullptr || options->ends() == nullptr ||
        options->steps() == nullptr) {
      return ctx.error("missing Slice starts, ends or steps");
    }
    SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 0, 1, StridedCopy::kMaxRank));
    const TensorDesc& in = ctx.input(0);
    const size_t rank = in.dims.size();
    if (options->starts()->size() != rank || options->ends()->size() != rank ||
        options->steps()->size() != rank) {
      return ctx.error("starts, ends and steps have " + std::to_string(options->starts()->size()) + ", " +
                       std::to_string(options->ends()->size()) + " and " +
                       std::to_string(options->steps()->size()) + " entries, expected one per dim of " +
                       op_util::input_label(ctx, 0) + " (" + std::to_string(rank) + ")");
    }
    const std::vector<int64_t> in_strides = op_util::strides(in.dims, in.layout);
    TensorDesc& out = ctx.output(0);
    out.dims.resize(rank);
    std::vector<int64_t> src_strides(rank);
    int64_t base = 0;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t start = options->starts()->Get(d), end = options->ends()->Get(d),
                    step = options->steps()->Get(d);
      const int64_t n = in.dims[d];
      const bool ok = step > 0 ? (start >= 0 && start <= n && end >= 0 && end <= n)
                               : (step < 0 && start >= 0 && start <= n - 1 && end >= -1 && end <= n - 1);
      if (!ok) {
        return ctx.error("dim " + std::to_string(d) + ": start " + std::to_string(start) + ", end " +
                         std::to_string(end) + ", step " + std::to_string(step) +
                         " are not clamped to dim size " + std::to_string(n) + " of " +
                         op_util::input_label(ctx, 0));
      }
      const int64_t span = step > 0 ? end - start : start - end;
      const int64_t abs_step = step > 0 ? step : -step;
      out.dims[d] = span > 0 ? (span + abs_step - 1) / abs_step : 0;
      src_strides[d] = step * in_strides[d];
      base += start * in_strides[d];
    }
    out.dtype = in.dtype;
    out.layout = in.layout;
    base_bytes_ = static_cast<size_t>(base) * dtype_size(in.dtype);
    std::vector<int64_t> dense_dims = out.dims;  // in the order Y is stored
    if (out.layout == Layout::kNhwc) {
      dense_dims = {out.dims[0], out.dims[2], out.dims[3], out.dims[1]};
      src_strides = {src_strides[0], src_strides[2], src_strides[3], src_strides[1]};
    }
    copy_ = StridedCopy(dense_dims, src_strides, dtype_size(in.dtype));
    ctx.set_impl("plain");
    return Status::ok();
  }

  void run(RunContext& ctx) const override {
    copy_.run(ctx.output(0), static_cast<const char*>(ctx.input(0)) + base_bytes_);
  }

 private:
  StridedCopy copy_;
  size_t base_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_slice_kernel() { return std::make_unique<SliceKernel>(); }

}  // namespace saturn
