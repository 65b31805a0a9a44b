#include "ops/reference/gemm.h"

#include "ops/reference/requantize.h"

namespace saturn::reference {

template <typename A, typename Y>
std::vector<Y> gemm_int8(const GemmInt8& p, const A* a, const int8_t* b, const int32_t* bias) {
  std::vector<Y> y(static_cast<size_t>(p.m * p.n));
  for (int64_t i = 0; i < p.m; ++i) {
    for (int64_t j = 0; j < p.n; ++j) {
      int32_t acc = bias == nullptr ? 0 : bias[j];
      for (int64_t t = 0; t < p.k; ++t) {
        const int32_t av = p.trans_a ? a[t * p.m + i] : a[i * p.k + t];
        const int32_t bv = p.trans_b ? b[j * p.k + t] : b[t * p.n + j];
        acc += av * bv;
      }
      const double alpha_b = p.alpha_b.size() == 1 ? p.alpha_b[0] : p.alpha_b[j];
      const double real = double{p.alpha_a} * alpha_b * acc;
      y[i * p.n + j] = requantize_value<Y>(real, p.activation, p.alpha_y);
    }
  }
  return y;
}

template std::vector<uint8_t> gemm_int8<uint8_t, uint8_t>(const GemmInt8&, const uint8_t*, const int8_t*,
                                                          const int32_t*);
template std::vector<int8_t> gemm_int8<uint8_t, int8_t>(const GemmInt8&, const uint8_t*, const int8_t*,
                                                        const int32_t*);
template std::vector<float> gemm_int8<uint8_t, float>(const GemmInt8&, const uint8_t*, const int8_t*,
                                                      const int32_t*);
template std::vector<uint8_t> gemm_int8<int8_t, uint8_t>(const GemmInt8&, const int8_t*, const int8_t*,
                                                         const int32_t*);
template std::vector<int8_t> gemm_int8<int8_t, int8_t>(const GemmInt8&, const int8_t*, const int8_t*,
                                                       const int32_t*);
template std::vector<float> gemm_int8<int8_t, float>(const GemmInt8&, const int8_t*, const int8_t*,
                                                     const int32_t*);

}  // namespace saturn::reference
