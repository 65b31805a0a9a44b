// Latency statistics for saturn-bench: percentiles of a sample set and the spread of a ratio of
// paired samples. Pure functions, no I/O; units are whatever the caller passes (saturn-bench uses ms).
#pragma once

#include <cstddef>
#include <vector>

namespace saturn::bench {

// The q-th percentile (q in [0, 100]) of `samples`, by linear interpolation between the two closest
// ranks of the sorted samples (NumPy's default "linear" method): rank = q/100 * (n - 1). One sample
// is every percentile. Returns 0 for an empty set; q outside [0, 100] is clamped. `samples` need not
// be sorted and is not changed.
double percentile(const std::vector<double>& samples, double q);

struct LatencyStats {
  size_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0;
  double mean = 0, min = 0, max = 0;
};

// count, p50/p90/p99 (as percentile() above), mean, min and max; all zero for an empty set.
LatencyStats summarize(const std::vector<double>& samples);

// How much faster A is than B, from paired samples a[i], b[i] taken back to back (A B A B ...).
//   ratio      median(b) / median(a): "A is ratio x faster than B" (< 1: A is slower);
//   p10, p90   the 10th and 90th percentiles of the per-pair ratios b[i] / a[i], the spread;
//   pairs      the number of pairs used: min(a.size(), b.size()), pairs with a sample <= 0 skipped.
// All zero when no pair is usable.
struct RatioSpread {
  double ratio = 0;
  double p10 = 0, p90 = 0;
  size_t pairs = 0;
};
RatioSpread ratio_spread(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace saturn::bench
