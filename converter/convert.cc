// convert_onnx_file: import -> passes -> writer, and the INT8 path (converter/convert.h).
#include "converter/convert.h"

#include <cmath>
#include <filesystem>
#include <set>

#include "converter/calibrate/calib_cache.h"
#include "converter/lowering/lowering.h"
#include "converter/onnx_import.h"
#include "converter/passes/passes.h"
#include "converter/qdq/qdq_export.h"
#include "converter/report/compare.h"
#include "converter/report/report.h"
#include "converter/sha256.h"
#include "converter/writer.h"
#include "ops/conv_int8.h"

namespace saturn::converter {

namespace {

// Activations whose output range is bounded by the model itself: Clip with two finite bounds (ReLU6),
// Sigmoid, HardSigmoid, Tanh (calibrate/ranges.h, max_method_tensors).
bool bounded_activation(const ir::Activation& a) {
  using K = ir::ActivationKind;
  if (a.kind == K::kClip) return std::isfinite(a.alpha) && std::isfinite(a.beta);
  return a.kind == K::kSigmoid || a.kind == K::kHardSigmoid || a.kind == K::kTanh;
}

// The tensors whose T is max|x| whatever the method: the graph inputs and the outputs of bounded
// activations (calibrate/ranges.h).
std::set<std::string> max_method_tensors(const ir::Graph& graph) {
  std::set<std::string> tensors(graph.inputs.begin(), graph.inputs.end());
  for (const ir::Node& n : graph.nodes)
    if (bounded_activation(n.fused) && n.outputs.size() == 1) tensors.insert(n.outputs[0]);
  return tensors;
}

// The calibration samples and their histograms, kept for the report (converter/report/report.h).
struct CalibrationKept {
  std::vector<calibrate::CalibrationInput> data;
  std::map<std::string, calibrate::AbsHistogram> histograms;
};

// The samples and histograms are moved into *kept whenever they are loaded; with `need_samples`
// (--report) they are loaded and observed even when the ranges come from the cache.
Result<calibrate::RangeMap> calibrated_ranges(const ir::Graph& graph, const std::string& sha, const Int8Options& o,
                                              const std::set<std::string>& max_tensors, ConvertReport* report,
                                              bool need_samples, CalibrationKept* kept) {
  const calibrate::CacheKey key{sha, o.ranges};
  const bool from_cache = !o.cache_path.empty() && std::filesystem::exists(o.cache_path);
  if (from_cache && !need_samples) {
    Result<calibrate::RangeMap> cached = calibrate::read_cache(o.cache_path, key);
    if (cached && report) report->ranges_from_cache = true;
    return cached;
  }
  if (!o.load_calibration)
    return Status::error(need_samples ? "--report needs calibration data (--calib), also when the ranges come from --calib-cache"
                              : "--int8 needs calibration data (--calib) or an existing calibration cache (--calib-cache)");
  Result<std::vector<calibrate::CalibrationInput>> data = o.load_calibration();
  if (!data) return data.status();
  if (graph.inputs.size() == 1)
    for (auto& d : data.value())
      if (d.name.empty()) d.name = graph.inputs[0];
  for (const auto& d : data.value())
    if (d.name.empty())
      return Status::error("calibration: the model has " + std::to_string(graph.inputs.size()) +
                           " graph inputs; name each calibration file (--calib NAME=FILE)");
  calibrate::CollectOptions co;
  co.threads = o.threads;
  co.progress = o.progress;
  auto histograms = calibrate::collect_histograms(graph, data.value(), co);
  if (!histograms) return histograms.status();
  if (from_cache) {
    Result<calibrate::RangeMap> cached = calibrate::read_cache(o.cache_path, key);
    if (cached && report) report->ranges_from_cache = true;
    *kept = {std::move(data.value()), std::move(histograms.value())};
    return cached;
  }
  calibrate::RangeOptions range_options = o.ranges;
  range_options.max_method_tensors = max_tensors;
  calibrate::RangeMap ranges = calibrate::compute_ranges(histograms.value(), range_options);
  if (!o.cache_path.empty()) {
    SATURN_RETURN_IF_ERROR(calibrate::write_cache(o.cache_path, key, ranges));
    if (report) report->cache_written = true;
  }
  *kept = {std::move(data.value()), std::move(histograms.value())};
  return ranges;
}

}  // namespace

Result<std::vector<uint8_t>> convert_onnx_file(const std::string& onnx_path, const ConvertOptions& options,
                                               ConvertReport* report) {
  std::string raw;
  Result<onnx::ModelProto> model = read_onnx_file(onnx_path, &raw);
  if (!model) return model.status();
  const std::string origin = "'" + onnx_path + "'";
  Result<ir::Graph> graph = import_onnx_model(std::move(model.value()), options, origin);
  if (!graph) return graph.status();
  Status passes = run_passes(*graph);
  if (!passes) return passes.with_context(origin);
  const std::string sha = sha256_hex({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
  // Writer messages start with "unsupported" where they are rejections, so no prefix is added.
  if (!options.int8.enabled) {
    fuse_residual_adds(*graph, [](size_t, size_t) { return true; }, [](size_t) {});
    fuse_channel_shuffles(*graph);
    return write_saturn_model(*graph, sha);
  }
  split_table_activations(*graph);  // before calibration: the pre-activations get ranges (passes.h)
  // Calibration runs this graph as it is (every Conv output observable); it must be writable.
  Result<std::vector<uint8_t>> fp32 = write_saturn_model(*graph, sha);
  if (!fp32) return fp32;

  const bool want_report = !options.int8.report_path.empty();
  const std::set<std::string> max_tensors = max_method_tensors(*graph);
  CalibrationKept kept;
  Result<calibrate::RangeMap> ranges =
      calibrated_ranges(*graph, sha, options.int8, max_tensors, report, want_report, &kept);
  if (!ranges) return ranges.status();
  if (report) report->calibrated_tensors = ranges->size();
  // The INT8 check compares with the FP32 graph, which quantize_graph rewrites in place: keep a copy,
  // only when there are samples to check on.
  const ir::Graph fp32_graph = kept.data.empty() ? ir::Graph{} : *graph;
  QuantizeOptions qo;
  qo.method = options.int8.ranges.method;
  qo.per_tensor_weights = options.int8.per_tensor_weights;
  qo.reduced_range = options.int8.weight_range == WeightRange::kReduced ||
                     (options.int8.weight_range == WeightRange::kAuto && !conv_int8::cpu_has_vnni());
  if (report) report->reduced_range = qo.reduced_range;
  qo.fp32_nodes = options.int8.fp32_nodes;
  qo.max_method_tensors = max_tensors;
  Result<QuantizeResult> q = quantize_graph(*graph, ranges.value(), qo);
  if (!q) return q.status().with_context(origin);
  if (report) report->quantize = q->summary;
  if (!options.int8.qdq_path.empty())
    SATURN_RETURN_IF_ERROR(write_qdq_model(*graph, q->quant, options.int8.qdq_path));
  fuse_channel_shuffles(*graph);
  Result<std::vector<uint8_t>> int8 = write_saturn_model(*graph, sha, &q->quant);
  if (!int8) return int8.status().with_context("writing the INT8 model");
  if (kept.data.empty()) return int8;
  // INT8 against FP32 on the calibration samples: the outputs' SQNR and top-1 agreement always (so a
  // calibration that ruins the model does not pass silently), every tensor with --report.
  Result<report::Comparison> c =
      report::compare_int8_with_fp32(fp32_graph, *graph, q->quant, kept.data, options.int8.threads);
  if (!c && !want_report) {
    // The model may target another CPU (e.g. --weight-range full for VNNI): it is written anyway.
    if (report) report->check_skipped = c.status().message();
    return int8;
  }
  if (!c) return c.status().with_context("comparing INT8 with FP32");
  if (report)
    for (const auto& o : c->outputs) report->output_check.push_back({o.name, o.sqnr.db(), o.top1.rate()});
  if (want_report) {
    const report::ReportInputs ri{&*graph, &q->quant, &kept.histograms, onnx_path,
                                  calibrate::method_name(options.int8.ranges.method)};
    SATURN_RETURN_IF_ERROR(report::write_report(ri, c.value(), options.int8.report_path));
  }
  return int8;
}

const std::vector<OnnxOpSupport>& supported_onnx_ops() {
  static const std::vector<OnnxOpSupport> kOps = [] {
    std::vector<OnnxOpSupport> v;
    for (const auto& e : op_lowerings()) v.push_back({e.op_type, e.min_opset, e.max_opset});
    return v;
  }();
  return kOps;
}

}  // namespace saturn::converter
