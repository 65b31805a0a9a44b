// Concat along any axis of inputs of one dtype (f32, s8, u8, s32) in any layout: runs of contiguous
// bytes copied with memcpy (oneDNN 2.6's concat took 0.3 ms for ShuffleNetV2's u8 [1, 116, 28, 28]).
// Rank-4 inputs arrive in input 0's layout (policy kFollowFirst) and the output takes it too; other
// ranks are Plain. Quantized inputs must share the output's scale (DESIGN section 2:
// concat keeps alpha; the converter unifies the inputs' scales).
#include <climits>
#include <cstring>

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

    // In memory, every input is `outer` runs of chunk_[i] contiguous bytes, laid one after the other
    // in each run of the output: the physical dims (N, H, W, C for Nhwc) split at the axis.
    const std::vector<int64_t> out_physical = physical_dims(out.dims, out.layout);
    const int p = physical_axis(axis, out.layout);
    outer_ = op_util::product(out_physical, 0, p);
    chunk_.clear();
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const std::vector<int64_t> d = physical_dims(ctx.input(i).dims, out.layout);
      chunk_.push_back(static_cast<size_t>(op_util::product(d, p, d.size())) * dtype_size(out.dtype));
    }
    out_chunk_ = 0;
    for (size_t c : chunk_) out_chunk_ += c;
    return Status::ok();
  }

  void run(RunContext& ctx) const override {
    auto* dst = static_cast<uint8_t*>(ctx.output(0));
    const int inputs = static_cast<int>(chunk_.size());
#pragma omp parallel for schedule(static) if (outer_ > 1)
    for (int64_t o = 0; o < outer_; ++o) {
      uint8_t* to = dst + static_cast<size_t>(o) * out_chunk_;
      for (int i = 0; i < inputs; ++i) {
        std::memcpy(to, static_cast<const uint8_t*>(ctx.input(i)) + static_cast<size_t>(o) * chunk_[i], chunk_[i]);
        to += chunk_[i];
      }
    }
  }

 private:
  // Dims in memory order: N, H, W, C for an Nhwc tensor, else the logical dims.
  static std::vector<int64_t> physical_dims(const std::vector<int64_t>& d, Layout layout) {
    return layout == Layout::kNhwc ? std::vector<int64_t>{d[0], d[2], d[3], d[1]} : d;
  }
  static int physical_axis(int axis, Layout layout) {
    constexpr int kNhwcPosition[4] = {0, 3, 1, 2};  // of logical dims N, C, H, W
    return layout == Layout::kNhwc ? kNhwcPosition[axis] : axis;
  }

  int64_t outer_ = 0;
  std::vector<size_t> chunk_;  // bytes per run, per input
  size_t out_chunk_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_concat_kernel() { return std::make_unique<ConcatKernel>(); }

}  // namespace saturn
