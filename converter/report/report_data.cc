#include "converter/report/report_data.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace saturn::report {

ReportData summarize(const converter::ir::Graph& g, const converter::QuantMap& quant,
                     const std::map<std::string, calibrate::AbsHistogram>& histograms, const Comparison& c) {
  ReportData r;
  r.samples = c.samples;
  r.batch = c.batch;
  for (const auto& name : quantized_activations(g, quant)) {
    const converter::TensorQuant& q = quant.at(name);
    TensorEntry e;
    e.name = name;
    e.dtype = g.find(name)->dtype == converter::ir::ElemType::kInt8 ? "s8" : "u8";
    e.method = fb::EnumNameCalibrationMethod(q.method);
    std::transform(e.method.begin(), e.method.end(), e.method.begin(), [](unsigned char ch) { return std::tolower(ch); });
    e.threshold = q.threshold;
    e.alpha = q.scale.empty() ? 0.f : q.scale[0];
    e.sqnr_db = std::numeric_limits<double>::quiet_NaN();
    if (auto it = c.tensors.find(name); it != c.tensors.end()) {
      e.fp32_name = it->second.fp32_name;
      e.compared = true;
      e.sqnr_db = it->second.sqnr.db();
    }
    const std::string& key = e.fp32_name.empty() ? name : e.fp32_name;
    if (std::find(g.inputs.begin(), g.inputs.end(), key) != g.inputs.end()) e.method += " (graph input)";
    if (auto h = histograms.find(key); h != histograms.end()) e.histogram = &h->second;
    r.tensors.push_back(std::move(e));
  }
  for (const auto& o : c.outputs)
    r.outputs.push_back({o.name, o.dims, o.sqnr.db(), o.top1.rows(), o.top1.agreeing(), o.top1.rate()});

  std::vector<size_t> ranked;
  for (size_t i = 0; i < r.tensors.size(); ++i)
    if (r.tensors[i].compared && !std::isnan(r.tensors[i].sqnr_db)) ranked.push_back(i);
  std::sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) {
    const auto& x = r.tensors[a];
    const auto& y = r.tensors[b];
    return x.sqnr_db != y.sqnr_db ? x.sqnr_db < y.sqnr_db : x.name < y.name;
  });
  if (ranked.size() > kWorstCount) ranked.resize(kWorstCount);
  for (size_t i : ranked) r.tensors[i].worst = true;
  r.worst = ranked;
  return r;
}

}  // namespace saturn::report
