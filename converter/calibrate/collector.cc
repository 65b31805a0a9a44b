#include "converter/calibrate/collector.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "converter/shape_rules.h"
#include "converter/writer.h"
#include "saturn/model.h"
#include "saturn/session.h"

namespace saturn::calibrate {

using converter::ir::ElemType;
using converter::ir::Graph;

Graph observation_graph(const Graph& graph) {
  Graph g = graph;
  std::set<std::string> outputs(g.outputs.begin(), g.outputs.end());
  for (const auto& n : g.nodes)
    for (const auto& o : n.outputs) {
      const auto* t = g.find(o);
      if (o.empty() || !t || t->is_constant() || t->dtype != ElemType::kFloat) continue;
      if (outputs.insert(o).second) g.outputs.push_back(o);
    }
  return g;
}

namespace {

std::string batch_label(int64_t b, int64_t batch) {
  return "calibration batch " + std::to_string(b) + " (samples " + std::to_string(b * batch) + ".." +
         std::to_string((b + 1) * batch - 1) + ")";
}

}  // namespace

Result<std::map<std::string, AbsHistogram>> collect_histograms(const Graph& graph,
                                                               const std::vector<CalibrationInput>& data,
                                                               const CollectOptions& options) {
  using converter::dims_to_string;
  // Match the data to the graph inputs.
  std::vector<const CalibrationInput*> feed;
  int64_t samples = -1, batch = -1;
  for (const auto& name : graph.inputs) {
    const auto* t = graph.find(name);
    auto it = std::find_if(data.begin(), data.end(), [&](const CalibrationInput& d) { return d.name == name; });
    if (it == data.end()) return Status::error("calibration: no data for graph input '" + name + "'");
    if (!t || !t->is_static() || t->dims.empty())
      return Status::error("calibration: graph input '" + name + "' needs static dims with a batch dim");
    const std::vector<int64_t> sample(t->dims.begin() + 1, t->dims.end());
    if (it->dims.size() != t->dims.size() || !std::equal(sample.begin(), sample.end(), it->dims.begin() + 1))
      return Status::error("calibration: data for input '" + name + "' has dims " + dims_to_string(it->dims) +
                           ", expected (N, " + dims_to_string(sample).substr(1));
    int64_t count = 1;
    for (int64_t d : it->dims) count *= d;
    if (static_cast<int64_t>(it->values.size()) != count)
      return Status::error("calibration: data for input '" + name + "' has " + std::to_string(it->values.size()) +
                           " values, its dims " + dims_to_string(it->dims) + " need " + std::to_string(count));
    if (samples >= 0 && it->dims[0] != samples)
      return Status::error("calibration: input '" + name + "' has " + std::to_string(it->dims[0]) +
                           " samples, another input has " + std::to_string(samples));
    if (batch >= 0 && t->dims[0] != batch)
      return Status::error("calibration: graph inputs disagree on the batch size (" + std::to_string(batch) +
                           " vs " + std::to_string(t->dims[0]) + " for '" + name + "')");
    samples = it->dims[0];
    batch = t->dims[0];
    feed.push_back(&*it);
  }
  for (const auto& d : data)
    if (std::find(graph.inputs.begin(), graph.inputs.end(), d.name) == graph.inputs.end())
      return Status::error("calibration: data given for '" + d.name + "', which is not a graph input");
  if (feed.empty()) return Status::error("calibration: the model has no graph inputs");
  if (samples <= 0) return Status::error("calibration: the calibration set is empty");
  if (samples % batch != 0)
    return Status::error("calibration: " + std::to_string(samples) + " samples is not a multiple of the model's batch size " +
                         std::to_string(batch) + "; give a multiple of " + std::to_string(batch) +
                         " samples (a partial last batch is not dropped), or fix the batch dim with --input-shape");

  const Graph observed = observation_graph(graph);
  Result<std::vector<uint8_t>> bytes = converter::write_saturn_model(observed, "");
  if (!bytes) return bytes.status().with_context("calibration: writing the observation model");
  Result<std::shared_ptr<const Model>> model = Model::from_bytes(bytes.value(), "<calibration model>");
  if (!model) return model.status().with_context("calibration");
  SessionOptions so;
  so.threads = options.threads;
  Result<std::unique_ptr<Session>> session = Session::create(model.value(), so);
  if (!session) return session.status().with_context("calibration");
  Session& s = *session.value();

  std::map<std::string, std::string> producer;
  for (const auto& n : graph.nodes)
    for (const auto& o : n.outputs) producer[o] = "node '" + n.name + "' (" + n.op_type + ")";

  std::map<std::string, AbsHistogram> hist;
  std::vector<std::vector<float>> out_buffers;
  std::vector<void*> out_ptrs;
  for (const auto& info : s.outputs()) {
    out_buffers.emplace_back(info.bytes() / sizeof(float));
    out_ptrs.push_back(out_buffers.back().data());
    hist.try_emplace(info.name);
  }
  std::vector<const void*> in_ptrs(s.inputs().size());
  std::vector<size_t> feed_of(s.inputs().size());
  for (size_t i = 0; i < s.inputs().size(); ++i) {
    for (size_t f = 0; f < feed.size(); ++f)
      if (feed[f]->name == s.inputs()[i].name) feed_of[i] = f;
    hist.try_emplace(s.inputs()[i].name);
  }

  const int64_t batches = samples / batch;
  for (int64_t b = 0; b < batches; ++b) {
    for (size_t i = 0; i < in_ptrs.size(); ++i) {
      const CalibrationInput& d = *feed[feed_of[i]];
      const size_t per_batch = d.values.size() / static_cast<size_t>(batches);
      const float* begin = d.values.data() + per_batch * static_cast<size_t>(b);
      in_ptrs[i] = begin;
      if (!hist[d.name].observe({begin, per_batch}))
        return Status::error(batch_label(b, batch) + ": graph input '" + d.name + "' holds NaN or Inf");
    }
    Status st = s.run(in_ptrs, out_ptrs);
    if (!st) return st.with_context("calibration: " + batch_label(b, batch));
    for (size_t o = 0; o < out_buffers.size(); ++o) {
      const std::string& name = s.outputs()[o].name;
      if (std::find(graph.inputs.begin(), graph.inputs.end(), name) != graph.inputs.end()) continue;  // seen above
      if (!hist[name].observe(out_buffers[o]))
        return Status::error(batch_label(b, batch) + ": tensor '" + name + "' (produced by " + producer[name] +
                             ") holds NaN or Inf");
    }
    if (options.progress) options.progress(b + 1, batches);
  }
  return hist;
}

}  // namespace saturn::calibrate
