// The INT8 calibration report (saturn-convert --int8 --calib ... --report R.html; issue 3 item 5):
// one self-contained HTML page with, for every quantized activation tensor, its calibration method,
// T, alpha, dtype, |x| histogram with T marked and SQNR against FP32 on the calibration data; the
// model outputs' SQNR and top-1 agreement; and the five worst tensors flagged.
//
// The caller runs compare_int8_with_fp32 (report/compare.h: both models in the runtime over the
// calibration data); write_report = summarize (report/report_data.h) -> render_html
// (report/html_page.h) -> file. It does not depend on the CLI; convert_onnx_file calls it when
// Int8Options.report_path is set.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "converter/calibrate/collector.h"
#include "converter/calibrate/histogram.h"
#include "converter/ir/graph.h"
#include "converter/quantize/quant_params.h"
#include "converter/report/compare.h"
#include "saturn/status.h"

namespace saturn::report {

// Everything the report reads besides the comparison; nothing is owned, and every pointer must be
// set and outlive the call.
struct ReportInputs {
  const converter::ir::Graph* int8_graph = nullptr;  // quantize_graph's rewritten graph
  const converter::QuantMap* quant = nullptr;        // quantize_graph's QuantMap
  // The calibration histograms, keyed by FP32 tensor name (calibrate::collect_histograms).
  const std::map<std::string, calibrate::AbsHistogram>* histograms = nullptr;
  std::string title;   // shown as the model's name (e.g. the ONNX path)
  std::string method;  // the calibration method's name (calibrate::method_name)
};

// Writes the page for `comparison` (compare_int8_with_fp32 over the calibration data) to `path`
// (overwritten). Errors name the file.
Status write_report(const ReportInputs& inputs, const Comparison& comparison, const std::string& path);

}  // namespace saturn::report
