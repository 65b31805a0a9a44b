#include "tools/bench/model_runner.h"

#include <chrono>

namespace saturn::bench {

Result<std::unique_ptr<ModelRunner>> ModelRunner::open(const std::string& path, int threads) {
  std::unique_ptr<ModelRunner> r(new ModelRunner());
  r->path_ = path;
  const auto start = std::chrono::steady_clock::now();
  auto model = Model::load(path);
  if (!model) return model.status();
  SessionOptions options;
  options.threads = threads;
  auto session = Session::create(*model, options);
  if (!session) return session.status().with_context("creating a session for '" + path + "'");
  r->load_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  r->model_ = std::move(*model);
  r->session_ = std::move(*session);

  for (const TensorInfo& info : r->session_->inputs()) {
    std::vector<uint64_t> storage((info.bytes() + 7) / 8 + 1, 0);
    if (info.dtype == DType::kF32) {
      float* f = reinterpret_cast<float*>(storage.data());
      const size_t n = info.bytes() / sizeof(float);
      for (size_t i = 0; i < n; ++i) {
        const uint32_t h = static_cast<uint32_t>(i) * 2654435761u;
        f[i] = static_cast<float>((h >> 16) & 255u) / 127.5f - 1.f;
      }
    }
    r->input_storage_.push_back(std::move(storage));
  }
  for (const TensorInfo& info : r->session_->outputs()) r->output_storage_.emplace_back((info.bytes() + 7) / 8 + 1, 0);
  for (auto& s : r->input_storage_) r->input_ptrs_.push_back(s.data());
  for (auto& s : r->output_storage_) r->output_ptrs_.push_back(s.data());
  return r;
}

int64_t ModelRunner::batch() const {
  const auto& inputs = session_->inputs();
  if (inputs.empty() || inputs[0].dims.empty()) return 1;
  return inputs[0].dims[0];
}

Result<int64_t> ModelRunner::run_once(std::vector<int64_t>* step_nanos) {
  const auto start = std::chrono::steady_clock::now();
  Status st = step_nanos != nullptr ? session_->run_profiled(input_ptrs_, output_ptrs_, *step_nanos)
                                    : session_->run(input_ptrs_, output_ptrs_);
  const auto end = std::chrono::steady_clock::now();
  if (!st) return st.with_context("running '" + path_ + "'");
  return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
}

}  // namespace saturn::bench
