#include "tools/bench/report.h"

#include "tools/bench/json_writer.h"

namespace saturn::bench {
namespace {

void write_model(JsonWriter& w, const ModelResult& m) {
  w.begin_object();
  w.field("path", m.path);
  w.field("batch", m.batch);
  w.field("iterations", static_cast<uint64_t>(m.stats.count));
  w.field("p50_ms", m.stats.p50);
  w.field("p90_ms", m.stats.p90);
  w.field("p99_ms", m.stats.p99);
  w.field("mean_ms", m.stats.mean);
  w.field("min_ms", m.stats.min);
  w.field("max_ms", m.stats.max);
  w.field("throughput", m.throughput);
  w.field("load_ms", m.load_ms);
  w.field("arena_bytes", m.arena_bytes);
  w.field("peak_rss_bytes", m.peak_rss_bytes);
  w.field("steps", static_cast<uint64_t>(m.steps));
  w.field("int8_steps", static_cast<uint64_t>(m.int8_steps));
  w.key("samples_ms");
  w.begin_array();
  for (double s : m.samples_ms) w.value(s);
  w.end_array();
  w.end_object();
}

void write_summary(JsonWriter& w, size_t model, const ProfileSummary& s) {
  w.begin_object();
  w.field("model", static_cast<uint64_t>(model));
  w.field("reorder_steps", static_cast<uint64_t>(s.reorders.size()));
  w.field("reorder_ms", s.reorder_ms);
  w.field("qdq_steps", static_cast<uint64_t>(s.qdq.size()));
  w.field("qdq_ms", s.qdq_ms);
  w.field("int8_mac_share", s.int8_mac_share);
  w.field("total_macs", s.total_macs);
  w.field("coverage", s.coverage);
  w.field("step_sum_ms", s.step_sum_ms);
  w.field("wall_ms", s.wall_ms);
  w.field("ref_steps", static_cast<uint64_t>(s.ref_steps));
  w.key("top");
  w.begin_array();
  for (size_t k : s.top) w.value(static_cast<uint64_t>(k));
  w.end_array();
  w.end_object();
}

}  // namespace

std::string report_json(const Report& report) {
  JsonWriter w;
  w.begin_object();
  w.field("tool", "saturn-bench");
  w.field("isa", report.isa);
  w.field("vnni", report.vnni);
  w.field("threads", report.threads);
  w.field("profiled", report.profiled);
  w.key("models");
  w.begin_array();
  for (const ModelResult& m : report.models) write_model(w, m);
  w.end_array();
  w.key("ratio");
  if (report.ratio && report.models.size() == 2) {
    const RatioSpread& r = *report.ratio;
    w.begin_object();
    w.field("a", report.models[0].path);
    w.field("b", report.models[1].path);
    w.field("median_ratio", r.ratio);
    w.field("pair_p10", r.p10);
    w.field("pair_p90", r.p90);
    w.field("pairs", static_cast<uint64_t>(r.pairs));
    w.field("spread", "p10-p90 of per-pair ratios B/A");
    w.end_object();
  } else {
    w.null();
  }
  w.key("profile");
  w.begin_array();
  for (size_t m = 0; m < report.models.size(); ++m) {
    if (!report.models[m].profile) continue;
    for (const ProfileRow& r : report.models[m].profile->rows) {
      w.begin_object();
      w.field("model", static_cast<uint64_t>(m));
      w.field("index", static_cast<uint64_t>(r.index));
      w.field("name", r.name);
      w.field("op", r.op);
      w.field("impl", r.impl);
      w.field("dtype", dtype_name(r.dtype));
      w.field("macs", r.macs);
      w.field("median_ms", r.median_ms);
      w.field("share", r.share);
      w.field("gmacs", r.gmacs);
      w.end_object();
    }
  }
  w.end_array();
  w.key("profile_summary");
  w.begin_array();
  for (size_t m = 0; m < report.models.size(); ++m)
    if (report.models[m].profile) write_summary(w, m, report.models[m].profile->summary);
  w.end_array();
  w.end_object();
  return w.str() + "\n";
}

}  // namespace saturn::bench
