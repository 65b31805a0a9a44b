// Scalar reference of Concat on any element type (INT8: data movement, every input and Y share one
// dtype and one scale; schema/saturn.fbs). Inputs are row-major in their dims, which agree except
// along `axis`; Y is row-major.
#pragma once

#include <cstdint>
#include <vector>

namespace saturn::reference {

template <typename T>
std::vector<T> concat(const std::vector<std::vector<int64_t>>& dims, const std::vector<const T*>& inputs,
                      int axis) {
  int64_t outer = 1, inner = 1, total = 0;
  for (int d = 0; d < axis; ++d) outer *= dims[0][d];
  for (size_t d = axis + 1; d < dims[0].size(); ++d) inner *= dims[0][d];
  for (const std::vector<int64_t>& d : dims) total += d[axis];
  std::vector<T> y(static_cast<size_t>(outer * total * inner));
  int64_t start = 0;  // along axis, in Y
  for (size_t i = 0; i < inputs.size(); ++i) {
    const int64_t len = dims[i][axis];
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t j = 0; j < len * inner; ++j) y[(o * total + start) * inner + j] = inputs[i][o * len * inner + j];
    }
    start += len;
  }
  return y;
}

}  // namespace saturn::reference
