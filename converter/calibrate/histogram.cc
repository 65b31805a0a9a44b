#include "converter/calibrate/histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace saturn::calibrate {

AbsHistogram::AbsHistogram()
    : counts_(kBins, 0),
      negative_(kBins, 0),
      min_(std::numeric_limits<float>::infinity()),
      max_(-std::numeric_limits<float>::infinity()) {}

float AbsHistogram::abs_max() const {
  if (total_ == 0) return 0.f;
  return std::max(std::fabs(min_), std::fabs(max_));
}

void AbsHistogram::grow_to(float abs_value) {
  if (range_ == 0.f) {
    // The smallest power of two > abs_value (values stay strictly below the range); zeros seen so far go to bin 0.
    int exponent = 0;
    std::frexp(abs_value, &exponent);  // abs_value = m * 2^exponent, m in [0.5, 1)
    range_ = std::ldexp(1.f, exponent);
    counts_[0] += zeros_pending_;
    zeros_pending_ = 0;
  }
  while (abs_value >= range_) {
    for (auto* bins : {&counts_, &negative_}) {
      for (int i = 0; i < kBins / 2; ++i) (*bins)[i] = (*bins)[2 * i] + (*bins)[2 * i + 1];
      std::fill(bins->begin() + kBins / 2, bins->end(), 0);
    }
    range_ *= 2.f;
  }
}

bool AbsHistogram::observe(std::span<const float> values) {
  float batch_abs_max = 0.f;
  for (float v : values) {
    if (!std::isfinite(v)) return false;
    batch_abs_max = std::max(batch_abs_max, std::fabs(v));
  }
  if (batch_abs_max > 0.f) grow_to(batch_abs_max);
  for (float v : values) {
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
    if (range_ == 0.f) {
      ++zeros_pending_;
      continue;
    }
    // Multiplying by a power of two is exact, so the bin of a value is the same at any range.
    const float scaled = std::fabs(v) * (kBins / range_);
    const int bin = std::min(static_cast<int>(scaled), kBins - 1);
    ++counts_[bin];
    if (v < 0.f) ++negative_[bin];
  }
  total_ += values.size();
  return true;
}

std::vector<uint64_t> AbsHistogram::positive_counts() const {
  std::vector<uint64_t> positive(kBins);
  for (int i = 0; i < kBins; ++i) positive[i] = counts_[i] - negative_[i];
  return positive;
}

}  // namespace saturn::calibrate
