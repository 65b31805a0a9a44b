#include "ops/plain/strided_copy.h"

#include <cstring>

namespace saturn {

StridedCopy::StridedCopy(const std::vector<int64_t>& dims, const std::vector<int64_t>& src_strides,
                         size_t elem_size)
    : elem_size_(elem_size) {
  elements_ = 1;
  for (int64_t d : dims) elements_ *= d;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 1) continue;
    // Merge into the previous dim when the source is contiguous across the two.
    if (!dims_.empty() && strides_.back() == src_strides[i] * dims[i]) {
      dims_.back() *= dims[i];
      strides_.back() = src_strides[i];
      continue;
    }
    dims_.push_back(dims[i]);
    strides_.push_back(src_strides[i]);
  }
  if (dims_.empty()) {
    dims_.push_back(1);
    strides_.push_back(1);
  }
}

namespace {

template <typename T>
void inner_row(char* dst, const char* src, int64_t n, int64_t stride) {
  T* d = reinterpret_cast<T*>(dst);
  const T* s = reinterpret_cast<const T*>(src);
  for (int64_t i = 0; i < n; ++i) std::memcpy(d + i, s + i * stride, sizeof(T));
}

}  // namespace

void StridedCopy::run(void* dst_ptr, const void* src_ptr) const {
  if (elements_ == 0) return;
  const int rank = static_cast<int>(dims_.size());
  const int64_t n = dims_[rank - 1];
  const int64_t stride = strides_[rank - 1];
  const int64_t es = static_cast<int64_t>(elem_size_);
  char* dst = static_cast<char*>(dst_ptr);
  const char* src = static_cast<const char*>(src_ptr);
  // Counters for the outer dims, on the stack.
  int64_t idx[kMaxRank] = {};
  int64_t offset = 0;  // source element offset of the current row
  const int64_t rows = elements_ / n;
  for (int64_t r = 0; r < rows; ++r) {
    const char* s = src + offset * es;
    if (stride == 1) {
      std::memcpy(dst, s, static_cast<size_t>(n * es));
    } else {
      switch (elem_size_) {
        case 1: inner_row<uint8_t>(dst, s, n, stride); break;
        case 2: inner_row<uint16_t>(dst, s, n, stride); break;
        case 4: inner_row<uint32_t>(dst, s, n, stride); break;
        case 8: inner_row<uint64_t>(dst, s, n, stride); break;
        default:
          for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * es, s + i * stride * es, elem_size_);
      }
    }
    dst += n * es;
    for (int d = rank - 2; d >= 0; --d) {
      offset += strides_[d];
      if (++idx[d] < dims_[d]) break;
      offset -= strides_[d] * dims_[d];
      idx[d] = 0;
    }
  }
}

}  // namespace saturn
