// ChannelShuffle (schema/saturn.fbs): channel i * groups + j of Y is channel j * (C / groups) + i
// of X. Any dtype; Plain (any rank >= 2) or Nhwc (rank 4) data, Y in X's layout. Per block of C
// channels (an image's planes in Plain, a pixel's channels in Nhwc), `groups` runs of C / groups
// units (a plane, or one element) are interleaved; two groups of one-byte or four-byte elements
// interleave 16 bytes at a time.
#include <emmintrin.h>

#include <cstring>

#include "ops/op_util.h"
#include "ops/ops.h"

namespace saturn {
namespace {

// out[2i] = a[i], out[2i + 1] = b[i] for i < n, elements of T (uint8_t or float).
template <typename T>
void interleave_two(const T* a, const T* b, T* out, int64_t n) {
  constexpr int64_t kLanes = 16 / sizeof(T);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i));
    const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
    __m128i lo, hi;
    if constexpr (sizeof(T) == 1) {
      lo = _mm_unpacklo_epi8(x, y);
      hi = _mm_unpackhi_epi8(x, y);
    } else {
      lo = _mm_unpacklo_epi32(x, y);
      hi = _mm_unpackhi_epi32(x, y);
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * i), lo);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * i + kLanes), hi);
  }
  for (; i < n; ++i) {
    out[2 * i] = a[i];
    out[2 * i + 1] = b[i];
  }
}

class ChannelShuffleKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 1, 1, 1));
    const fb::ChannelShuffle* options = ctx.node().op_as_ChannelShuffle();
    if (options == nullptr) return ctx.error("options are not ChannelShuffle");
    SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 0, 2, 16));
    const TensorDesc& in = ctx.input(0);
    const int64_t c = in.dims[1], groups = options->groups();
    if (groups < 1 || c % groups != 0) {
      return ctx.error("groups " + std::to_string(groups) + " must be >= 1 and divide the " + std::to_string(c) +
                       " channels of " + op_util::input_label(ctx, 0));
    }
    const bool nhwc = in.layout == Layout::kNhwc;
    const int64_t spatial = op_util::product(in.dims, 2, in.dims.size());
    blocks_ = nhwc ? in.dims[0] * spatial : in.dims[0];
    channels_ = c;
    groups_ = groups;
    elem_ = static_cast<int64_t>(dtype_size(in.dtype));
    unit_ = (nhwc ? 1 : spatial) * elem_;
    TensorDesc& out = ctx.output(0);
    out.dims = in.dims;
    out.dtype = in.dtype;
    out.layout = in.layout;
    ctx.set_impl("plain");
    return Status::ok();
  }

  void run(RunContext& ctx) const override {
    const auto* x = static_cast<const char*>(ctx.input(0));
    auto* y = static_cast<char*>(ctx.output(0));
    const int64_t per_group = channels_ / groups_, block = channels_ * unit_;
    const bool pairs = groups_ == 2 && unit_ == elem_ && (elem_ == 1 || elem_ == 4);
    for (int64_t b = 0; b < blocks_; ++b) {
      const char* in = x + b * block;
      char* out = y + b * block;
      if (pairs && elem_ == 1) {
        interleave_two(reinterpret_cast<const uint8_t*>(in), reinterpret_cast<const uint8_t*>(in) + per_group,
                       reinterpret_cast<uint8_t*>(out), per_group);
      } else if (pairs) {
        interleave_two(reinterpret_cast<const float*>(in), reinterpret_cast<const float*>(in) + per_group,
                       reinterpret_cast<float*>(out), per_group);
      } else {
        for (int64_t i = 0; i < per_group; ++i)
          for (int64_t j = 0; j < groups_; ++j)
            std::memcpy(out + (i * groups_ + j) * unit_, in + (j * per_group + i) * unit_, static_cast<size_t>(unit_));
      }
    }
  }

 private:
  int64_t blocks_ = 0, channels_ = 0, groups_ = 1;
  int64_t elem_ = 1, unit_ = 1;  // bytes of an element; of a unit (an element in Nhwc, a plane in Plain)
};

}  // namespace

std::unique_ptr<Kernel> make_channel_shuffle_kernel() { return std::make_unique<ChannelShuffleKernel>(); }

}  // namespace saturn
