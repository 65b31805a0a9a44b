#include "ops/reference/matmul.h"

#include <algorithm>

#include "ops/reference/requantize.h"

namespace saturn::reference {
namespace {

// A and B padded to one rank >= 2 (rank-1 operands get their inserted dim, batch dims leading 1s).
struct Padded {
  std::vector<int64_t> a, b, y;  // y: the broadcast batch dims, then M, N
};

bool pad(const std::vector<int64_t>& a_dims, const std::vector<int64_t>& b_dims, Padded* p) {
  if (a_dims.empty() || b_dims.empty()) return false;
  p->a = a_dims;
  p->b = b_dims;
  if (p->a.size() == 1) p->a.insert(p->a.begin(), 1);
  if (p->b.size() == 1) p->b.push_back(1);
  const size_t rank = std::max(p->a.size(), p->b.size());
  p->a.insert(p->a.begin(), rank - p->a.size(), 1);
  p->b.insert(p->b.begin(), rank - p->b.size(), 1);
  if (p->a[rank - 1] != p->b[rank - 2]) return false;
  p->y.assign(rank, 0);
  for (size_t d = 0; d + 2 < rank; ++d) {
    if (p->a[d] != p->b[d] && p->a[d] != 1 && p->b[d] != 1) return false;
    p->y[d] = std::max(p->a[d], p->b[d]);
  }
  p->y[rank - 2] = p->a[rank - 2];
  p->y[rank - 1] = p->b[rank - 1];
  return true;
}

// Row-major offset of the matrix at batch index `batch` (of the broadcast batch dims) in `dims`.
int64_t matrix_offset(const std::vector<int64_t>& dims, const std::vector<int64_t>& batch) {
  const size_t rank = dims.size();
  int64_t offset = 0;
  for (size_t d = 0; d + 2 < rank; ++d) offset = offset * dims[d] + (dims[d] == 1 ? 0 : batch[d]);
  return offset * dims[rank - 2] * dims[rank - 1];
}

}  // namespace

std::vector<int64_t> matmul_output_dims(const std::vector<int64_t>& a_dims, const std::vector<int64_t>& b_dims) {
  Padded p;
  if (!pad(a_dims, b_dims, &p)) return {};
  const size_t rank = p.y.size();
  std::vector<int64_t> out(p.y.begin(), p.y.end() - 2);
  if (a_dims.size() > 1) out.push_back(p.y[rank - 2]);
  if (b_dims.size() > 1) out.push_back(p.y[rank - 1]);
  return out;
}

template <typename A, typename Y>
std::vector<Y> matmul_int8(const MatMulInt8& p, const A* a, const int8_t* b) {
  Padded d;
  if (!pad(p.a_dims, p.b_dims, &d)) return {};
  const size_t rank = d.y.size();
  const int64_t m = d.y[rank - 2], n = d.y[rank - 1], k = d.a[rank - 1];
  int64_t batches = 1;
  for (size_t i = 0; i + 2 < rank; ++i) batches *= d.y[i];
  std::vector<Y> y(static_cast<size_t>(batches * m * n));
  std::vector<int64_t> batch(rank - 2, 0);
  for (int64_t bi = 0; bi < batches; ++bi) {
    const A* am = a + matrix_offset(d.a, batch);
    const int8_t* bm = b + matrix_offset(d.b, batch);
    Y* ym = y.data() + bi * m * n;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        int32_t acc = 0;
        for (int64_t t = 0; t < k; ++t) acc += int32_t{am[i * k + t]} * int32_t{bm[t * n + j]};
        const double alpha_b = p.alpha_b.size() == 1 ? p.alpha_b[0] : p.alpha_b[j];
        ym[i * n + j] = requantize_value<Y>(double{p.alpha_a} * alpha_b * acc, p.activation, p.alpha_y);
      }
    }
    for (size_t i = batch.size(); i-- > 0;) {  // next batch index, last dim fastest
      if (++batch[i] < d.y[i]) break;
      batch[i] = 0;
    }
  }
  return y;
}

template std::vector<uint8_t> matmul_int8<uint8_t, uint8_t>(const MatMulInt8&, const uint8_t*, const int8_t*);
template std::vector<int8_t> matmul_int8<uint8_t, int8_t>(const MatMulInt8&, const uint8_t*, const int8_t*);
template std::vector<float> matmul_int8<uint8_t, float>(const MatMulInt8&, const uint8_t*, const int8_t*);
template std::vector<uint8_t> matmul_int8<int8_t, uint8_t>(const MatMulInt8&, const int8_t*, const int8_t*);
template std::vector<int8_t> matmul_int8<int8_t, int8_t>(const MatMulInt8&, const int8_t*, const int8_t*);
template std::vector<float> matmul_int8<int8_t, float>(const MatMulInt8&, const int8_t*, const int8_t*);

}  // namespace saturn::reference
