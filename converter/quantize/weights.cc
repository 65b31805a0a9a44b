#include "converter/quantize/weights.h"

#include <algorithm>
#include <cmath>

#include "ops/reference/quantize.h"

namespace saturn::converter::quantize {

QuantizedWeights quantize_weights(const std::vector<float>& values, const std::vector<int64_t>& dims, int axis,
                                  WeightGrid grid, const std::vector<float>& min_scale) {
  QuantizedWeights q;
  q.axis = axis;
  // View the tensor as [outer, channels, inner] around `axis`.
  int64_t outer = 1, channels = 1, inner = 1;
  for (int d = 0; d < static_cast<int>(dims.size()); ++d) {
    if (axis < 0) inner *= dims[d];
    else if (d < axis) outer *= dims[d];
    else if (d == axis) channels = dims[d];
    else inner *= dims[d];
  }
  std::vector<float> abs_max(static_cast<size_t>(channels), 0.f);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i)
        abs_max[c] = std::max(abs_max[c], std::fabs(values[(o * channels + c) * inner + i]));
  q.scale.resize(abs_max.size());
  for (size_t c = 0; c < abs_max.size(); ++c) {
    q.scale[c] = abs_max[c] > 0.f ? abs_max[c] / static_cast<float>(grid.qmax) : 1.f;
    if (!min_scale.empty()) q.scale[c] = std::max(q.scale[c], min_scale[min_scale.size() == 1 ? 0 : c]);
  }
  q.values.resize(values.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        const size_t k = static_cast<size_t>((o * channels + c) * inner + i);
        const int8_t steps = reference::quantize<int8_t>(values[k], q.scale[c] * static_cast<float>(grid.step));
        q.values[k] = static_cast<int8_t>(steps * grid.step);
      }
  return q;
}

std::vector<float> bias_floor(const std::vector<float>& b, float alpha_in, bool per_tensor) {
  std::vector<float> floor(b.size());
  for (size_t c = 0; c < b.size(); ++c)
    floor[c] = static_cast<float>(std::fabs(static_cast<double>(b[c])) / (static_cast<double>(alpha_in) * 1073741824.0));
  if (per_tensor && !floor.empty()) return {*std::max_element(floor.begin(), floor.end())};
  return floor;
}

std::vector<int32_t> quantize_bias(const std::vector<float>& b, float alpha_in, const std::vector<float>& alpha_w) {
  std::vector<int32_t> q(b.size());
  for (size_t c = 0; c < b.size(); ++c) {
    const double scale = static_cast<double>(alpha_in) * (alpha_w.size() == 1 ? alpha_w[0] : alpha_w[c]);
    const double v = std::nearbyint(static_cast<double>(b[c]) / scale);
    q[c] = static_cast<int32_t>(std::clamp(v, -2147483520.0, 2147483520.0));
  }
  return q;
}

}  // namespace saturn::converter::quantize
