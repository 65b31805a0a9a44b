#include "converter/calibrate/ranges.h"

namespace saturn::calibrate {

RangeMap compute_ranges(const std::map<std::string, AbsHistogram>& histograms, const RangeOptions& options) {
  RangeMap ranges;
  for (const auto& [name, h] : histograms) {
    TensorRange r;
    r.min = h.total() ? h.min() : 0.f;
    r.max = h.total() ? h.max() : 0.f;
    const Method method = options.max_method_tensors.count(name) ? Method::kMax : options.method;
    ThresholdOptions t{method, options.percentile, 127};
    r.t_s8 = compute_threshold(h, t);
    t.levels = 255;
    r.t_u8 = compute_threshold(h, t);
    ranges[name] = r;
  }
  return ranges;
}

bool parse_method(const std::string& text, Method* method) {
  for (Method m : {Method::kEntropy, Method::kPercentile, Method::kMax, Method::kMse})
    if (text == method_name(m)) {
      *method = m;
      return true;
    }
  return false;
}

}  // namespace saturn::calibrate
