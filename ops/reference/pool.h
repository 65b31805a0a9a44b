// Scalar INT8 references of Pool and GlobalPool (schema/saturn.fbs, DESIGN section 2), written for
// clarity, not speed. X is row-major [N, C, spatial...] with 1 to 3 spatial dims; Y has X's dtype
// and X's scale, so the pooling runs on the quantized values themselves:
//   max:     y_q = max of the taps inside X (padding never wins; max pooling only moves data)
//   average: y_q = sat(round_half_even(sum of the taps inside X / count)), where count is the number
//            of taps inside X (count_include_pad false) or inside [-pad_begin, in + pad_end), the
//            declared pads only (count_include_pad true), as in ONNX.
// Output size per spatial dim: floor or ceil((in + pads - window) / stride) + 1 with
// window = (kernel - 1) * dilation + 1; with ceil_mode a last window starting past the input and
// the begin padding is dropped (ONNX / PyTorch rule).
#pragma once

#include <cstdint>
#include <vector>

namespace saturn::reference {

struct PoolShape {
  std::vector<int64_t> x;  // [N, C, spatial...]
  // One value per spatial dim each; dilations use the ONNX convention (1 = dense).
  std::vector<int64_t> kernel, strides, dilations, pad_begin, pad_end;
  bool ceil_mode = false;
  bool count_include_pad = false;  // average only
};

std::vector<int64_t> pool_output_dims(const PoolShape& s);

// Q is uint8_t or int8_t. Results are row-major in pool_output_dims(s).
template <typename Q>
std::vector<Q> max_pool_int8(const PoolShape& s, const Q* x);
template <typename Q>
std::vector<Q> average_pool_int8(const PoolShape& s, const Q* x);
// One window over all spatial dims: Y is [N, C, 1, ...].
template <typename Q>
std::vector<Q> global_average_pool_int8(const std::vector<int64_t>& x_dims, const Q* x);

}  // namespace saturn::reference
