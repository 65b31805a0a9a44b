// Weight and bias quantization (DESIGN section 2).
//
//   Weights: s8 in [-127, 127], real = alpha_w[c] * q. Per channel along `axis` (every element whose
//   index on `axis` is c shares alpha_w[c] = max|w_c| / qmax) or per tensor (axis -1, one alpha =
//   max|w| / qmax). A channel (or tensor) of all zeros gets alpha 1: any positive alpha represents
//   it exactly, and 1 keeps the bias scale alpha_in * alpha_w[c] well away from overflow.
//   Rounding is half-to-even (ops/reference/quantize.h).
//   Bias: s32, bias_q[c] = round(b[c] / (alpha_in * alpha_w[c])), saturated to the int32 range.
//   Grid: the values are step * k with |step * k| <= qmax and alpha_w[c] = max|w_c| / qmax. The full
//   range is {127, 1}. The reduced range for convolutions on CPUs without VNNI (ops/conv_int8.h) is {63, 1}, or
//   {126, 2} for a Conv with an s8 input (oneDNN halves those weights, exactly only when they are
//   even).
#pragma once

#include <cstdint>
#include <vector>

namespace saturn::converter::quantize {

struct QuantizedWeights {
  std::vector<int8_t> values;  // same element order as the input
  std::vector<float> scale;    // dims[axis] values, or one when axis == -1
  int axis = -1;
};

struct WeightGrid {
  int qmax = 127;
  int step = 1;  // divides qmax
};
constexpr WeightGrid kFullRange{127, 1};
constexpr WeightGrid kReducedRange{63, 1};
constexpr WeightGrid kReducedRangeEven{126, 2};

// `values` row-major in `dims`; axis in [0, rank) or -1 for per tensor. `min_scale` (empty, or one
// value per scale) bounds each alpha_w from below: bias_floor() keeps an s32 bias from saturating.
QuantizedWeights quantize_weights(const std::vector<float>& values, const std::vector<int64_t>& dims, int axis,
                                  WeightGrid grid = kFullRange, const std::vector<float>& min_scale = {});

// The alpha_w below which bias_q = b / (alpha_in * alpha_w) leaves 2^30, per value of b (or their
// largest for `per_tensor`). A channel whose weights are tiny against its bias (a dead channel, or an
// input scale that shrank to 1e-11 through an untrained net) then has its weights rounded towards 0
// and its bias kept, instead of a saturated bias.
std::vector<float> bias_floor(const std::vector<float>& b, float alpha_in, bool per_tensor);

// b.size() == alpha_w.size(), or alpha_w has one value (per-tensor weights).
std::vector<int32_t> quantize_bias(const std::vector<float>& b, float alpha_in, const std::vector<float>& alpha_w);

}  // namespace saturn::converter::quantize
