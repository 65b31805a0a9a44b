// Per-tensor calibration results: what the quantization pass needs of each activation tensor.
//
// For every tensor, the calibrated min and max (the inputs of the U8/S8 decision: a tensor with
// min >= 0 cannot go negative) and the threshold T for both types, computed with the chosen method
// on the tensor's |x| histogram: t_s8 with 127 levels, t_u8 with 255 levels (the type is decided
// later, by the graph, see converter/quantize). T = 0 means the tensor was all zeros.
// A RangeMap is what the calibration cache (calib_cache.h) stores.
#pragma once

#include <map>
#include <string>

#include "converter/calibrate/histogram.h"
#include "converter/calibrate/threshold.h"

namespace saturn::calibrate {

struct TensorRange {
  float min = 0.f;
  float max = 0.f;
  float t_s8 = 0.f;  // threshold with levels = 127
  float t_u8 = 0.f;  // threshold with levels = 255
};

struct RangeOptions {
  Method method = Method::kEntropy;
  double percentile = 99.99;  // for Method::kPercentile
};

using RangeMap = std::map<std::string, TensorRange>;

RangeMap compute_ranges(const std::map<std::string, AbsHistogram>& histograms, const RangeOptions& options);

// Parses "entropy" | "percentile" | "max" | "mse"; false for anything else.
bool parse_method(const std::string& text, Method* method);

}  // namespace saturn::calibrate
