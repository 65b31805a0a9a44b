// Saturn's own INT8 channel gate, behind the Binary kernel (ops/binary.cc): Y = X * G, X [N, C, H,
// W] in Nhwc, G [N or 1, C, 1, 1] (one factor per channel and image: squeeze-and-excitation's
// gate), both U8 or S8, Y U8 or S8, no activation.
//
// Why: oneDNN 2.6's INT8 binary with that broadcast ran at about 4 elements per ns on the dev VM
// (EfficientNet-B0's 32 x 112 x 112 gate: 0.096 ms, slower than its FP32 Mul); this one scales 16
// channels of a pixel per step.
//
// Contract (DESIGN section 2; scalar reference ops/reference/binary.h):
//   y_q = sat(round_half_even(((alpha_x / alpha_y) * x_q) * (alpha_g * g_q))), in float as oneDNN
//   computes it, within [0, 255] for U8 and [-127, 127] for S8. Float rounding may differ from the
//   double reference by 1 LSB near a tie.
#pragma once

#include <cstddef>
#include <cstdint>

#include "saturn/dtype.h"

namespace saturn::channel_gate_int8 {

// True when this CPU runs the kernel (AVX2 and FMA, on any oneDNN ISA: avx2::cpu_has_avx2()).
bool available();

struct Shape {
  int64_t n = 1, c = 1, pixels = 1;  // X's images, channels and H * W
  bool gate_per_image = false;         // G has N images (else one, for all)
};

class ChannelGateInt8 {
 public:
  // `x_scale` is alpha_x / alpha_y, `g_scale` alpha_g.
  ChannelGateInt8(const Shape& shape, DType x_type, DType g_type, DType y_type, float x_scale, float g_scale);

  // Bytes of scratch run() needs (the gate's factors, one float per channel).
  size_t scratch_bytes() const { return static_cast<size_t>(shape_.c) * sizeof(float); }
  // x Nhwc, g [N or 1, C], y Nhwc; on the calling thread's OpenMP team. Call only when available().
  void run(const void* x, const void* g, void* y, void* scratch) const;

 private:
  Shape shape_;
  DType x_type_, g_type_, y_type_;
  float x_scale_, g_scale_;
};

}  // namespace saturn::channel_gate_int8
