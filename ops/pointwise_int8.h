// Saturn's own INT8 1x1 convolution (and image stems, below) for AVX2 CPUs, behind the Conv kernel
// (ops/conv.cc).
//
// Why: oneDNN 2.6's AVX2 INT8 1x1 convolution runs few-input-channel layers (MobileNetV2's
// expansions, 16-32 input channels into 96-192) no faster than its FP32 one: its epilogue
// dominates when each output takes only 16-32 products. This kernel keeps 6 pixels x 16 output
// channels in registers and folds the bias and the S8 shift into the accumulators' start, so that
// a 16-channel output costs a conversion, one fma, a clamp and a pack.
//
// Windows: an image stem (C <= kMaxGatheredChannels input channels, a window of C * kh * kw >=
// kMinGatheredK bytes, any strides and pads, dilation 1) runs as the same product over its windows,
// gathered per tile of output pixels (im2col): ResNet-50's 7x7 stem 1.01 -> 0.88 ms, AlexNet's
// 11x11 one 0.57 -> 0.47 ms; MobileNetV2's 3x3 one (27 bytes per window) ran slower (0.14 -> 0.18),
// as did wider convs (ResNet-50's 3x3 over 64 channels, 0.61 -> 0.65 ms), which stay on oneDNN.
//
// Scope: X [N, K, H, W] in Nhwc, W [M, K, 1, 1], group 1, stride 1, no pads (or a stem's Window,
// K then C * kh * kw), K <= kMaxK and K * M <= kMaxWeightBytes (every tile of pixels reads all the
// weights: ResNet-50's 2048 x 512 ones, 1 MiB, ran at 163 GMAC/s here and at 180 on oneDNN, which
// blocks them); no residual; Y U8, S8 or F32 in Nhwc; activations as avx2::supports(); a CPU where
// avx2::available(); weights for which exact_for() holds. The Conv kernel (ops/conv.cc) checks it.
//
// Arithmetic: u8 x s8 pairs multiply with vpmaddubsw, whose 16-bit pair sums must not saturate:
//   - U8 X: |w_q| <= 64 (2 * 255 * 64 < 2^15);
//   - S8 X: X is shifted to u8 (x + 128) and 128 * sum(w) subtracted from the start; weights
//     |w_q| <= 64 are used as they are, even ones |w_q| <= 126 halved and their pair sums doubled.
// The converter's reduced-range weights for CPUs without VNNI (converter/quantize/weights.h) meet
// these bounds. The accumulators then equal the contract's int32 acc exactly, and the epilogue is
// avx2_requantize.h's (scalar reference: ops/reference/conv.h).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ops/avx2_requantize.h"
#include "saturn/dtype.h"
#include "saturn/schema/saturn_generated.h"

namespace saturn::pointwise_int8 {

constexpr int64_t kMaxK = 2048;
constexpr int64_t kMaxGatheredChannels = 4, kMinGatheredK = 64;
constexpr int64_t kMaxWeightBytes = 512 * 1024;

// True when the products of an X of `x_type` with weights whose largest |w_q| is `max_abs_weight`
// (all even: `even_weights`) stay exact (see the header comment).
bool exact_for(DType x_type, int max_abs_weight, bool even_weights);

// A convolution window gathered per output pixel (im2col) into the K = C * kh * kw bytes the kernel
// multiplies, in the order kernel row, kernel column, channel: X [N, C, h, w], kernel kh x kw,
// strides, pads (the bottom and right ones follow from oh and ow), dilation 1; Y [N, M, oh, ow].
struct Window {
  int64_t c = 1, h = 1, w = 1, kh = 1, kw = 1, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0, oh = 1, ow = 1;
};

class PointwiseInt8 {
 public:
  // `pixels` = N * H * W of Y; `weights` [M, K] s8 row-major ([M, C, kh, kw] with a window) with
  // exact_for() true; `bias` M values or null; `scales` M values alpha_x * alpha_w[m]; `alpha_y` is
  // Y's scale (unused for an F32 Y); `window` null for a 1x1 stride-1 conv. Requires 1 <= K <= kMaxK
  // and avx2::supports(activation).
  PointwiseInt8(int64_t pixels, int64_t k, int64_t m, const int8_t* weights, const int32_t* bias,
                const std::vector<float>& scales, const fb::Activation* activation, DType x_type,
                DType y_type, float alpha_y, const Window* window = nullptr);

  // x and y in Nhwc; runs on the calling thread's OpenMP team. Call only when avx2::available().
  void run(const void* x, void* y) const;

 private:
  // Pixels [p0, p0 + count) (count <= kTile), channel blocks [first_block, end_block).
  void run_tile(const uint8_t* x, uint8_t* y, int64_t p0, int64_t count, int64_t first_block,
                int64_t end_block) const;

  // The windows of `count` output pixels from p0 on, as rows of 4 * quads_ u8 (zero-padded).
  void gather(const uint8_t* x, int64_t p0, int64_t count, uint8_t* staged) const;

  int64_t pixels_ = 0, k_ = 0, m_ = 0;
  std::optional<Window> window_;  // none: a 1x1 stride-1 conv
  int64_t quads_ = 0;   // K / 4, rounded up
  int64_t blocks_ = 0;  // output channel blocks of 16, the last one zero-padded
  bool half_ = false;   // the last block has at most 8 channels and computes only 8
  // Per block and quad of input channels: two vectors of 8 output channels x 4 input channels, in
  // avx2::kChannel's lane order (a half block: one, in channel order); per block: the accumulators'
  // start and the scales in that order.
  std::vector<int8_t> weights_;
  std::vector<int32_t> start_;
  std::vector<float> scales_;
  int16_t pair_factor_ = 1;  // 2 where the weights were halved
  bool shift_x_ = false;     // S8 X: x + 128
  DType y_type_ = DType::kU8;
  avx2::Requantization requantization_;
};

}  // namespace saturn::pointwise_int8
