// Pad with mode Constant, Reflect or Edge; pads may be negative (crop). Any dtype; Plain, or Nhwc
// (rank 4) with Y in Nhwc.
// The constant `value` is a real number: for a quantized s8/u8 tensor it is stored as
// sat(round_half_even(value / scale)) (DESIGN section 2), otherwise converted to the dtype.
// Reflect mirrors without repeating the edge (numpy 'reflect'), repeatedly when a pad exceeds the
// dim; Edge repeats the border element.
#include <cmath>
#include <cstring>

#include "ops/op_util.h"
#include "ops/ops.h"
#include "ops/plain/strided_copy.h"

namespace saturn {
namespace {

// Source index of output index `o` along a dim of size n padded by `begin`, or -1 for the constant.
int64_t source_index(int64_t o, int64_t begin, int64_t n, fb::PadMode mode) {
  int64_t i = o - begin;
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case fb::PadMode::Constant: return -1;
    case fb::PadMode::Edge: return i < 0 ? 0 : n - 1;
    case fb::PadMode::Reflect:
      if (n == 1) return 0;
      while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
      return i;
  }
  return -1;
}

// `value` in the bytes of `desc`'s dtype.
void constant_bytes(const TensorDesc& desc, float value, uint8_t* bytes) {
  double v = value;
  const fb::QuantParams* q = desc.quant;
  const bool quantized = desc.dtype == DType::kS8 || desc.dtype == DType::kU8;
  if (quantized && q != nullptr && q->scale() != nullptr && q->scale()->size() > 0)
    v = value / q->scale()->Get(0);
  if (desc.dtype != DType::kF32) v = std::isnan(v) ? 0.0 : std::nearbyint(v);
  switch (desc.dtype) {
    case DType::kF32: std::memcpy(bytes, &value, 4); return;
    case DType::kS8:
      bytes[0] = static_cast<uint8_t>(static_cast<int8_t>(std::fmin(127.0, std::fmax(-128.0, v))));
      return;
    case DType::kU8: bytes[0] = static_cast<uint8_t>(std::fmin(255.0, std::fmax(0.0, v))); return;
    case DType::kS32: {
      const int32_t x = static_cast<int32_t>(std::fmin(2147483647.0, std::fmax(-2147483648.0, v)));
      std::memcpy(bytes, &x, 4);
      return;
    }
    case DType::kS64: {
      const int64_t x = static_cast<int64_t>(std::fmin(9.2e18, std::fmax(-9.2e18, v)));
      std::memcpy(bytes, &x, 8);
      return;
    }
  }
}

// Along the innermost stored dim, consecutive outputs that copy consecutive inputs (or all take the
// constant) form one run: one memcpy (or fill) each.
struct Run {
  int64_t begin, count;  // output positions [begin, begin + count) of the innermost dim
  int64_t source;        // input position of `begin`, or -1 for the constant
};

std::vector<Run> runs_of(const std::vector<int64_t>& map) {
  std::vector<Run> runs;
  for (int64_t o = 0; o < static_cast<int64_t>(map.size()); ++o) {
    if (!runs.empty()) {
      Run& r = runs.back();
      const bool extends = map[o] < 0 ? r.source < 0 : r.source >= 0 && map[o] == r.source + r.count;
      if (extends) {
        ++r.count;
        continue;
      }
    }
    runs.push_back({o, 1, map[o]});
  }
  return runs;
}

class PadKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 1, 1, 1));
    const fb::Pad* options = ctx.node().op_as_Pad();
    if (options == nullptr || options->pads() == nullptr) return ctx.error("missing Pad pads");
    SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 0, 0, StridedCopy::kMaxRank));
    const TensorDesc& in = ctx.input(0);
    const size_t rank = in.dims.size();
    if (options->pads()->size() != 2 * rank) {
      return ctx.error("pads has " + std::to_string(options->pads()->size()) + " entries, expected " +
                       std::to_string(2 * rank) + " for " + op_util::input_label(ctx, 0) + " with dims " +
                       op_util::dims_string(in.dims));
    }
    const fb::PadMode mode = options->mode();
    if (mode != fb::PadMode::Constant && mode != fb::PadMode::Reflect && mode != fb::PadMode::Edge) {
      return ctx.error("unknown pad mode " + std::to_string(static_cast<int>(mode)));
    }
    TensorDesc& out = ctx.output(0);
    out.dims.resize(rank);
    for (size_t d = 0; d < rank; ++d) {
      const int64_t begin = options->pads()->Get(d), end = options->pads()->Get(d + rank);
      out.dims[d] = in.dims[d] + begin + end;
      if (out.dims[d] < 0) {
        return ctx.error("pads " + std::to_string(begin) + " and " + std::to_string(end) + " on dim " +
                         std::to_string(d) + " crop more than the " + std::to_string(in.dims[d]) +
                         " elements of " + op_util::input_label(ctx, 0));
      }
    }
    out.dtype = in.dtype;
    out.layout = in.layout;
    // The dims in the order they are stored (N, H, W, C for Nhwc), each with its output -> input map.
    std::vector<size_t> order(rank);
    for (size_t d = 0; d < rank; ++d) order[d] = d;
    if (in.layout == Layout::kNhwc) order = {0, 2, 3, 1};
    std::vector<int64_t> in_dims;
    maps_.clear();
    for (size_t d : order) {
      in_dims.push_back(in.dims[d]);
      maps_.emplace_back();
      for (int64_t o = 0; o < out.dims[d]; ++o)
        maps_.back().push_back(source_index(o, options->pads()->Get(d), in.dims[d], mode));
    }
    // An unpadded innermost dim merges into the one before it (Nhwc channels: whole pixels).
    while (maps_.size() > 1 && maps_.back().size() == static_cast<size_t>(in_dims.back()) &&
           options->pads()->Get(order[maps_.size() - 1]) == 0) {
      const int64_t n = in_dims.back();
      std::vector<int64_t> merged;
      for (int64_t s : maps_[maps_.size() - 2])
        for (int64_t j = 0; j < n; ++j) merged.push_back(s < 0 ? -1 : s * n + j);
      maps_.pop_back();
      in_dims.pop_back();
      maps_.back() = std::move(merged);
      in_dims.back() *= n;
    }
    strides_ = op_util::strides(in_dims, Layout::kPlain);
    runs_ = rank == 0 ? std::vector<Run>{} : runs_of(maps_.back());
    elem_size_ = dtype_size(in.dtype);
    constant_bytes(out, options->value(), value_);
    ctx.set_impl("plain");
    return Status::ok();
  }

  void run(RunContext& ctx) const override {
    const char* src = static_cast<const char*>(ctx.input(0));
    char* dst = static_cast<char*>(ctx.output(0));
    const size_t rank = maps_.size();
    if (rank == 0) {
      std::memcpy(dst, src, elem_size_);
      return;
    }
    int64_t rows = 1;
    for (size_t d = 0; d + 1 < rank; ++d) rows *= static_cast<int64_t>(maps_[d].size());
    const int64_t row_size = static_cast<int64_t>(maps_.back().size());
    int64_t idx[StridedCopy::kMaxRank] = {};
    for (int64_t r = 0; r < rows && row_size > 0; ++r, dst += row_size * elem_size_) {
      int64_t base = 0;
      bool constant_row = false;
      for (size_t d = 0; d + 1 < rank; ++d) {
        const int64_t s = maps_[d][idx[d]];
        constant_row = constant_row || s < 0;
        base += s * strides_[d];
      }
      for (const Run& run : runs_) {
        char* to = dst + run.begin * elem_size_;
        if (constant_row || run.source < 0) {
          fill(to, run.count);
        } else {
          std::memcpy(to, src + (base + run.source) * elem_size_, run.count * elem_size_);
        }
      }
      for (int d = static_cast<int>(rank) - 2; d >= 0; --d) {
        if (++idx[d] < static_cast<int64_t>(maps_[d].size())) break;
        idx[d] = 0;
      }
    }
  }

 private:
  void fill(char* to, int64_t count) const {
    if (elem_size_ == 1) {
      std::memset(to, value_[0], count);
      return;
    }
    for (int64_t i = 0; i < count; ++i) std::memcpy(to + i * elem_size_, value_, elem_size_);
  }

  // Per stored dim (trailing unpadded dims merged): the input index of each output index, or -1
  // for the constant.
  std::vector<std::vector<int64_t>> maps_;
  std::vector<int64_t> strides_;  // input element strides of the stored dims
  std::vector<Run> runs_;         // of the innermost stored dim
  size_t elem_size_ = 0;
  uint8_t value_[8] = {};
};

}  // namespace

std::unique_ptr<Kernel> make_pad_kernel() { return std::make_unique<PadKernel>(); }

}  // namespace saturn
