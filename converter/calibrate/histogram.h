// AbsHistogram: a streamed 2048-bin histogram of |x| for one tensor, plus its min and max.
//
// The histogram's range is always a power of two, 2^e > max|x| seen so far. When a value beyond
// the range arrives, the range doubles (as often as needed) and neighbouring bins merge pairwise:
// bin i of range 2R holds exactly the values of bins 2i and 2i+1 of range R. So the final counts
// equal those of a single pass over all the data at the final range: they do not depend on how the
// data was split into batches or on the order of arrival.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace saturn::calibrate {

class AbsHistogram {
 public:
  static constexpr int kBins = 2048;

  AbsHistogram();

  // Adds values. Returns false (adding nothing) if any value is NaN or infinite.
  [[nodiscard]] bool observe(std::span<const float> values);

  const std::vector<uint64_t>& counts() const { return counts_; }
  // The same bins split by sign: counts() = negative_counts() + non-negative counts.
  const std::vector<uint64_t>& negative_counts() const { return negative_; }
  std::vector<uint64_t> positive_counts() const;
  float range() const { return range_; }  // upper edge of the last bin; 0 while all values are 0
  float bin_width() const { return range_ / kBins; }
  uint64_t total() const { return total_; }
  float min() const { return min_; }
  float max() const { return max_; }
  float abs_max() const;

 private:
  void grow_to(float abs_value);
  std::vector<uint64_t> counts_;
  std::vector<uint64_t> negative_;  // |x| bins of the values x < 0
  float range_ = 0.f;
  uint64_t total_ = 0;
  uint64_t zeros_pending_ = 0;  // exact zeros seen while range_ == 0
  float min_;
  float max_;
};

}  // namespace saturn::calibrate
