// Calibration runs (DESIGN section 1): the FP32 model runs in the Saturn runtime over the
// calibration set, and every float runtime tensor is observed into an AbsHistogram.
//
// How: a copy of the (already optimised) IR graph in which every float runtime tensor that a node
// produces is also a graph output is written as an FP32 .saturn model, loaded with
// Model::from_bytes and run batch by batch in one Session. Tensor names are the IR's (ONNX) names.
// Graph inputs are observed from the calibration data itself.
//
// Batching: each input's data has dims (N, d1, ...) where (d1, ...) equals the input's dims after
// the first, and every input has the same N. Samples run in batches of the model's batch size B =
// dims[0] of the inputs (which must agree). N must be a multiple of B: a partial last batch is an
// error (not dropped), so that the histograms always cover the whole set and do not depend on B.
// Errors: NaN or Inf in the data or in any tensor names the tensor (and its producing node) and the
// batch.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "converter/calibrate/histogram.h"
#include "converter/ir/graph.h"
#include "saturn/status.h"

namespace saturn::calibrate {

// The calibration samples of one graph input: dims (N, ...) row-major.
struct CalibrationInput {
  std::string name;
  std::vector<int64_t> dims;
  std::vector<float> values;
};

struct CollectOptions {
  int threads = 0;  // Session threads; 0 = default
  // Called after every batch with (batches done, batches in all); may be empty.
  std::function<void(int64_t, int64_t)> progress;
};

// Histograms (with min and max) of every float runtime tensor of `graph`, by name.
Result<std::map<std::string, AbsHistogram>> collect_histograms(const converter::ir::Graph& graph,
                                                               const std::vector<CalibrationInput>& data,
                                                               const CollectOptions& options);

// The graph with every float runtime tensor produced by a node added to its outputs (the model the
// calibration runs). Exposed for tests.
converter::ir::Graph observation_graph(const converter::ir::Graph& graph);

}  // namespace saturn::calibrate
