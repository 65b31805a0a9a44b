// An activation on INT8 data as a table of 256 bytes (schema/saturn.fbs Unary, DESIGN section 2):
//   y_q = sat(round_half_even(activation(alpha_x * x_q) / alpha_y))
// for every value x_q of X's type (u8 or s8; Y u8 or s8), the activation with its affine tail.
// The entries are reference::requantize_value's, so the table is the scalar reference itself, and
// any activation costs the same: where the converter splits Swish from its Conv (EfficientNet's),
// oneDNN's e^x post-op on every output element becomes one lookup per byte.
// apply() maps 64 bytes per step with AVX-512 VBMI's vpermi2b where available() (below), else one
// byte at a time.
#pragma once

#include <cstdint>

#include "saturn/dtype.h"
#include "saturn/schema/saturn_generated.h"

namespace saturn {

class ActivationTable {
 public:
  // x_type and y_type are kU8 or kS8; `activation` null means None.
  ActivationTable(const fb::Activation* activation, DType x_type, float alpha_x, DType y_type, float alpha_y);

  // y[i] = entry of x[i], for n bytes (X's and Y's values as bytes; an s8 value's two's complement).
  void apply(const uint8_t* x, uint8_t* y, int64_t n) const;

  uint8_t operator[](uint8_t x) const { return entries_[x]; }

  // True when apply() uses AVX-512 VBMI (and oneDNN's ISA is not capped below avx512_core_vnni).
  static bool vector_available();

 private:
  alignas(64) uint8_t entries_[256];
};

}  // namespace saturn
