#include "ops/reference/binary.h"

#include <algorithm>

#include "ops/reference/requantize.h"

namespace saturn::reference {
namespace {

// Element strides of `dims` viewed in the broadcast `out` dims (0 along broadcast dims).
std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& dims, const std::vector<int64_t>& out) {
  std::vector<int64_t> strides(out.size(), 0);
  int64_t s = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    const size_t o = out.size() - dims.size() + i;
    strides[o] = dims[i] == 1 ? 0 : s;
    s *= dims[i];
  }
  return strides;
}

}  // namespace

bool broadcast_dims(const std::vector<int64_t>& a, const std::vector<int64_t>& b, std::vector<int64_t>* out) {
  const size_t rank = std::max(a.size(), b.size());
  out->assign(rank, 1);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t da = d + a.size() >= rank ? a[d + a.size() - rank] : 1;
    const int64_t db = d + b.size() >= rank ? b[d + b.size() - rank] : 1;
    if (da != db && da != 1 && db != 1) return false;
    (*out)[d] = da == 1 ? db : da;
  }
  return true;
}

template <typename A, typename B, typename Y>
std::vector<Y> binary_int8(const BinaryInt8& p, const A* a, const B* b) {
  std::vector<int64_t> dims;
  if (!broadcast_dims(p.a_dims, p.b_dims, &dims)) return {};
  const std::vector<int64_t> sa = broadcast_strides(p.a_dims, dims), sb = broadcast_strides(p.b_dims, dims);
  int64_t size = 1;
  for (int64_t d : dims) size *= d;
  std::vector<Y> y(static_cast<size_t>(size));
  std::vector<int64_t> pos(dims.size(), 0);
  for (int64_t i = 0; i < size; ++i) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < dims.size(); ++d) {
      ia += pos[d] * sa[d];
      ib += pos[d] * sb[d];
    }
    const double x = double{p.alpha_a} * a[ia], z = double{p.alpha_b} * b[ib];
    const double real = p.kind == fb::BinaryKind::Mul ? x * z : x + z;
    y[i] = requantize_value<Y>(real, p.activation, p.alpha_y);
    for (size_t d = dims.size(); d-- > 0;) {
      if (++pos[d] < dims[d]) break;
      pos[d] = 0;
    }
  }
  return y;
}

template std::vector<uint8_t> binary_int8<uint8_t, uint8_t, uint8_t>(const BinaryInt8&, const uint8_t*, const uint8_t*);
template std::vector<int8_t> binary_int8<uint8_t, uint8_t, int8_t>(const BinaryInt8&, const uint8_t*, const uint8_t*);
template std::vector<float> binary_int8<uint8_t, uint8_t, float>(const BinaryInt8&, const uint8_t*, const uint8_t*);
template std::vector<uint8_t> binary_int8<uint8_t, int8_t, uint8_t>(const BinaryInt8&, const uint8_t*, const int8_t*);
template std::vector<int8_t> binary_int8<uint8_t, int8_t, int8_t>(const BinaryInt8&, const uint8_t*, const int8_t*);
template std::vector<float> binary_int8<uint8_t, int8_t, float>(const BinaryInt8&, const uint8_t*, const int8_t*);
template std::vector<uint8_t> binary_int8<int8_t, uint8_t, uint8_t>(const BinaryInt8&, const int8_t*, const uint8_t*);
template std::vector<int8_t> binary_int8<int8_t, uint8_t, int8_t>(const BinaryInt8&, const int8_t*, const uint8_t*);
template std::vector<float> binary_int8<int8_t, uint8_t, float>(const BinaryInt8&, const int8_t*, const uint8_t*);
template std::vector<uint8_t> binary_int8<int8_t, int8_t, uint8_t>(const BinaryInt8&, const int8_t*, const int8_t*);
template std::vector<int8_t> binary_int8<int8_t, int8_t, int8_t>(const BinaryInt8&, const int8_t*, const int8_t*);
template std::vector<float> binary_int8<int8_t, int8_t, float>(const BinaryInt8&, const int8_t*, const int8_t*);

}  // namespace saturn::reference
