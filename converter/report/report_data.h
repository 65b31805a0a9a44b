// What the calibration report shows, computed from the conversion's results and a Comparison
// (report/compare.h); no I/O here, so tests can build and check it directly.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "converter/calibrate/histogram.h"
#include "converter/ir/graph.h"
#include "converter/quantize/quant_params.h"
#include "converter/report/compare.h"

namespace saturn::report {

struct TensorEntry {
  std::string name;        // INT8 tensor name
  std::string fp32_name;   // the FP32 tensor it was compared with; "" when none
  std::string dtype;       // "s8" or "u8"
  std::string method;      // calibration method, lower case ("entropy"); "max (graph input)" for graph inputs
  float threshold = 0.f;   // T (0: all zeros in calibration)
  float alpha = 0.f;       // scale[0]
  double sqnr_db = 0.0;    // NaN when not compared or the FP32 tensor is all zeros; +inf when exact
  bool compared = false;
  const calibrate::AbsHistogram* histogram = nullptr;  // calibration histogram; null when none. Not owned.
  bool worst = false;      // one of ReportData::worst
};

struct OutputEntry {
  std::string name;
  std::vector<int64_t> dims;
  double sqnr_db = 0.0;
  uint64_t rows = 0;       // rows of the last axis over all samples
  uint64_t agreeing = 0;   // rows whose argmax agrees
  double top1 = 0.0;       // agreeing / rows (NaN without rows)
};

struct ReportData {
  std::string title;        // e.g. the model file
  std::string method;       // the conversion's calibration method
  int64_t samples = 0;
  int64_t batch = 0;
  std::vector<TensorEntry> tensors;  // quantized activations, in node order
  std::vector<OutputEntry> outputs;
  std::vector<size_t> worst;         // indices into tensors: the (at most) five lowest SQNRs, lowest first
};

inline constexpr size_t kWorstCount = 5;

// Builds the report's content. `histograms` is keyed by FP32 tensor name (the collector's names);
// an entry's histogram is that of its FP32 counterpart, or of its own name. The worst list holds
// compared tensors with a finite or infinite (not NaN) SQNR, ordered by SQNR ascending (ties by
// name).
ReportData summarize(const converter::ir::Graph& int8_graph, const converter::QuantMap& quant,
                     const std::map<std::string, calibrate::AbsHistogram>& histograms, const Comparison& comparison);

}  // namespace saturn::report
