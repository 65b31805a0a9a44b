// Runs the FP32 and the INT8 model side by side over the calibration data and measures, for every
// quantized activation tensor and every graph output, how far INT8 is from FP32 (report/sqnr.h).
//
// FP32 values: the FP32 graph's observation model (calibrate::observation_graph: every float
// runtime tensor a graph output) run in the Saturn runtime; graph inputs come from the data itself.
// INT8 values: a copy of the INT8 graph with every quantized activation tensor added to its graph
// outputs (the runtime returns them as s8/u8 in plain layout), dequantized as real = alpha * q
// (per tensor, or per channel of the QuantParams axis).
// The SQNR of a tensor is therefore end to end (it carries the error of every earlier INT8 layer),
// not the error of its own quantization step alone.
//
// Tensor names: an INT8 tensor is compared with the FP32 tensor of
//   1. the same name, when the FP32 graph has it as a graph input or float node output (this covers
//      a Conv with a fused residual Add, which takes the Add's output name);
//   2. else, when a Quantize node produces it, the Quantize input's name ("<t>_quantized" -> t);
//   3. else, when a Dequantize node reads it, that node's output name ("<y>_int8" -> y);
// and is left out of the comparison when none of these exists in the FP32 graph.
// Graph outputs are compared by name (every INT8 graph output is F32 at the API).
//
// Batching is the collector's (calibrate/collector.h): data (N, ...) per graph input in batches of
// the model's batch size B (dims[0]); N must be a multiple of B.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "converter/calibrate/collector.h"
#include "converter/ir/graph.h"
#include "converter/quantize/quant_params.h"
#include "converter/report/sqnr.h"
#include "saturn/status.h"

namespace saturn::report {

struct TensorComparison {
  std::string fp32_name;
  SqnrAccumulator sqnr;
};

struct OutputComparison {
  std::string name;
  std::vector<int64_t> dims;
  SqnrAccumulator sqnr;
  Top1Agreement top1;  // argmax over the last axis
};

struct Comparison {
  std::map<std::string, TensorComparison> tensors;  // by INT8 tensor name; only tensors with an FP32 counterpart
  std::vector<OutputComparison> outputs;            // in the FP32 graph's output order
  int64_t samples = 0;
  int64_t batch = 0;
};

// The quantized activation tensors of the INT8 graph, in node order: QuantMap entries that name a
// non-constant tensor of type kInt8 or kUint8.
std::vector<std::string> quantized_activations(const converter::ir::Graph& int8_graph,
                                               const converter::QuantMap& quant);

// The FP32 counterpart of each of `names` (rules above); names without one are absent.
std::map<std::string, std::string> fp32_counterparts(const converter::ir::Graph& fp32_graph,
                                                     const converter::ir::Graph& int8_graph,
                                                     const std::vector<std::string>& names);

// `fp32_graph`: the optimised FP32 graph (after converter/passes, before quantize_graph);
// `int8_graph` and `quant`: quantize_graph's result. Errors name the tensor or the batch.
Result<Comparison> compare_int8_with_fp32(const converter::ir::Graph& fp32_graph,
                                          const converter::ir::Graph& int8_graph, const converter::QuantMap& quant,
                                          const std::vector<calibrate::CalibrationInput>& data, int threads = 0);

}  // namespace saturn::report
