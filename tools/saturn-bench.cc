// saturn-bench: latency, throughput, memory and a per-step profile of .saturn models.
//
//   saturn-bench A.saturn [--vs B.saturn] [--threads N] [--batch B] [--warmup W]
//                [--iters K | --min-time S] [--profile] [--json OUT]
//
// With --vs, A and B run interleaved (A B A B ...) so that drift on a shared machine hits both.
// Exit codes: 0 ok, 1 error (message on stderr), 2 usage error or a --batch the model was not
// converted for.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "ops/conv_int8.h"
#include "tools/bench/cpu_isa.h"
#include "tools/bench/model_runner.h"
#include "tools/bench/profile.h"
#include "tools/bench/progress.h"
#include "tools/bench/report.h"
#include "tools/bench/rss.h"
#include "tools/bench/stats.h"
#include "tools/common/npy.h"

namespace {

using namespace saturn;
using namespace saturn::bench;

constexpr const char* kUsage =
    "usage: saturn-bench A.saturn [--vs B.saturn] [--threads N] [--batch B] [--warmup W]\n"
    "                    [--iters K | --min-time S] [--profile] [--json OUT]\n"
    "  Times Session::run() on inputs filled with a fixed pattern and reports p50/p90/p99 latency,\n"
    "  throughput (batch / p50), load+prepare time, arena bytes and peak RSS.\n"
    "  --vs B        also run B, interleaved with A (A B A B ...), and print median(B) / median(A)\n"
    "  --threads N   oneDNN/OpenMP threads (default: the process default)\n"
    "  --batch B     check that the model was converted for batch B (shapes are fixed)\n"
    "  --warmup W    untimed runs per model first (default 5)\n"
    "  --iters K     timed runs per model; --min-time S: run for at least S seconds (default 2)\n"
    "  --profile     time every step (run_profiled) and print the per-step table and summary\n"
    "  --json OUT    write every figure to OUT as JSON\n";

int usage(const std::string& message) {
  std::cerr << "saturn-bench: " << message << "\n" << kUsage;
  return 2;
}

int fail(const std::string& message) {
  std::cerr << "saturn-bench: error: " << message << "\n";
  return 1;
}

struct Args {
  std::vector<std::string> models;  // A, then B with --vs
  int threads = 0;
  int64_t batch = 0;  // 0: the model's own
  int warmup = 5;
  int iters = 0;          // 0: time-based
  double min_time = 0;    // seconds; 0 with iters 0 means the default 2 s
  bool profile = false;
  std::string json;
};

bool parse_int(const std::string& v, long lo, long hi, long* out) {
  char* end = nullptr;
  errno = 0;
  long n = std::strtol(v.c_str(), &end, 10);
  if (end == v.c_str() || *end != '\0' || errno != 0 || n < lo || n > hi) return false;
  *out = n;
  return true;
}

// Returns "" on success, "help", or the usage error.
std::string parse_args(int argc, char** argv, Args& args) {
  std::string a_model, vs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    std::string v;
    auto value = [&]() -> bool {
      if (i + 1 >= argc) return false;
      v = argv[++i];
      return true;
    };
    long n = 0;
    if (a == "-h" || a == "--help") return "help";
    if (a == "--vs") {
      if (!value() || v.empty()) return "--vs needs a model file";
      if (!vs.empty()) return "--vs given twice";
      vs = v;
    } else if (a == "--threads") {
      if (!value() || !parse_int(v, 0, 4096, &n)) return "--threads needs a count (0..4096)";
      args.threads = static_cast<int>(n);
    } else if (a == "--batch") {
      if (!value() || !parse_int(v, 1, 1L << 30, &n)) return "--batch needs a positive count";
      args.batch = n;
    } else if (a == "--warmup") {
      if (!value() || !parse_int(v, 0, 1000000, &n)) return "--warmup needs a count (0..1000000)";
      args.warmup = static_cast<int>(n);
    } else if (a == "--iters") {
      if (!value() || !parse_int(v, 1, 100000000, &n)) return "--iters needs a positive count";
      args.iters = static_cast<int>(n);
    } else if (a == "--min-time") {
      char* end = nullptr;
      if (!value()) return "--min-time needs seconds";
      double s = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || !(s > 0) || s > 1e6) return "--min-time '" + v + "' is not a positive number of seconds";
      args.min_time = s;
    } else if (a == "--profile") {
      args.profile = true;
    } else if (a == "--json") {
      if (!value() || v.empty()) return "--json needs a file name";
      args.json = v;
    } else if (!a.empty() && a[0] == '-') {
      return "unknown option '" + a + "'";
    } else if (a_model.empty()) {
      a_model = a;
    } else {
      return "unexpected argument '" + a + "'";
    }
  }
  if (a_model.empty()) return "no model given";
  if (args.iters > 0 && args.min_time > 0) return "give --iters or --min-time, not both";
  if (args.iters == 0 && args.min_time == 0) args.min_time = 2.0;
  args.models.push_back(a_model);
  if (!vs.empty()) args.models.push_back(vs);
  return "";
}

std::string mib(uint64_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f MiB (%llu bytes)", static_cast<double>(bytes) / (1024.0 * 1024.0),
                static_cast<unsigned long long>(bytes));
  return buf;
}

// The warning of ops/conv_int8.h for CPUs without VNNI, with the INT8 steps that fell back to
// oneDNN's reference kernels.
void warn_without_vnni(const ModelRunner& r, const char* label) {
  std::vector<const StepInfo*> slow;
  size_t int8_mac_steps = 0;
  for (const StepInfo& s : r.session().steps()) {
    if (!is_int8(s.dtype) || s.macs == 0) continue;
    ++int8_mac_steps;
    if (s.impl.rfind("ref", 0) == 0) slow.push_back(&s);
  }
  std::cerr << "saturn-bench: warning: " << label << " (" << r.path() << ") has INT8 steps, and this CPU has no VNNI"
            << " (oneDNN ISA " << cpu_isa_name() << "):\n"
            << "  u8 x s8 products can saturate at 16 bits here. Saturn therefore uses exact kernels only: oneDNN's\n"
            << "  fast ones where the weights allow it (saturn-convert --weight-range reduced, the default on such\n"
            << "  CPUs), else oneDNN's slow reference (\"ref\") ones. " << slow.size() << " of " << int8_mac_steps
            << " INT8 MAC steps run on a \"ref\" kernel" << (slow.empty() ? "." : ":") << "\n";
  for (size_t k = 0; k < slow.size() && k < 10; ++k)
    std::cerr << "    " << slow[k]->op << " '" << slow[k]->name << "' (" << slow[k]->impl << ")\n";
  if (slow.size() > 10) std::cerr << "    ... and " << slow.size() - 10 << " more\n";
}

void print_model(const ModelResult& m, const char* label) {
  std::printf("%s: %s\n", label, m.path.c_str());
  std::printf("  batch %lld, %zu steps (%zu with INT8 input), load+prepare %.2f ms, arena %s, peak RSS %s\n",
              static_cast<long long>(m.batch), m.steps, m.int8_steps, m.load_ms, mib(m.arena_bytes).c_str(),
              mib(m.peak_rss_bytes).c_str());
  std::printf("  latency over %zu runs: p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  (mean %.3f, min %.3f, max %.3f)\n",
              m.stats.count, m.stats.p50, m.stats.p90, m.stats.p99, m.stats.mean, m.stats.min, m.stats.max);
  std::printf("  throughput %.2f samples/s (batch / p50)\n", m.throughput);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  const std::string err = parse_args(argc, argv, args);
  if (err == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (!err.empty()) return usage(err);
  const char* labels[2] = {"A", "B"};

  Progress progress;
  std::vector<std::unique_ptr<ModelRunner>> runners;
  Report report;
  report.isa = cpu_isa_name();
  report.vnni = conv_int8::cpu_has_vnni();
  report.threads = args.threads;
  report.profiled = args.profile;
  std::vector<int64_t> nanos;
  // Load, check and warm each model in turn, so that A's peak RSS is A's alone (B's includes A).
  for (size_t m = 0; m < args.models.size(); ++m) {
    progress.update(labels[m], "loading " + args.models[m], true);
    auto runner = ModelRunner::open(args.models[m], args.threads);
    progress.finish();
    if (!runner) return fail(runner.status().message());
    ModelRunner& r = **runner;
    const auto& inputs = r.session().inputs();
    if (args.batch > 0 && args.batch != r.batch()) {
      const std::string dims =
          inputs.empty() ? "no inputs" : "first input '" + inputs[0].name + "' has dims " + npy::dims_string(inputs[0].dims);
      std::cerr << "saturn-bench: '" << r.path() << "' was converted for batch " << r.batch() << " (its " << dims
                << "); Saturn models have fixed shapes, so --batch " << args.batch
                << " needs a model converted for that batch (saturn-convert with the input shape fixed at batch "
                << args.batch << ")\n";
      return 2;
    }
    ModelResult res;
    res.path = r.path();
    res.batch = r.batch();
    res.load_ms = r.load_ms();
    res.arena_bytes = r.session().arena_bytes();
    res.steps = r.session().steps().size();
    for (const StepInfo& s : r.session().steps()) res.int8_steps += is_int8(s.dtype) ? 1 : 0;
    if (res.int8_steps > 0 && !report.vnni) warn_without_vnni(r, labels[m]);
    for (int w = 0; w < args.warmup; ++w) {
      progress.update(labels[m], "warmup " + std::to_string(w + 1) + "/" + std::to_string(args.warmup));
      auto t = r.run_once(args.profile ? &nanos : nullptr);
      if (!t) {
        progress.finish();
        return fail(t.status().message());
      }
    }
    progress.finish();
    res.peak_rss_bytes = peak_rss_bytes();
    report.models.push_back(std::move(res));
    runners.push_back(std::move(*runner));
  }

  // Timed runs, interleaved.
  const size_t count = runners.size();
  std::vector<std::vector<std::vector<int64_t>>> step_nanos(count);
  std::vector<std::vector<int64_t>> walls(count);
  const auto start = std::chrono::steady_clock::now();
  for (int it = 0;; ++it) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (args.iters > 0 ? it >= args.iters : (it > 0 && elapsed >= args.min_time)) break;
    char text[128];
    if (args.iters > 0) {
      std::snprintf(text, sizeof text, "run %d/%d", it + 1, args.iters);
    } else {
      std::snprintf(text, sizeof text, "run %d, %.1f/%.1f s", it + 1, elapsed, args.min_time);
    }
    progress.update(count == 2 ? "A B interleaved" : "A", text);
    for (size_t m = 0; m < count; ++m) {
      auto t = runners[m]->run_once(args.profile ? &nanos : nullptr);
      if (!t) {
        progress.finish();
        return fail(t.status().message());
      }
      walls[m].push_back(*t);
      report.models[m].samples_ms.push_back(static_cast<double>(*t) / 1e6);
      if (args.profile) step_nanos[m].push_back(nanos);
    }
  }
  progress.finish();

  std::printf("saturn-bench: threads %s, oneDNN ISA %s (VNNI %s), %d warmup + %zu timed runs per model%s\n",
              args.threads > 0 ? std::to_string(args.threads).c_str() : "default", report.isa.c_str(),
              report.vnni ? "yes" : "no", args.warmup, report.models[0].samples_ms.size(),
              count == 2 ? ", A and B interleaved (A B A B ...)" : "");
  if (args.profile) std::printf("  (--profile: every run is run_profiled(), so latencies include the per-step timers)\n");
  for (size_t m = 0; m < count; ++m) {
    ModelResult& res = report.models[m];
    res.stats = summarize(res.samples_ms);
    res.throughput = res.stats.p50 > 0 ? static_cast<double>(res.batch) * 1000.0 / res.stats.p50 : 0;
    if (args.profile) res.profile = build_profile(runners[m]->session().steps(), step_nanos[m], walls[m]);
    print_model(res, labels[m]);
  }
  if (count == 2) {
    std::printf("  (peak RSS is the process's: B's figure includes A, loaded first)\n");
    const RatioSpread r = ratio_spread(report.models[0].samples_ms, report.models[1].samples_ms);
    report.ratio = r;
    if (r.ratio >= 1) {
      std::printf("A is %.2f× faster than B", r.ratio);
    } else {
      std::printf("B is %.2f× faster than A", r.ratio > 0 ? 1.0 / r.ratio : 0.0);
    }
    std::printf(": median(B) / median(A) = %.3f; spread: p10–p90 of the %zu per-pair ratios B/A = %.3f–%.3f\n", r.ratio,
                r.pairs, r.p10, r.p90);
  }
  for (size_t m = 0; m < count; ++m) {
    if (!report.models[m].profile) continue;
    std::printf("\nprofile of %s (%s):\n", labels[m], report.models[m].path.c_str());
    std::fflush(stdout);
    print_profile(std::cout, *report.models[m].profile, report.isa);
    std::cout.flush();
  }
  if (!args.json.empty()) {
    std::ofstream out(args.json, std::ios::binary);
    out << report_json(report);
    out.close();
    if (!out) return fail("cannot write '" + args.json + "': " + std::strerror(errno));
    std::printf("wrote %s\n", args.json.c_str());
  }
  return 0;
}
