// strided_copy: the one loop behind the plain data-movement kernels (Transpose, Slice) and explicit
// broadcasts. It writes a dense row-major tensor of `dims` to `dst`, reading element `idx` from
// src + sum(idx[d] * src_strides[d]) elements. Strides are in elements and may be 0 (broadcast) or
// negative (reversed slices); `src` points at the element of index (0, ..., 0). Works on raw
// elements of `elem_size` bytes (1, 2, 4 or 8, or any other size through memcpy).
//
// StridedCopy precomputes the loop (dims of size 1 dropped, adjacent dims merged where the source
// is contiguous across them) so run() does no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace saturn {

class StridedCopy {
 public:
  static constexpr int kMaxRank = 16;  // callers validate ranks against it

  StridedCopy() = default;
  StridedCopy(const std::vector<int64_t>& dims, const std::vector<int64_t>& src_strides, size_t elem_size);

  void run(void* dst, const void* src) const;

 private:
  std::vector<int64_t> dims_;     // simplified dims, outermost first; innermost last
  std::vector<int64_t> strides_;  // source element strides for dims_
  size_t elem_size_ = 0;
  int64_t elements_ = 0;
};

}  // namespace saturn
