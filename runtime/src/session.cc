#include "saturn/session.h"

#include <omp.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <utility>

#include "runtime/src/session_impl.h"

namespace saturn {
namespace {

// True when any two of the caller's buffers (inputs, then outputs; `infos` give their sizes) share
// a byte: then no output may be written before the last step has run. Allocates nothing.
bool buffers_overlap(std::span<const void* const> inputs, const std::vector<TensorInfo>& input_infos,
                     std::span<void* const> outputs, const std::vector<TensorInfo>& output_infos) {
  const size_t n = inputs.size() + outputs.size();
  const auto range = [&](size_t k) {
    const bool in = k < inputs.size();
    const auto begin = reinterpret_cast<uintptr_t>(in ? inputs[k] : outputs[k - inputs.size()]);
    return std::make_pair(begin, begin + (in ? input_infos[k] : output_infos[k - inputs.size()]).bytes());
  };
  for (size_t a = 0; a < n; ++a)
    for (size_t b = a + 1; b < n; ++b) {
      const auto [a_begin, a_end] = range(a);
      const auto [b_begin, b_end] = range(b);
      if (a_begin < b_end && b_begin < a_end) return true;
    }
  return false;
}

}  // namespace

size_t TensorInfo::bytes() const {
  size_t n = dtype_size(dtype);
  for (int64_t d : dims) n *= static_cast<size_t>(d);
  return n;
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::create(std::shared_ptr<const Model> model, const SessionOptions& options) {
  if (model == nullptr) return Status::error("Session::create: model is null");
  try {
    Result<std::unique_ptr<Impl>> impl = Impl::build(std::move(model), options);
    if (!impl.is_ok()) return impl.status();
    return std::unique_ptr<Session>(new Session(std::move(impl).value()));
  } catch (const std::exception& e) {
    // Kernels report failures as Status; this only keeps an unexpected exception from crossing the API.
    return Status::error(std::string("Session::create: unexpected exception: ") + e.what());
  }
}

const std::vector<TensorInfo>& Session::inputs() const { return impl_->inputs_; }
const std::vector<TensorInfo>& Session::outputs() const { return impl_->outputs_; }
const std::vector<StepInfo>& Session::steps() const { return impl_->step_infos_; }
size_t Session::arena_bytes() const { return impl_->arena_bytes_; }
size_t Session::arena_lower_bound() const { return impl_->arena_lower_bound_; }

Status Session::run(std::span<const void* const> inputs, std::span<void* const> outputs) {
  return impl_->run(inputs, outputs, nullptr);
}

Status Session::run_profiled(std::span<const void* const> inputs, std::span<void* const> outputs,
                             std::vector<int64_t>& step_nanos) {
  return impl_->run(inputs, outputs, &step_nanos);
}

Status Session::Impl::run(std::span<const void* const> inputs, std::span<void* const> outputs,
                          std::vector<int64_t>* step_nanos) {
  if (inputs.size() != inputs_.size()) {
    return Status::error("run: expected " + std::to_string(inputs_.size()) + " inputs, got " +
                         std::to_string(inputs.size()));
  }
  if (outputs.size() != outputs_.size()) {
    return Status::error("run: expected " + std::to_string(outputs_.size()) + " outputs, got " +
                         std::to_string(outputs.size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i] == nullptr) return Status::error("run: input " + std::to_string(i) + " '" + inputs_[i].name + "' is null");
  for (size_t i = 0; i < outputs.size(); ++i)
    if (outputs[i] == nullptr) return Status::error("run: output " + std::to_string(i) + " '" + outputs_[i].name + "' is null");
  if (options_.threads > 0) omp_set_num_threads(options_.threads);
  const int threads = omp_get_max_threads();
  if (step_nanos != nullptr) step_nanos->assign(steps_.size(), 0);

  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = values_[input_values_[i]];
    if (v.caller_input == -1) std::memcpy(v.data, inputs[i], inputs_[i].bytes());
  }
  const bool outputs_in_place = !buffers_overlap(inputs, inputs_, outputs, outputs_);
  for (const CallerSlot& c : caller_slots_) {
    StepRunContext& rc = steps_[c.step].run_ctx;
    if (!c.graph_output) {
      rc.inputs_[c.slot] = inputs[c.index];
      continue;
    }
    void* p = outputs_in_place ? outputs[c.index] : c.arena;
    if (c.step_input) {
      rc.inputs_[c.slot] = p;
    } else {
      rc.outputs_[c.slot] = p;
    }
  }
  try {
    int current = threads;
    for (size_t s = 0; s < steps_.size(); ++s) {
      Step& step = steps_[s];
      const int wanted = step.single_thread ? 1 : threads;
      if (wanted != current) omp_set_num_threads(current = wanted);
      if (step_nanos == nullptr) {
        step.kernel->run(step.run_ctx);
        continue;
      }
      const auto start = std::chrono::steady_clock::now();
      step.kernel->run(step.run_ctx);
      stream_.wait();
      (*step_nanos)[s] = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    }
    stream_.wait();
    if (current != threads) omp_set_num_threads(threads);
  } catch (const std::exception& e) {
    omp_set_num_threads(threads);
    // Kernels do not fail in run(); this only keeps an unexpected exception from crossing the API.
    return Status::error(std::string("run: unexpected exception: ") + e.what());
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const OutputSource& src = output_sources_[i];
    if (outputs_in_place && src.value != -1 && values_[src.value].caller_output == static_cast<int>(i))
      continue;
    const void* from = src.constant != nullptr ? src.constant : values_[src.value].data;
    std::memcpy(outputs[i], from, outputs_[i].bytes());
  }
  return Status::ok();
}

}  // namespace saturn
