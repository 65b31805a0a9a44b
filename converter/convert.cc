// convert_onnx_file: import -> passes -> writer, and the INT8 path (converter/convert.h).
#include "converter/convert.h"

#include <filesystem>

#include "converter/calibrate/calib_cache.h"
#include "converter/lowering/lowering.h"
#include "converter/onnx_import.h"
#include "converter/passes/passes.h"
#include "converter/sha256.h"
#include "converter/writer.h"

namespace saturn::converter {

namespace {

Result<calibrate::RangeMap> calibrated_ranges(const ir::Graph& graph, const std::string& sha, const Int8Options& o,
                                              ConvertReport* report) {
  const calibrate::CacheKey key{sha, o.ranges};
  if (!o.cache_path.empty() && std::filesystem::exists(o.cache_path)) {
    Result<calibrate::RangeMap> cached = calibrate::read_cache(o.cache_path, key);
    if (cached && report) report->ranges_from_cache = true;
    return cached;
  }
  if (!o.load_calibration)
    return Status::error("--int8 needs calibration data (--calib) or an existing calibration cache (--calib-cache)");
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
  calibrate::RangeOptions range_options = o.ranges;
  range_options.max_method_tensors.insert(graph.inputs.begin(), graph.inputs.end());
  calibrate::RangeMap ranges = calibrate::compute_ranges(histograms.value(), range_options);
  if (!o.cache_path.empty()) {
    SATURN_RETURN_IF_ERROR(calibrate::write_cache(o.cache_path, key, ranges));
    if (report) report->cache_written = true;
  }
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
  Result<std::vector<uint8_t>> fp32 = write_saturn_model(*graph, sha);
  if (!fp32 || !options.int8.enabled) return fp32;

  Result<calibrate::RangeMap> ranges = calibrated_ranges(*graph, sha, options.int8, report);
  if (!ranges) return ranges.status();
  if (report) report->calibrated_tensors = ranges->size();
  QuantizeOptions qo;
  qo.method = options.int8.ranges.method;
  qo.per_tensor_weights = options.int8.per_tensor_weights;
  qo.fp32_nodes = options.int8.fp32_nodes;
  Result<QuantizeResult> q = quantize_graph(*graph, ranges.value(), qo);
  if (!q) return q.status().with_context(origin);
  if (report) report->quantize = q->summary;
  Result<std::vector<uint8_t>> int8 = write_saturn_model(*graph, sha, &q->quant);
  if (!int8) return int8.status().with_context("writing the INT8 model");
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
