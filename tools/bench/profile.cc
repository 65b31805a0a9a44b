#include "tools/bench/profile.h"

#include <algorithm>
#include <cstdio>

#include "tools/bench/stats.h"

namespace saturn::bench {

Profile build_profile(const std::vector<StepInfo>& steps, const std::vector<std::vector<int64_t>>& step_nanos,
                      const std::vector<int64_t>& wall_nanos) {
  Profile p;
  ProfileSummary& s = p.summary;
  // The iterations with a time for every step and a positive wall time.
  std::vector<size_t> valid;
  for (size_t i = 0; i < step_nanos.size() && i < wall_nanos.size(); ++i) {
    if (step_nanos[i].size() == steps.size() && wall_nanos[i] > 0) valid.push_back(i);
  }
  std::vector<double> times, coverage, walls;
  for (size_t i : valid) {
    int64_t sum = 0;
    for (int64_t ns : step_nanos[i]) sum += ns;
    coverage.push_back(static_cast<double>(sum) / static_cast<double>(wall_nanos[i]));
    walls.push_back(static_cast<double>(wall_nanos[i]) / 1e6);
  }
  s.coverage = percentile(coverage, 50);
  s.wall_ms = percentile(walls, 50);
  for (size_t k = 0; k < steps.size(); ++k) {
    times.clear();
    for (size_t i : valid) times.push_back(static_cast<double>(step_nanos[i][k]) / 1e6);
    ProfileRow row;
    row.index = k;
    row.name = steps[k].name;
    row.op = steps[k].op;
    row.impl = steps[k].impl;
    row.dtype = steps[k].dtype;
    row.macs = steps[k].macs;
    row.median_ms = percentile(times, 50);
    if (row.macs > 0 && row.median_ms > 0) row.gmacs = static_cast<double>(row.macs) / (row.median_ms * 1e6);
    s.step_sum_ms += row.median_ms;
    s.total_macs += row.macs;
    if (is_int8(row.dtype)) s.int8_macs += row.macs;
    if (row.op == "Reorder") s.reorders.push_back(k), s.reorder_ms += row.median_ms;
    if (row.op == "Quantize" || row.op == "Dequantize") s.qdq.push_back(k), s.qdq_ms += row.median_ms;
    if (row.impl.rfind("ref", 0) == 0) ++s.ref_steps;
    p.rows.push_back(std::move(row));
  }
  for (ProfileRow& row : p.rows) row.share = s.step_sum_ms > 0 ? row.median_ms / s.step_sum_ms : 0;
  if (s.total_macs > 0) s.int8_mac_share = static_cast<double>(s.int8_macs) / static_cast<double>(s.total_macs);
  std::vector<size_t> order(p.rows.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return p.rows[a].median_ms > p.rows[b].median_ms; });
  order.resize(std::min<size_t>(order.size(), 10));
  s.top = order;
  return p;
}

namespace {

std::string row_line(const ProfileRow& r) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%5zu  %-14s %9.4f %6.2f%% %8.1f  %-4s %-28s %s", r.index, r.op.c_str(), r.median_ms,
                100.0 * r.share, r.gmacs, dtype_name(r.dtype), r.impl.empty() ? "-" : r.impl.c_str(), r.name.c_str());
  return buf;
}

constexpr const char* kHeader = "  idx  op              median ms  share   GMAC/s  type impl                         name";

void print_list(std::ostream& out, const Profile& p, const std::vector<size_t>& rows) {
  for (size_t k : rows) out << row_line(p.rows[k]) << "\n";
}

}  // namespace

void print_profile(std::ostream& out, const Profile& p, const std::string& isa) {
  const ProfileSummary& s = p.summary;
  char buf[512];
  out << "per-step profile (" << p.rows.size() << " steps, median over the timed iterations):\n" << kHeader << "\n";
  for (const ProfileRow& r : p.rows) out << row_line(r) << "\n";

  std::snprintf(buf, sizeof buf, "reorders: %zu steps, %.4f ms (%.2f%% of step time)\n", s.reorders.size(), s.reorder_ms,
                s.step_sum_ms > 0 ? 100.0 * s.reorder_ms / s.step_sum_ms : 0.0);
  out << "\n" << buf;
  if (!s.reorders.empty()) out << kHeader << "\n";
  print_list(out, p, s.reorders);
  std::snprintf(buf, sizeof buf, "quantize/dequantize: %zu steps, %.4f ms (%.2f%% of step time)\n", s.qdq.size(), s.qdq_ms,
                s.step_sum_ms > 0 ? 100.0 * s.qdq_ms / s.step_sum_ms : 0.0);
  out << buf;
  if (!s.qdq.empty()) out << kHeader << "\n";
  print_list(out, p, s.qdq);
  std::snprintf(buf, sizeof buf, "MACs in INT8: %.2f%% (%.3f of %.3f GMAC)\n", 100.0 * s.int8_mac_share,
                static_cast<double>(s.int8_macs) / 1e9, static_cast<double>(s.total_macs) / 1e9);
  out << buf;
  std::snprintf(buf, sizeof buf,
                "step times cover %.2f%% of run() wall time (median per iteration; sum of step medians %.4f ms, "
                "median run %.4f ms; issue 4 asks for >= 97%%)\n",
                100.0 * s.coverage, s.step_sum_ms, s.wall_ms);
  out << buf;
  out << "steps on oneDNN reference (\"ref\") kernels: " << s.ref_steps << "\n";
  out << "top " << s.top.size() << " steps by time:\n" << kHeader << "\n";
  print_list(out, p, s.top);
  out << "oneDNN ISA: " << isa << "\n";
}

}  // namespace saturn::bench
