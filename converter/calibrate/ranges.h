// Per-tensor calibration results: what the quantization pass needs of each activation tensor.
//
// For every tensor, the calibrated min and max (the inputs of the U8/S8 decision: a tensor with
// min >= 0 cannot go negative) and the threshold T for both types, computed with the chosen method
// on the tensor's |x| histogram: t_s8 with 127 levels, t_u8 with 255 levels (the type is decided
// later, by the graph, see converter/quantize). T = 0 means the tensor was all zeros.
// A RangeMap is what the calibration cache (calib_cache.h) stores.
#pragma once

#include <map>
#include <set>
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
  // Tensors whose threshold is max|x| whatever the method: the graph inputs. Their range is set by
  // preprocessing, not by rare outliers, and their |x| histogram folds two populations (e.g. a
  // normalized image's negative background and positive ink), on which the entropy search clips
  // all of the ink (Fashion-MNIST: 81.0% top-1 instead of 88.7%). And the outputs of bounded fused
  // activations (Clip/ReLU6, Sigmoid, HardSigmoid, Tanh): the network saturates them on purpose, and
  // on their histogram (a spike at the bound) the entropy search clips far below the bound (a
  // ReLU6 MobileNet-style Fashion-MNIST net: T 3.6 of 6, the next tensor at 14 dB instead of 33).
  std::set<std::string> max_method_tensors;
};

using RangeMap = std::map<std::string, TensorRange>;

RangeMap compute_ranges(const std::map<std::string, AbsHistogram>& histograms, const RangeOptions& options);

// Parses "entropy" | "percentile" | "max" | "mse"; false for anything else.
bool parse_method(const std::string& text, Method* method);

}  // namespace saturn::calibrate
