// The converter's entry point: FP32 ONNX model -> Saturn FlatBuffers model (FP32 or INT8).
//
// Pipeline (DESIGN section 1): onnx_import (checker, fixed input shapes, shape inference) ->
// passes (constant folding, BatchNorm folding, activation fusion, LayerNorm pattern, dead nodes)
// -> writer. With int8.enabled: the FP32 model is written first (so every FP32 rejection comes
// first), then calibrated (converter/calibrate/collector.h) or read from the calibration cache,
// then quantized (converter/quantize/quantize_pass.h) and written as the INT8 model.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "converter/calibrate/collector.h"
#include "converter/calibrate/ranges.h"
#include "converter/quantize/quantize_pass.h"
#include "saturn/status.h"

namespace saturn::converter {

// Weight range of the INT8 model (converter/quantize/weights.h): full 8-bit, or reduced (7-bit) so
// that oneDNN's fast INT8 kernels are exact on CPUs without VNNI (ops/conv_int8.h). kAuto picks
// reduced when the converting CPU has no VNNI (the model is meant to run where it is converted).
enum class WeightRange { kAuto, kFull, kReduced };

struct Int8Options {
  bool enabled = false;
  // Produces the calibration samples; called only when the ranges are not read from the cache.
  // An input with an empty name is given to the model's only graph input.
  std::function<Result<std::vector<calibrate::CalibrationInput>>()> load_calibration;
  calibrate::RangeOptions ranges;   // --calib-method, --percentile
  bool per_tensor_weights = false;  // --per-tensor-weights
  WeightRange weight_range = WeightRange::kAuto;  // --weight-range
  std::set<std::string> fp32_nodes; // --fp32-nodes
  // --calib-cache: read when the file exists (the key must match), else written after calibrating.
  std::string cache_path;
  int threads = 0;
  std::function<void(int64_t, int64_t)> progress;  // calibration batches done / in all
  // --emit-qdq: when set, the INT8 graph is also written there as a QDQ ONNX model
  // (converter/qdq/qdq_export.h).
  std::string qdq_path;
  // --report: when set, the HTML calibration report (converter/report/report.h) is written here
  // after the INT8 model. Needs calibration data (load_calibration) even when the ranges come from
  // the cache: the report runs FP32 and INT8 over the samples and draws their histograms.
  std::string report_path;
};

struct ConvertOptions {
  // Fixed dims for graph inputs, by name; required for inputs with dynamic dims.
  std::map<std::string, std::vector<int64_t>> input_shapes;
  Int8Options int8;
};

// What an INT8 conversion did, for the CLI.
struct ConvertReport {
  bool ranges_from_cache = false;
  bool cache_written = false;
  size_t calibrated_tensors = 0;
  bool reduced_range = false;  // the weight range used (WeightRange resolved)
  // INT8 against FP32 on the calibration data, per graph output (empty when the ranges came from the
  // cache and no --report was asked for: the samples were not loaded).
  struct OutputCheck {
    std::string name;
    double sqnr_db = 0;     // report/sqnr.h
    double top1_rate = 0;   // argmax over the last axis agreeing with FP32's
  };
  std::vector<OutputCheck> output_check;
  std::string check_skipped;  // why the check could not run here (e.g. no INT8 kernel for this CPU)
  QuantizeSummary quantize;
};

// Converts the ONNX file at `onnx_path` into the bytes of a .saturn model.
// Rejections of unsupported ops or attributes have messages that begin with "unsupported"; an
// unsupported model gets one error listing every unsupported node (name, op type, opset).
Result<std::vector<uint8_t>> convert_onnx_file(const std::string& onnx_path, const ConvertOptions& options,
                                               ConvertReport* report = nullptr);

// One row of the converter's op table: ONNX op type (default domain) and the opsets it supports.
struct OnnxOpSupport {
  std::string op_type;
  int min_opset;
  int max_opset;
};
const std::vector<OnnxOpSupport>& supported_onnx_ops();

}  // namespace saturn::converter
