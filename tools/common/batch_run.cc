#include "tools/common/batch_run.h"

#include <chrono>
#include <cstring>

namespace saturn::tools {
namespace {

std::string expected_names(const std::vector<TensorInfo>& inputs) {
  std::string s;
  for (const auto& t : inputs) {
    if (!s.empty()) s += ", ";
    s += "'" + t.name + "'";
  }
  return s;
}

// The k for which `found` is `expected` with its first dim multiplied by k, or an error.
Result<int64_t> batch_factor(const TensorInfo& info, const npy::Array& a) {
  auto mismatch = [&](const std::string& why) {
    return Status::error("input '" + info.name + "': expected dims " + npy::dims_string(info.dims) +
                         " (or the first dim a multiple of " +
                         (info.dims.empty() ? std::string("-") : std::to_string(info.dims[0])) +
                         "), found " + npy::dims_string(a.dims) + ": " + why);
  };
  if (a.dtype != info.dtype) {
    return Status::error("input '" + info.name + "': expected dtype " + dtype_name(info.dtype) + " ('" +
                         npy::descr(info.dtype) + "'), found " + dtype_name(a.dtype) + " ('" +
                         npy::descr(a.dtype) + "')");
  }
  if (a.dims.size() != info.dims.size()) return mismatch("rank differs");
  if (info.dims.empty()) return int64_t{1};
  for (size_t i = 1; i < info.dims.size(); ++i) {
    if (a.dims[i] != info.dims[i]) return mismatch("dim " + std::to_string(i) + " differs");
  }
  if (a.dims[0] == 0 || info.dims[0] <= 0 || a.dims[0] % info.dims[0] != 0) {
    return mismatch("dim 0 is not a positive multiple of the model's");
  }
  return a.dims[0] / info.dims[0];
}

}  // namespace

std::string output_file_name(const std::string& tensor_name) {
  std::string s = tensor_name;
  for (char& c : s) {
    if (c == '/' || c == ':') c = '_';
  }
  return s + ".npy";
}

Result<BoundInputs> bind_inputs(const std::vector<TensorInfo>& model_inputs, const std::vector<NamedInput>& given) {
  BoundInputs bound;
  bound.arrays.assign(model_inputs.size(), nullptr);
  for (const NamedInput& in : given) {
    size_t index = model_inputs.size();
    if (in.name.empty()) {
      if (model_inputs.size() != 1) {
        return Status::error("an input without a name needs a single-input model; this model has " +
                             std::to_string(model_inputs.size()) + " inputs (" + expected_names(model_inputs) +
                             "): use --input NAME=FILE.npy");
      }
      index = 0;
    } else {
      for (size_t i = 0; i < model_inputs.size(); ++i) {
        if (model_inputs[i].name == in.name) index = i;
      }
      if (index == model_inputs.size()) {
        return Status::error("input '" + in.name + "' is not an input of the model (expected one of " +
                             expected_names(model_inputs) + ")");
      }
    }
    if (bound.arrays[index] != nullptr) {
      return Status::error("input '" + model_inputs[index].name + "' is given more than once");
    }
    bound.arrays[index] = &in.array;
  }
  int64_t k = -1;
  std::string k_from;
  for (size_t i = 0; i < model_inputs.size(); ++i) {
    if (bound.arrays[i] == nullptr) {
      return Status::error("input '" + model_inputs[i].name + "' (dims " + npy::dims_string(model_inputs[i].dims) +
                           ", " + dtype_name(model_inputs[i].dtype) + ") is not given");
    }
    Result<int64_t> f = batch_factor(model_inputs[i], *bound.arrays[i]);
    if (!f) return f.status();
    if (k >= 0 && *f != k) {
      return Status::error("input '" + model_inputs[i].name + "' holds " + std::to_string(*f) +
                           " batches but input '" + k_from + "' holds " + std::to_string(k) +
                           "; every input must hold the same number of batches");
    }
    k = *f;
    k_from = model_inputs[i].name;
  }
  bound.batches = k < 0 ? 1 : k;
  return bound;
}

Result<std::vector<npy::Array>> run_batches(Session& session, const BoundInputs& bound,
                                            std::vector<int64_t>* batch_nanos) {
  const auto& ins = session.inputs();
  const auto& outs = session.outputs();
  if (bound.arrays.size() != ins.size()) {
    return Status::error("run_batches: " + std::to_string(bound.arrays.size()) + " inputs bound, the session has " +
                         std::to_string(ins.size()));
  }
  const int64_t k = bound.batches;
  std::vector<npy::Array> results(outs.size());
  for (size_t o = 0; o < outs.size(); ++o) {
    if (outs[o].dims.empty() && k > 1) {
      return Status::error("output '" + outs[o].name + "' is a scalar, so " + std::to_string(k) +
                           " batches cannot be concatenated along dim 0");
    }
    results[o].dtype = outs[o].dtype;
    results[o].dims = outs[o].dims;
    if (!results[o].dims.empty()) results[o].dims[0] *= k;
    results[o].data.resize(outs[o].bytes() * static_cast<size_t>(k));
  }
  std::vector<const void*> in_ptrs(ins.size());
  std::vector<void*> out_ptrs(outs.size());
  std::vector<int64_t> nanos;
  for (int64_t b = 0; b < k; ++b) {
    for (size_t i = 0; i < ins.size(); ++i) in_ptrs[i] = bound.arrays[i]->data.data() + b * ins[i].bytes();
    for (size_t o = 0; o < outs.size(); ++o) out_ptrs[o] = results[o].data.data() + b * outs[o].bytes();
    auto t0 = std::chrono::steady_clock::now();
    Status st = session.run(in_ptrs, out_ptrs);
    nanos.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
    if (!st) return st.with_context("batch " + std::to_string(b) + " of " + std::to_string(k));
  }
  if (batch_nanos != nullptr) *batch_nanos = std::move(nanos);
  return results;
}

}  // namespace saturn::tools
