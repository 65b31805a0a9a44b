#include "tools/bench/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace saturn::bench {
namespace {

double sorted_percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  q = std::clamp(q, 0.0, 100.0);
  const double rank = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = rank - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

}  // namespace

double percentile(const std::vector<double>& samples, double q) {
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  return sorted_percentile(sorted, q);
}

LatencyStats summarize(const std::vector<double>& samples) {
  LatencyStats s;
  if (samples.empty()) return s;
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  s.count = sorted.size();
  s.p50 = sorted_percentile(sorted, 50);
  s.p90 = sorted_percentile(sorted, 90);
  s.p99 = sorted_percentile(sorted, 99);
  s.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(sorted.size());
  s.min = sorted.front();
  s.max = sorted.back();
  return s;
}

RatioSpread ratio_spread(const std::vector<double>& a, const std::vector<double>& b) {
  RatioSpread r;
  std::vector<double> pa, pb, ratios;
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (!(a[i] > 0) || !(b[i] > 0)) continue;
    pa.push_back(a[i]);
    pb.push_back(b[i]);
    ratios.push_back(b[i] / a[i]);
  }
  if (ratios.empty()) return r;
  r.pairs = ratios.size();
  r.ratio = percentile(pb, 50) / percentile(pa, 50);
  std::sort(ratios.begin(), ratios.end());
  r.p10 = sorted_percentile(ratios, 10);
  r.p90 = sorted_percentile(ratios, 90);
  return r;
}

}  // namespace saturn::bench
