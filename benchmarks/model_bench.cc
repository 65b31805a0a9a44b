// Whole-model latency: one Google Benchmark per Saturn model, batch 1.
//
//   SATURN_BENCH_MODELS=a.saturn:b.saturn SATURN_BENCH_THREADS=2 saturn_benchmarks --benchmark_filter=Model
//
// Inputs are filled with a fixed pseudo-random pattern; the time is Session::run() alone.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "saturn/session.h"

namespace {

void run_model(benchmark::State& state, const std::string& path, int threads) {
  auto model = saturn::Model::load(path);
  if (!model) {
    state.SkipWithError(model.status().message().c_str());
    return;
  }
  auto session = saturn::Session::create(*model, saturn::SessionOptions{threads});
  if (!session) {
    state.SkipWithError(session.status().message().c_str());
    return;
  }
  auto& s = **session;
  std::vector<std::vector<uint8_t>> in_bytes, out_bytes;
  std::vector<const void*> in_ptrs;
  std::vector<void*> out_ptrs;
  for (const auto& info : s.inputs()) {
    auto& bytes = in_bytes.emplace_back(info.bytes());
    if (info.dtype == saturn::DType::kF32) {
      auto* f = reinterpret_cast<float*>(bytes.data());
      for (size_t i = 0; i < bytes.size() / 4; ++i) f[i] = static_cast<float>((i * 7919) % 255) / 255.f - 0.5f;
    }
    in_ptrs.push_back(bytes.data());
  }
  for (const auto& info : s.outputs()) out_ptrs.push_back(out_bytes.emplace_back(info.bytes()).data());
  for (auto _ : state) {
    if (auto st = s.run(in_ptrs, out_ptrs); !st) {
      state.SkipWithError(st.message().c_str());
      return;
    }
  }
  int64_t macs = 0;
  for (const auto& step : s.steps()) macs += step.macs;
  state.counters["GMAC/s"] =
      benchmark::Counter(static_cast<double>(macs) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

int register_models() {
  const char* list = std::getenv("SATURN_BENCH_MODELS");
  const char* threads_env = std::getenv("SATURN_BENCH_THREADS");
  const int threads = threads_env ? std::atoi(threads_env) : 2;
  if (list == nullptr) return 0;
  std::stringstream ss(list);
  std::string path;
  while (std::getline(ss, path, ':')) {
    if (path.empty()) continue;
    const std::string name = "Model/" + path.substr(path.find_last_of('/') + 1);
    benchmark::RegisterBenchmark(name.c_str(), run_model, path, threads)->Unit(benchmark::kMillisecond)->UseRealTime();
  }
  return 0;
}

const int kRegistered = register_models();

}  // namespace
