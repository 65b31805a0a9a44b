// saturn-bench --profile: the per-step table and its summary, built from Session::run_profiled()
// timings over the timed iterations.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "saturn/session.h"

namespace saturn::bench {

struct ProfileRow {
  size_t index = 0;  // position in Session::steps()
  std::string name, op, impl;
  DType dtype = DType::kF32;
  int64_t macs = 0;
  double median_ms = 0;  // median over the iterations of this step's wall time
  double share = 0;      // median_ms / the sum of all steps' median_ms, in [0, 1]
  double gmacs = 0;      // macs / median time, in 10^9 MAC/s; 0 when macs is 0
};

struct ProfileSummary {
  std::vector<size_t> reorders;  // rows with op "Reorder"
  std::vector<size_t> qdq;       // rows with op "Quantize" or "Dequantize"
  double reorder_ms = 0, qdq_ms = 0;  // sums of their median_ms
  int64_t total_macs = 0, int8_macs = 0;  // int8: rows whose dtype is U8 or S8
  double int8_mac_share = 0;              // int8_macs / total_macs (0 without MACs)
  double step_sum_ms = 0;                 // sum of every row's median_ms
  double wall_ms = 0;                     // median wall time of a whole run_profiled() call
  // The median over iterations of (sum of that iteration's step times / its run wall time), in
  // [0, 1] in practice: how much of run() the per-step timers account for.
  double coverage = 0;
  std::vector<size_t> top;  // up to 10 row indices, slowest first
  size_t ref_steps = 0;     // rows whose impl starts with "ref" (oneDNN's reference kernels)
};

struct Profile {
  std::vector<ProfileRow> rows;  // steps() order
  ProfileSummary summary;
};

// `step_nanos[i]` holds iteration i's run_profiled() step times (steps.size() values) and
// `wall_nanos[i]` the wall time of that whole call. Iterations whose step count differs from
// steps.size() are ignored.
Profile build_profile(const std::vector<StepInfo>& steps, const std::vector<std::vector<int64_t>>& step_nanos,
                      const std::vector<int64_t>& wall_nanos);

// The table (one line per step), then the summary: reorders, quantize/dequantize steps, the INT8
// MAC share, the coverage, the top 10 and the ISA `isa`.
void print_profile(std::ostream& out, const Profile& profile, const std::string& isa);

}  // namespace saturn::bench
