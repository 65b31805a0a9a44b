#include "converter/calibrate/threshold.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace saturn::calibrate {
namespace {

constexpr int kBins = AbsHistogram::kBins;

float percentile_threshold(const AbsHistogram& h, double percentile) {
  const double target = static_cast<double>(h.total()) * percentile / 100.0;
  double cumulative = 0;
  for (int i = 0; i < kBins; ++i) {
    cumulative += static_cast<double>(h.counts()[i]);
    if (cumulative >= target) return std::min(h.abs_max(), (i + 1) * h.bin_width());
  }
  return h.abs_max();
}

// KL(P || Q) of two unnormalized distributions over the same support.
double kl_divergence(const std::vector<double>& p, const std::vector<double>& q) {
  double p_sum = 0, q_sum = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    p_sum += p[i];
    q_sum += q[i];
  }
  double kl = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0) continue;
    if (q[i] == 0) return std::numeric_limits<double>::infinity();
    const double pi = p[i] / p_sum, qi = q[i] / q_sum;
    kl += pi * std::log(pi / qi);
  }
  return kl;
}

// Caps every bin at kSpikeFactor times the median of its kSpikeWindow neighbours on each side
// (counted as at least 1). A spike is a point mass: a channel that is constant over an image's flat
// background, a bias-only channel, a padded border. The KL search's Q spreads each level's mass
// evenly over its bins, so a spike in P dominates the divergence wherever it falls, and T lands
// where the spikes happen to be resolved (rec's first conv: T = 3.2 where the 99.99th percentile
// is 16.4) instead of where the distribution's shape says.
void flatten_spikes(std::vector<uint64_t>& counts) {
  constexpr int kSpikeWindow = 16;
  constexpr uint64_t kSpikeFactor = 2;
  const std::vector<uint64_t> original = counts;
  std::vector<uint64_t> neighbours;
  for (int i = 0; i < kBins; ++i) {
    neighbours.clear();
    for (int j = std::max(0, i - kSpikeWindow); j <= std::min(kBins - 1, i + kSpikeWindow); ++j) {
      if (j != i) neighbours.push_back(original[j]);
    }
    auto middle = neighbours.begin() + neighbours.size() / 2;
    std::nth_element(neighbours.begin(), middle, neighbours.end());
    counts[i] = std::min(counts[i], kSpikeFactor * std::max<uint64_t>(*middle, 1));
  }
}

// The KL search on one side's |x| bins; returns the number of bins below T (0 for an empty side).
int entropy_bins(std::vector<uint64_t> counts, int levels) {
  // Bin 0 holds every exact zero (half of a tensor after ReLU). Zero quantizes exactly whatever T
  // is, yet its spike dominates the divergence and pushes T far too low, so it is flattened to its
  // neighbour's height, as NVIDIA's pytorch-quantization does. Spikes elsewhere are capped.
  counts[0] = counts[1];
  flatten_spikes(counts);
  int last_nonzero = -1;
  for (int i = 0; i < kBins; ++i) {
    if (counts[i] != 0) last_nonzero = i;
  }
  if (last_nonzero < 0) return 0;
  if (last_nonzero < levels) return last_nonzero + 1;  // every bin is its own level

  double best_kl = std::numeric_limits<double>::infinity();
  int best_i = last_nonzero + 1;
  std::vector<double> p, q;
  for (int i = levels; i <= last_nonzero + 1; ++i) {
    p.assign(counts.begin(), counts.begin() + i);
    double outliers = 0;
    for (int j = i; j < kBins; ++j) outliers += static_cast<double>(counts[j]);
    p[i - 1] += outliers;

    // Merge bins [0, i) into `levels` groups, then spread each group's mass over its non-empty bins.
    q.assign(i, 0.0);
    for (int level = 0; level < levels; ++level) {
      const int begin = static_cast<int>(static_cast<int64_t>(level) * i / levels);
      const int end = static_cast<int>(static_cast<int64_t>(level + 1) * i / levels);
      double mass = 0;
      int nonempty = 0;
      for (int j = begin; j < end; ++j) {
        mass += static_cast<double>(counts[j]);
        nonempty += counts[j] != 0;
      }
      if (nonempty == 0) continue;
      for (int j = begin; j < end; ++j) {
        if (counts[j] != 0) q[j] = mass / nonempty;
      }
    }
    const double kl = kl_divergence(p, q);
    if (kl < best_kl) {
      best_kl = kl;
      best_i = i;
    }
  }
  return best_i;
}

// Each sign is searched on its own and T covers both: folding a lopsided tensor (HardSwish's
// [-0.375, 0] lobe, a normalized image's background) into one |x| histogram makes the search clip
// the long side at the short side's edge.
float entropy_threshold(const AbsHistogram& h, int levels) {
  const int bins = std::max(entropy_bins(h.positive_counts(), levels), entropy_bins(h.negative_counts(), levels));
  return std::min(h.abs_max(), bins * h.bin_width());
}

float mse_threshold(const AbsHistogram& h, int levels) {
  const auto& counts = h.counts();
  const double width = h.bin_width();
  double best_error = std::numeric_limits<double>::infinity();
  int best_i = kBins;
  for (int i = 1; i <= kBins; ++i) {
    const double t = i * width;
    const double step = t / levels;
    const double rounding = step * step / 12.0;
    double error = 0;
    for (int j = 0; j < kBins; ++j) {
      if (counts[j] == 0) continue;
      const double centre = (j + 0.5) * width;
      const double clip = centre > t ? (centre - t) * (centre - t) : rounding;
      error += static_cast<double>(counts[j]) * clip;
    }
    if (error < best_error) {
      best_error = error;
      best_i = i;
    }
  }
  return std::min(h.abs_max(), static_cast<float>(best_i * width));
}

}  // namespace

const char* method_name(Method method) {
  switch (method) {
    case Method::kMax: return "max";
    case Method::kPercentile: return "percentile";
    case Method::kEntropy: return "entropy";
    case Method::kMse: return "mse";
  }
  return "?";
}

float compute_threshold(const AbsHistogram& h, const ThresholdOptions& options) {
  if (h.abs_max() == 0.f || h.range() == 0.f) return 0.f;
  switch (options.method) {
    case Method::kMax: return h.abs_max();
    case Method::kPercentile: return percentile_threshold(h, options.percentile);
    case Method::kEntropy: return entropy_threshold(h, options.levels);
    case Method::kMse: return mse_threshold(h, options.levels);
  }
  return h.abs_max();
}

}  // namespace saturn::calibrate
