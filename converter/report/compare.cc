#include "converter/report/compare.h"

#include <algorithm>
#include <set>

#include "converter/writer.h"
#include "saturn/model.h"
#include "saturn/session.h"

namespace saturn::report {

using converter::QuantMap;
using converter::ir::ElemType;
using converter::ir::Graph;

std::vector<std::string> quantized_activations(const Graph& g, const QuantMap& quant) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& n : g.nodes)
    for (const auto& o : n.outputs) {
      const auto* t = g.find(o);
      if (o.empty() || !t || t->is_constant() || !quant.count(o)) continue;
      if (t->dtype != ElemType::kInt8 && t->dtype != ElemType::kUint8) continue;
      if (seen.insert(o).second) names.push_back(o);
    }
  return names;
}

std::map<std::string, std::string> fp32_counterparts(const Graph& fp32, const Graph& int8,
                                                     const std::vector<std::string>& names) {
  std::set<std::string> available(fp32.inputs.begin(), fp32.inputs.end());
  for (const auto& n : fp32.nodes)
    for (const auto& o : n.outputs) {
      const auto* t = fp32.find(o);
      if (!o.empty() && t && !t->is_constant() && t->dtype == ElemType::kFloat) available.insert(o);
    }
  std::map<std::string, std::string> quantize_input, dequantize_output;
  for (const auto& n : int8.nodes) {
    if (n.op_type == "Quantize" && !n.inputs.empty() && !n.outputs.empty()) quantize_input[n.outputs[0]] = n.inputs[0];
    if (n.op_type == "Dequantize" && !n.inputs.empty() && !n.outputs.empty())
      dequantize_output[n.inputs[0]] = n.outputs[0];
  }
  std::map<std::string, std::string> result;
  for (const auto& name : names) {
    if (available.count(name)) {
      result[name] = name;
    } else if (auto q = quantize_input.find(name); q != quantize_input.end() && available.count(q->second)) {
      result[name] = q->second;
    } else if (auto d = dequantize_output.find(name); d != dequantize_output.end() && available.count(d->second)) {
      result[name] = d->second;
    }
  }
  return result;
}

namespace {

Result<std::unique_ptr<Session>> open_session(const Graph& g, const QuantMap* quant, const std::string& label,
                                              int threads) {
  Result<std::vector<uint8_t>> bytes = converter::write_saturn_model(g, "", quant);
  if (!bytes) return bytes.status().with_context("report: writing the " + label);
  Result<std::shared_ptr<const Model>> model = Model::from_bytes(bytes.value(), "<report " + label + ">");
  if (!model) return model.status().with_context("report");
  SessionOptions so;
  so.threads = threads;
  Result<std::unique_ptr<Session>> s = Session::create(model.value(), so);
  if (!s) return s.status().with_context("report: " + label);
  return s;
}

// The output buffers of one session, one per output, sized in bytes.
struct Buffers {
  std::vector<std::vector<uint8_t>> data;
  std::vector<void*> ptrs;
  explicit Buffers(const Session& s) {
    for (const auto& info : s.outputs()) data.emplace_back(info.bytes());
    for (auto& d : data) ptrs.push_back(d.data());
  }
};

int64_t numel(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// Dequantizes an s8/u8 (or copies an f32) session output into `out`: real = alpha * q.
Status dequantize(const TensorInfo& info, const uint8_t* bytes, const converter::TensorQuant& q,
                  std::vector<float>& out) {
  const int64_t n = numel(info.dims);
  out.resize(static_cast<size_t>(n));
  if (info.dtype == DType::kF32) {
    std::copy_n(reinterpret_cast<const float*>(bytes), n, out.data());
    return Status::ok();
  }
  if (info.dtype != DType::kS8 && info.dtype != DType::kU8)
    return Status::error("report: tensor '" + info.name + "' has type " + dtype_name(info.dtype) + ", expected s8 or u8");
  int64_t channels = 1, inner = 1;
  if (q.axis >= 0 && q.scale.size() > 1) {
    if (q.axis >= static_cast<int>(info.dims.size()) || info.dims[q.axis] != static_cast<int64_t>(q.scale.size()))
      return Status::error("report: tensor '" + info.name + "' has " + std::to_string(q.scale.size()) +
                           " scales on axis " + std::to_string(q.axis) + ", which does not match its dims");
    channels = info.dims[q.axis];
    for (size_t a = q.axis + 1; a < info.dims.size(); ++a) inner *= info.dims[a];
  } else if (q.scale.empty()) {
    return Status::error("report: tensor '" + info.name + "' has no scale");
  }
  const bool s8 = info.dtype == DType::kS8;
  for (int64_t i = 0; i < n; ++i) {
    const float alpha = channels > 1 ? q.scale[(i / inner) % channels] : q.scale[0];
    const float v = s8 ? static_cast<float>(reinterpret_cast<const int8_t*>(bytes)[i]) : static_cast<float>(bytes[i]);
    out[i] = alpha * v;
  }
  return Status::ok();
}

std::string batch_label(int64_t b, int64_t batch) {
  return "report: batch " + std::to_string(b) + " (samples " + std::to_string(b * batch) + ".." +
         std::to_string((b + 1) * batch - 1) + ")";
}

}  // namespace

Result<Comparison> compare_int8_with_fp32(const Graph& fp32, const Graph& int8, const QuantMap& quant,
                                          const std::vector<calibrate::CalibrationInput>& data, int threads) {
  Comparison c;
  // Batching, as the collector does it (it has already checked the data's dims in detail).
  std::map<std::string, const calibrate::CalibrationInput*> feed;
  for (const auto& name : fp32.inputs) {
    const auto* t = fp32.find(name);
    auto it = std::find_if(data.begin(), data.end(), [&](const auto& d) { return d.name == name; });
    if (it == data.end()) return Status::error("report: no calibration data for graph input '" + name + "'");
    if (!t || !t->is_static() || t->dims.empty() || it->dims.empty() ||
        static_cast<int64_t>(it->values.size()) != numel(it->dims))
      return Status::error("report: graph input '" + name + "' needs static dims and matching (N, ...) data");
    if (c.samples > 0 && it->dims[0] != c.samples)
      return Status::error("report: graph inputs have different sample counts ('" + name + "')");
    c.samples = it->dims[0];
    c.batch = t->dims[0];
    feed[name] = &*it;
  }
  if (feed.empty() || c.samples <= 0 || c.batch <= 0 || c.samples % c.batch != 0)
    return Status::error("report: the calibration data must hold a positive multiple of the batch size of samples");

  const std::vector<std::string> names = quantized_activations(int8, quant);
  const std::map<std::string, std::string> counterpart = fp32_counterparts(fp32, int8, names);
  Graph observed_int8 = int8;
  for (const auto& [name, f] : counterpart)
    if (!observed_int8.is_graph_output(name)) observed_int8.outputs.push_back(name);

  Result<std::unique_ptr<Session>> ref = open_session(calibrate::observation_graph(fp32), nullptr, "FP32 observation model", threads);
  if (!ref) return ref.status();
  Result<std::unique_ptr<Session>> test = open_session(observed_int8, &quant, "INT8 observation model", threads);
  if (!test) return test.status();
  Session& rs = *ref.value();
  Session& ts = *test.value();

  std::map<std::string, size_t> ref_out, test_out;
  for (size_t i = 0; i < rs.outputs().size(); ++i) ref_out[rs.outputs()[i].name] = i;
  for (size_t i = 0; i < ts.outputs().size(); ++i) test_out[ts.outputs()[i].name] = i;
  for (const auto& [name, f] : counterpart) c.tensors[name].fp32_name = f;
  for (const auto& name : fp32.outputs) {
    if (!test_out.count(name) || !ref_out.count(name))
      return Status::error("report: graph output '" + name + "' is missing from the INT8 or the FP32 run");
    c.outputs.push_back({name, rs.outputs()[ref_out[name]].dims, {}, {}});
  }

  Buffers rb(rs), tb(ts);
  std::vector<const void*> rin(rs.inputs().size()), tin(ts.inputs().size());
  std::map<std::string, const float*> batch_input;
  std::vector<float> dequantized;
  const int64_t batches = c.samples / c.batch;
  for (int64_t b = 0; b < batches; ++b) {
    for (const auto& [name, d] : feed)
      batch_input[name] = d->values.data() + d->values.size() / static_cast<size_t>(batches) * static_cast<size_t>(b);
    for (size_t i = 0; i < rin.size(); ++i) rin[i] = batch_input.at(rs.inputs()[i].name);
    for (size_t i = 0; i < tin.size(); ++i) {
      auto it = batch_input.find(ts.inputs()[i].name);
      if (it == batch_input.end()) return Status::error("report: INT8 graph input '" + ts.inputs()[i].name + "' has no data");
      tin[i] = it->second;
    }
    Status st = rs.run(rin, rb.ptrs);
    if (!st) return st.with_context(batch_label(b, c.batch) + ", FP32 run");
    st = ts.run(tin, tb.ptrs);
    if (!st) return st.with_context(batch_label(b, c.batch) + ", INT8 run");

    // The FP32 values of a tensor of this batch: a session output or a graph input.
    auto fp32_values = [&](const std::string& name) -> std::span<const float> {
      if (auto it = ref_out.find(name); it != ref_out.end())
        return {reinterpret_cast<const float*>(rb.data[it->second].data()), rb.data[it->second].size() / sizeof(float)};
      const auto* t = fp32.find(name);
      return {batch_input.at(name), static_cast<size_t>(t->numel())};
    };
    for (auto& [name, tc] : c.tensors) {
      const size_t o = test_out.at(name);
      SATURN_RETURN_IF_ERROR(dequantize(ts.outputs()[o], tb.data[o].data(), quant.at(name), dequantized));
      const std::span<const float> r = fp32_values(tc.fp32_name);
      if (r.size() != dequantized.size())
        return Status::error("report: INT8 tensor '" + name + "' has " + std::to_string(dequantized.size()) +
                             " values, its FP32 counterpart '" + tc.fp32_name + "' has " + std::to_string(r.size()));
      tc.sqnr.add(r, dequantized);
    }
    for (auto& oc : c.outputs) {
      const size_t o = test_out.at(oc.name);
      const auto& info = ts.outputs()[o];
      if (info.dtype != DType::kF32) return Status::error("report: graph output '" + oc.name + "' of the INT8 model is not f32");
      const std::span<const float> r = fp32_values(oc.name);
      const std::span<const float> t{reinterpret_cast<const float*>(tb.data[o].data()), tb.data[o].size() / sizeof(float)};
      if (r.size() != t.size()) return Status::error("report: graph output '" + oc.name + "' differs in size between FP32 and INT8");
      oc.sqnr.add(r, t);
      oc.top1.add(r, t, oc.dims.empty() ? 1 : oc.dims.back());
    }
  }
  return c;
}

}  // namespace saturn::report
