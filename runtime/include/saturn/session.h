// Session: runs one Model. Phases are explicit:
//   create()  shape inference, kernel prepare (oneDNN primitives, weight reorders), layout
//             assignment (NHWC between spatial ops, reorders as explicit steps) and one arena
//             planned by tensor lifetimes;
//   run()     runs every step, reading the inputs in place (the caller's buffers, never written)
//             and writing the outputs in place (through the arena and a copy when the caller's
//             buffers overlap). It allocates nothing and creates no oneDNN primitive.
// A Session belongs to one thread at a time; several sessions may share one Model.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "saturn/dtype.h"
#include "saturn/model.h"
#include "saturn/status.h"

namespace saturn {

struct SessionOptions {
  int threads = 0;  // oneDNN/OpenMP threads for run(); 0 = the process default
};

// A graph input or output as the API sees it: logical (ONNX) dims, row-major, dense.
struct TensorInfo {
  std::string name;
  std::vector<int64_t> dims;
  DType dtype = DType::kF32;
  size_t bytes() const;
};

// One executed step, for profiles and inspection.
struct StepInfo {
  std::string name;     // node name, or a generated name for an inserted reorder
  std::string op;       // "Conv", "Reorder", ...
  std::string impl;     // implementation, e.g. oneDNN's "brgconv:avx512_core" or "ref"
  DType dtype = DType::kF32;  // the type of the step's main input
  int64_t macs = 0;     // multiply-accumulates per run (0 when not meaningful)
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> create(std::shared_ptr<const Model> model,
                                                 const SessionOptions& options = {});
  ~Session();

  const std::vector<TensorInfo>& inputs() const;
  const std::vector<TensorInfo>& outputs() const;

  // inputs[i] points to inputs()[i].bytes() bytes laid out row-major in inputs()[i].dims (any
  // alignment; read in place during the call, never written); outputs[i] likewise receives
  // outputs()[i] (written during the call, no byte outside it). Buffers may overlap (even an output
  // with an input). The caller owns every buffer.
  Status run(std::span<const void* const> inputs, std::span<void* const> outputs);

  // Like run(), but records the wall time of every step in nanoseconds (steps() order).
  Status run_profiled(std::span<const void* const> inputs, std::span<void* const> outputs,
                      std::vector<int64_t>& step_nanos);

  const std::vector<StepInfo>& steps() const;
  size_t arena_bytes() const;        // planned arena size
  size_t arena_lower_bound() const;  // the largest total of tensors live at one step

  class Impl;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace saturn
