// One model under saturn-bench: loads it, creates its Session, owns input buffers filled with a
// fixed pattern and output buffers, and times single runs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "saturn/model.h"
#include "saturn/session.h"
#include "saturn/status.h"

namespace saturn::bench {

class ModelRunner {
 public:
  // Model::load(path) then Session::create with `threads` (0 = process default); load_ms() is
  // the wall time of both together. Errors carry the loader's or the session's message.
  static Result<std::unique_ptr<ModelRunner>> open(const std::string& path, int threads);

  const std::string& path() const { return path_; }
  double load_ms() const { return load_ms_; }
  Session& session() { return *session_; }
  const Session& session() const { return *session_; }
  // The model's batch: dims[0] of its first input; 1 when it has no inputs or a scalar first input.
  int64_t batch() const;

  // One run() (or run_profiled() when `step_nanos` is not null, filling it in steps() order);
  // returns its wall time in nanoseconds.
  Result<int64_t> run_once(std::vector<int64_t>* step_nanos);

 private:
  ModelRunner() = default;
  std::string path_;
  double load_ms_ = 0;
  std::shared_ptr<const Model> model_;
  std::unique_ptr<Session> session_;
  // 8-byte aligned storage. F32 inputs hold ((i * 2654435761) >> 16 & 255) / 127.5 - 1 for
  // element i (values in [-1, 1], the same on every run and machine); inputs of other types are 0.
  std::vector<std::vector<uint64_t>> input_storage_, output_storage_;
  std::vector<const void*> input_ptrs_;
  std::vector<void*> output_ptrs_;
};

}  // namespace saturn::bench
