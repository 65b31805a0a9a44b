// Saturn's own INT8 depthwise convolution for AVX-512 VNNI CPUs, behind the Conv kernel
// (ops/conv.cc).
//
// Why: oneDNN 2.6's INT8 depthwise kernels on AVX-512 (brdgmm_dw for a U8 X, jit_int8 for an S8
// one) multiply one tap per 32-bit lane and ran no faster than its FP32 ones (~80 GMAC/s on two
// Zen 5 cores for MobileNetV2's), so that MobileNetV2's and PP-OCR rec's depthwise convs took as
// long in INT8 as in FP32. vpdpbusd multiplies four u8 x s8 pairs per 32-bit lane: this kernel
// feeds it four horizontally adjacent taps of each channel.
//
// How: per thread, a band of output rows; in it, group of 64 channels by group, tile of columns
// by tile of columns. Each input row the tile needs is turned once into a row of quads: at padded
// column p (p = iw + pad_left), for each channel, the 4 bytes of columns p .. p + 3 (zero outside
// X), interleaved as vpdpbusd takes them. An output pixel then costs, per kernel row and block of 4
// kernel columns, one 64-byte load and one vpdpbusd per 16 channels; the quad rows of a kh-row
// window are reused by the next output rows (a ring of kh rows per thread in the scratch, kept
// within L1 by the tile's width).
//
// Arithmetic, exact for any s8 weights (DESIGN section 2): acc = bias_q[c] + sum of x_q * w_q in
// int32. A U8 X is multiplied as it is; an S8 X is flipped to u8 (x + 128, one xor) and
// 128 * sum(w[c]) taken from the start; padding reads x = 0. The epilogue is avx2_requantize.h's
// (scalar reference: ops/reference/conv.h).
//
// Scope: X [N, C, H, W] in Nhwc, S8 with C >= kMinChannels, or U8 with C a multiple of 64 from
// kMinU8Channels on; group == C == M, 2D, dilation 1, any pads, any row stride, column stride 1, 2
// to kMaxKernelHeight x kMaxKernelWidth taps (a thread's scratch then stays within 32 KiB); no
// residual; Y U8 or S8 in Nhwc (an F32 Y stays on oneDNN); activations as avx2::supports() but
// Swish; a CPU where avx512_vnni::available(). in_scope() checks the operands, the Conv kernel
// (ops/conv.cc) the rest.
//
// Measured on Zen 5 (2 threads, inside the models; saturn-bench INT8 --vs FP32, alternating runs of
// the old and new binary): PP-OCR rec 2.02 -> 2.18x, MobileNetV3-large 1.66 -> 1.75x (S8 X, against
// oneDNN's jit_int8), MobileNetV2 1.83 -> 1.89x (U8 X, 192-960 channels, against brdgmm_dw). Out of
// scope because it ran slower than oneDNN there: 64 channels or fewer, a U8 X over partial groups
// (MobileNetV2's 96 and 144 channels, against brdgmm_dw), a column stride of 2 (half the quads
// unread), and a fused Swish (EfficientNet-B0's, 0.83-0.91x with e^x on 8 lanes, 0.74-1.13x on 16).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ops/avx2_requantize.h"
#include "ops/depthwise_int8.h"
#include "saturn/dtype.h"
#include "saturn/schema/saturn_generated.h"

namespace saturn::depthwise_vnni {

constexpr int64_t kMinChannels = 128, kMinU8Channels = 192, kMaxKernelWidth = 8, kMaxKernelHeight = 8;

using Geometry = depthwise_int8::Geometry;

// True when `g` with an X of `x_type`, a Y of `y_type` and a fused `activation` (None without one)
// is in the scope above.
bool in_scope(const Geometry& g, DType x_type, DType y_type, fb::ActivationKind activation);

class DepthwiseVnni {
 public:
  // `weights` [C, 1, kh, kw] s8 row-major; `bias` C values or null; `scales` C values
  // alpha_x * alpha_w[c]; `alpha_y` is Y's scale. Requires in_scope(g, x_type, y_type, its kind)
  // and avx2::supports(activation). `threads`: the most threads run() will be called with.
  DepthwiseVnni(const Geometry& g, const int8_t* weights, const int32_t* bias,
                const std::vector<float>& scales, const fb::Activation* activation, DType x_type,
                DType y_type, float alpha_y, int threads);

  // Scratch run() needs: per thread, a ring of kh quad rows.
  size_t scratch_bytes() const;

  // x and y in Nhwc; `scratch` scratch_bytes(), 64-byte aligned. Runs on the calling thread's
  // OpenMP team. Call only when avx512_vnni::available().
  void run(const void* x, void* y, void* scratch) const;

 private:
  // Output rows [oh0, oh1) of image n, channel group `group`, with the quad ring at `ring`.
  void run_band(const uint8_t* x, uint8_t* y, int64_t n, int64_t group, int64_t oh0, int64_t oh1,
                uint8_t* ring) const;

  Geometry g_;
  int threads_ = 1;
  int64_t groups_ = 0;      // groups of 64 channels
  int64_t blocks_ = 0;      // blocks of 4 kernel columns: ceil(kw / 4)
  int64_t tile_width_ = 1;  // output columns per tile (see depthwise_vnni.cc)
  int64_t ring_bytes_ = 0;  // one thread's scratch: kh quad rows of a tile
  int64_t bands_ = 1;       // bands of output rows per image: one per thread
  // Per group, kernel row, block and accumulator j (0-3): 64 bytes; byte 16 L + 4 e + t holds
  // kernel column 4 block + t (0 beyond kw) of channel 64 group + 16 L + 4 j + e (the order in
  // which vpunpck{l,h}bw, then vpunpck{l,h}wd interleave four loads of 64 channels). Per group and
  // j: 16 bias (with the S8 correction) and scale values in the same channel order.
  std::vector<int8_t> weights_;
  std::vector<int32_t> bias_;
  std::vector<float> scales_;
  avx2::Requantization requantization_;
  DType x_type_ = DType::kU8, y_type_ = DType::kU8;
};

}  // namespace saturn::depthwise_vnni
