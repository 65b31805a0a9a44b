// The logic of saturn-run: bind .npy arrays to a session's inputs, run them in batches of the
// model's batch size, and collect the outputs.
//
// Batching: a model has fixed dims. An input array whose first dim is k times the model input's
// first dim (all other dims equal) is split into k consecutive batches along dim 0; every input
// must give the same k. The session runs k times and each output is the concatenation of the k
// results along dim 0 (so its first dim becomes k times the model's).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "saturn/session.h"
#include "saturn/status.h"
#include "tools/common/npy.h"

namespace saturn::tools {

// A user-given input: name (empty = "the only input of a single-input model") and its array.
struct NamedInput {
  std::string name;
  npy::Array array;
};

struct BoundInputs {
  std::vector<const npy::Array*> arrays;  // in model input order; point into the given inputs
  int64_t batches = 1;                    // k
};

// Matches `given` to `model_inputs` by name and checks dtype and dims. Errors name the input and
// say what was expected and what was found. `given` must outlive the result.
Result<BoundInputs> bind_inputs(const std::vector<TensorInfo>& model_inputs, const std::vector<NamedInput>& given);

// Runs the session bound.batches times and returns its outputs (in session output order, in their
// own dtypes) concatenated along dim 0. *batch_nanos, if given, receives the wall time of each
// run() call in nanoseconds.
Result<std::vector<npy::Array>> run_batches(Session& session, const BoundInputs& bound,
                                            std::vector<int64_t>* batch_nanos = nullptr);

// The file name for a tensor name: '/' and ':' become '_', then ".npy" is appended.
std::string output_file_name(const std::string& tensor_name);

}  // namespace saturn::tools
