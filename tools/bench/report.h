// saturn-bench's results and their JSON form (--json). The keys are meant for scripts
// (benchmarks/peers/): times in milliseconds, sizes in bytes, shares as fractions in [0, 1].
//
// {"tool":"saturn-bench","isa":..,"vnni":bool,"threads":N,"profiled":bool,
//  "models":[{"path":..,"batch":..,"iterations":..,"p50_ms":..,"p90_ms":..,"p99_ms":..,"mean_ms":..,
//             "min_ms":..,"max_ms":..,"throughput":samples/s (batch / p50),"load_ms":..,
//             "arena_bytes":..,"peak_rss_bytes":..,"steps":..,"int8_steps":..,"samples_ms":[...]}],
//  "ratio":{"a":path,"b":path,"median_ratio":median(B)/median(A),"pair_p10":..,"pair_p90":..,
//           "pairs":..,"spread":"p10-p90 of per-pair ratios B/A"}          (null without --vs)
//  "profile":[{"model":index into models,"index":..,"name":..,"op":..,"impl":..,"dtype":..,
//              "macs":..,"median_ms":..,"share":..,"gmacs":..}]            (empty without --profile)
//  "profile_summary":[{"model":..,"reorder_steps":..,"reorder_ms":..,"qdq_steps":..,"qdq_ms":..,
//              "int8_mac_share":..,"total_macs":..,"coverage":..,"step_sum_ms":..,"wall_ms":..,
//              "ref_steps":..,"top":[step indices]}]}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tools/bench/profile.h"
#include "tools/bench/stats.h"

namespace saturn::bench {

struct ModelResult {
  std::string path;
  int64_t batch = 1;
  LatencyStats stats;             // over samples_ms
  double throughput = 0;          // batch / p50, samples per second
  double load_ms = 0;             // Model::load + Session::create
  uint64_t arena_bytes = 0;
  uint64_t peak_rss_bytes = 0;    // process peak RSS after this model's warmup (see saturn-bench)
  size_t steps = 0, int8_steps = 0;
  std::vector<double> samples_ms;  // every timed iteration, in run order
  std::optional<Profile> profile;
};

struct Report {
  std::string isa;
  bool vnni = false;
  int threads = 0;
  bool profiled = false;
  std::vector<ModelResult> models;
  std::optional<RatioSpread> ratio;  // models[1] against models[0]
};

std::string report_json(const Report& report);

}  // namespace saturn::bench
