// Saturation thresholds T from an |x| histogram (DESIGN section 2: alpha = T / levels).
//
//   max         T = max|x|.
//   percentile  T = the upper edge of the first bin at which the cumulative count reaches
//               percentile% of all values (capped at max|x|).
//   entropy     TensorRT's KL-divergence search: for each candidate i (levels..2048 bins), the
//               reference distribution P is bins [0, i) with the outliers folded into bin i-1, the
//               candidate Q is P merged into `levels` quantization bins and expanded back over P's
//               non-empty bins; T = upper edge of bin i with the smallest KL(P || Q). The zero
//               bin's spike (exact zeros, e.g. after ReLU) is flattened to bin 1's height first,
//               and every other bin is capped at twice the median of its 32 neighbours (point
//               masses such as constant background channels would otherwise decide T).
//               Positive and negative values are searched separately; T is the larger result.
//   mse         T minimizing the expected squared error: clipping error (|x| - T)^2 above T and
//               rounding noise (T / levels)^2 / 12 below it, over the bin centres.
//
// `levels` is the number of positive quantization steps: 127 for s8, 255 for u8.
#pragma once

#include "converter/calibrate/histogram.h"

namespace saturn::calibrate {

enum class Method { kMax, kPercentile, kEntropy, kMse };

const char* method_name(Method method);

struct ThresholdOptions {
  Method method = Method::kEntropy;
  double percentile = 99.99;
  int levels = 127;
};

// Returns T > 0, or 0 if the histogram saw only zeros.
float compute_threshold(const AbsHistogram& histogram, const ThresholdOptions& options);

}  // namespace saturn::calibrate
