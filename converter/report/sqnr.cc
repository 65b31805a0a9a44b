#include "converter/report/sqnr.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace saturn::report {

void SqnrAccumulator::add(std::span<const float> reference, std::span<const float> test) {
  const size_t n = std::min(reference.size(), test.size());
  double signal = 0.0, noise = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double r = reference[i], d = r - static_cast<double>(test[i]);
    signal += r * r;
    noise += d * d;
  }
  signal_ += signal;
  noise_ += noise;
  count_ += n;
}

double SqnrAccumulator::db() const {
  if (signal_ == 0.0) return std::numeric_limits<double>::quiet_NaN();
  if (noise_ == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal_ / noise_);
}

void Top1Agreement::add(std::span<const float> reference, std::span<const float> test, int64_t last_dim) {
  if (last_dim <= 0) return;
  const size_t row = static_cast<size_t>(last_dim);
  const size_t rows = std::min(reference.size(), test.size()) / row;
  for (size_t r = 0; r < rows; ++r) {
    const float* a = reference.data() + r * row;
    const float* b = test.data() + r * row;
    agreeing_ += (std::max_element(a, a + row) - a) == (std::max_element(b, b + row) - b);
  }
  rows_ += rows;
}

double Top1Agreement::rate() const {
  return rows_ == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(agreeing_) / rows_;
}

}  // namespace saturn::report
