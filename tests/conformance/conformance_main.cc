// ONNX operator conformance: runs ONNX's node tests (libonnx-testdata) through the converter and
// the runtime.
//
//   saturn_conformance [--data DIR] [--filter SUBSTRING] [--verbose]
//
// A test is selected when every node's op type is in converter::supported_onnx_ops() for the
// model's opset (default domain only). Each selected test is converted in-process with its inputs'
// dims fixed, run on every test_data_set_*, and each output compared with the ONNX backend tolerance
// |out - ref| <= atol + rtol * |ref| (rtol 1e-3, atol 1e-7). A converter error starting with
// "unsupported" counts as rejected; every other failure counts as failed. Prints
// "conformance: N passed, M failed", then "rejected: R"; exits 1 when M > 0 or nothing passed.
//
// Saturn requires weights, shapes, axes, scales and indices to be constants, while many ONNX tests
// feed them as graph inputs. A test rejected only for that ("... is not a constant") is run again
// with its inputs after the first frozen into initializers holding the test's own input data; it
// counts as passed (and is listed as "frozen") only if its outputs then match.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "converter/convert.h"
#include "saturn/model.h"
#include "saturn/session.h"
#include "tests/conformance/onnx_tensor.h"
#include "tests/runtime/guarded_buffer.h"

namespace fs = std::filesystem;
using namespace saturn;

namespace {

constexpr double kRtol = 1e-3;
constexpr double kAtol = 1e-7;

enum class Outcome { kPassed, kPassedFrozen, kFailed, kRejected };

struct TestResult {
  Outcome outcome;
  std::string message;
};

// The model's default-domain opset, or -1.
int64_t default_opset(const onnx::ModelProto& m) {
  for (const auto& o : m.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") return o.version();
  }
  return -1;
}

// True when every node is a default-domain op the converter supports at `opset`.
bool ops_supported(const onnx::ModelProto& m, int64_t opset) {
  const auto& table = converter::supported_onnx_ops();
  for (const auto& node : m.graph().node()) {
    if (!node.domain().empty() && node.domain() != "ai.onnx") return false;
    bool found = std::any_of(table.begin(), table.end(), [&](const converter::OnnxOpSupport& s) {
      return s.op_type == node.op_type() && s.min_opset <= opset && opset <= s.max_opset;
    });
    if (!found) return false;
  }
  return true;
}

std::vector<fs::path> numbered(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (int i = 0;; ++i) {
    fs::path p = dir / (prefix + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    files.push_back(p);
  }
  return files;
}

struct GraphInput {
  std::string name;
  bool is_tensor;  // false for sequence, optional and map inputs
};

// The graph inputs that are not initializers, in order.
std::vector<GraphInput> runtime_inputs(const onnx::ModelProto& m) {
  std::set<std::string> inits;
  for (const auto& t : m.graph().initializer()) inits.insert(t.name());
  std::vector<GraphInput> inputs;
  for (const auto& in : m.graph().input()) {
    if (!inits.count(in.name())) inputs.push_back({in.name(), in.type().has_tensor_type()});
  }
  return inputs;
}

// Writes `proto` with graph inputs 1.. turned into initializers from the data set's input files.
Result<fs::path> write_frozen_model(const onnx::ModelProto& proto, const fs::path& set_dir) {
  onnx::ModelProto frozen = proto;
  std::vector<GraphInput> graph_inputs = runtime_inputs(proto);
  std::vector<fs::path> input_files = numbered(set_dir, "input_");
  for (size_t i = 1; i < input_files.size() && i < graph_inputs.size(); ++i) {
    onnx::TensorProto t;
    std::ifstream in(input_files[i], std::ios::binary);
    if (!in || !t.ParseFromIstream(&in)) return Status::error("cannot parse " + input_files[i].string());
    t.set_name(graph_inputs[i].name);
    *frozen.mutable_graph()->add_initializer() = t;
  }
  fs::path path = fs::temp_directory_path() /
                  ("saturn_conformance_" + std::to_string(::getpid()) + "_" + set_dir.parent_path().filename().string() + ".onnx");
  std::ofstream out(path, std::ios::binary);
  if (!out || !frozen.SerializeToOstream(&out)) return Status::error("cannot write " + path.string());
  return path;
}

TestResult run_data_set(const fs::path& test_dir, const onnx::ModelProto& proto, const fs::path& set_dir,
                        bool freeze) {
  auto fail = [](const std::string& m) { return TestResult{Outcome::kFailed, m}; };
  // input_i.pb belongs to the i-th graph input. Inputs of non-tensor types (sequences, optionals)
  // are not TensorProto files; they are left to the converter, which must reject such models.
  std::vector<GraphInput> graph_inputs = runtime_inputs(proto);
  std::map<std::string, npy::Array> inputs;
  std::vector<fs::path> input_files = numbered(set_dir, "input_");
  for (size_t i = 0; i < input_files.size() && i < graph_inputs.size(); ++i) {
    if (!graph_inputs[i].is_tensor) continue;
    std::string name;
    auto a = conformance::read_tensor_proto(input_files[i], &name);
    if (!a) return fail(a.status().message());
    if (name.empty()) name = graph_inputs[i].name;
    inputs[name] = std::move(*a);
  }
  fs::path model_path = test_dir / "model.onnx";
  if (freeze) {
    auto frozen = write_frozen_model(proto, set_dir);
    if (!frozen) return fail(frozen.status().message());
    model_path = *frozen;
    for (size_t i = 1; i < graph_inputs.size(); ++i) inputs.erase(graph_inputs[i].name);
  }
  converter::ConvertOptions options;
  for (const auto& [name, array] : inputs) options.input_shapes[name] = array.dims;

  auto bytes = converter::convert_onnx_file(model_path.string(), options);
  if (freeze) fs::remove(model_path);
  if (!bytes) {
    const std::string m = bytes.status().message();
    return TestResult{m.rfind("unsupported", 0) == 0 ? Outcome::kRejected : Outcome::kFailed, "convert: " + m};
  }
  auto model = Model::from_bytes(*bytes, test_dir.filename().string());
  if (!model) return fail("load: " + model.status().message());
  auto session = Session::create(*model, SessionOptions{});
  if (!session) return fail("session: " + session.status().message());

  // The inputs end at an inaccessible page and are read-only: Session::run() reads them in place,
  // so a kernel that reads past a caller's buffer or writes into it faults here.
  std::vector<std::unique_ptr<testing::GuardedBuffer>> guarded;
  std::vector<const void*> in_ptrs;
  for (const TensorInfo& info : (*session)->inputs()) {
    auto it = inputs.find(info.name);
    if (it == inputs.end()) return fail("no test data for model input '" + info.name + "'");
    if (it->second.dtype != info.dtype || it->second.dims != info.dims) {
      return fail("input '" + info.name + "': session expects " + dtype_name(info.dtype) + " " +
                  npy::dims_string(info.dims) + ", test data is " + dtype_name(it->second.dtype) + " " +
                  npy::dims_string(it->second.dims));
    }
    guarded.push_back(
        std::make_unique<testing::GuardedBuffer>(it->second.data.data(), it->second.data.size()));
    in_ptrs.push_back(guarded.back()->data());
  }
  const auto& out_infos = (*session)->outputs();
  std::vector<fs::path> ref_files = numbered(set_dir, "output_");
  if (ref_files.size() != out_infos.size()) {
    return fail("the session has " + std::to_string(out_infos.size()) + " outputs, the test data " +
                std::to_string(ref_files.size()));
  }
  // The outputs end at an inaccessible page too: run() writes them in place.
  std::vector<npy::Array> outs(out_infos.size());
  std::vector<void*> out_ptrs;
  for (const TensorInfo& info : out_infos) {
    guarded.push_back(std::make_unique<testing::GuardedBuffer>(info.bytes()));
    out_ptrs.push_back(guarded.back()->data());
  }
  Status st = (*session)->run(in_ptrs, out_ptrs);
  if (!st) return fail("run: " + st.message());
  for (size_t o = 0; o < out_infos.size(); ++o) {
    outs[o].dtype = out_infos[o].dtype;
    outs[o].dims = out_infos[o].dims;
    const auto* bytes = static_cast<const uint8_t*>(out_ptrs[o]);
    outs[o].data.assign(bytes, bytes + out_infos[o].bytes());
  }
  for (size_t o = 0; o < out_infos.size(); ++o) {
    auto ref = conformance::read_tensor_proto(ref_files[o], nullptr);
    if (!ref) return fail(ref.status().message());
    Status c = conformance::compare_outputs("output '" + out_infos[o].name + "'", outs[o], *ref, kRtol, kAtol);
    if (!c) return fail(set_dir.filename().string() + ": " + c.message());
  }
  return TestResult{Outcome::kPassed, ""};
}

TestResult run_test(const fs::path& dir, const onnx::ModelProto& proto) {
  std::vector<fs::path> sets;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(e.path());
  }
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) return TestResult{Outcome::kFailed, "no test_data_set_* folder"};
  bool frozen = false;
  for (const auto& set : sets) {
    TestResult r = run_data_set(dir, proto, set, frozen);
    if (r.outcome == Outcome::kRejected && !frozen && r.message.find("is not a constant") != std::string::npos) {
      frozen = true;
      r = run_data_set(dir, proto, set, frozen);
    }
    if (r.outcome != Outcome::kPassed) return r;
  }
  return TestResult{frozen ? Outcome::kPassedFrozen : Outcome::kPassed, ""};
}

}  // namespace

int main(int argc, char** argv) {
  fs::path data = "/usr/share/libonnx-testdata/data/node";
  std::string filter;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else if (a == "--filter" && i + 1 < argc) {
      filter = argv[++i];
    } else if (a == "--verbose") {
      verbose = true;
    } else {
      std::cerr << "usage: saturn_conformance [--data DIR] [--filter SUBSTRING] [--verbose]\n";
      return 2;
    }
  }
  std::error_code ec;
  if (!fs::is_directory(data, ec)) {
    std::cerr << "conformance: test data folder " << data << " not found (Debian package libonnx-testdata)\n";
    return 1;
  }
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(data)) {
    if (e.is_directory() && e.path().filename().string().find(filter) != std::string::npos) dirs.push_back(e.path());
  }
  std::sort(dirs.begin(), dirs.end());

  int passed = 0, passed_frozen = 0, failed = 0, rejected = 0, not_covered = 0;
  for (const auto& dir : dirs) {
    std::string name = dir.filename().string();
    onnx::ModelProto proto;
    std::ifstream in(dir / "model.onnx", std::ios::binary);
    if (!in || !proto.ParseFromIstream(&in)) {
      std::cout << "FAIL " << name << ": cannot parse model.onnx\n";
      ++failed;
      continue;
    }
    if (!ops_supported(proto, default_opset(proto))) {
      ++not_covered;
      continue;
    }
    TestResult r = run_test(dir, proto);
    switch (r.outcome) {
      case Outcome::kPassed:
        ++passed;
        if (verbose) std::cout << "PASS " << name << std::endl;
        break;
      case Outcome::kPassedFrozen:
        ++passed;
        ++passed_frozen;
        std::cout << "PASS (frozen) " << name << std::endl;
        break;
      case Outcome::kRejected:
        ++rejected;
        std::cout << "REJECTED " << name << ": " << r.message << std::endl;
        break;
      case Outcome::kFailed:
        ++failed;
        std::cout << "FAIL " << name << ": " << r.message << std::endl;
        break;
    }
  }
  std::cout << "not covered (ops outside supported_onnx_ops()): " << not_covered << " of " << dirs.size() << " tests\n";
  std::cout << "of the passed tests, " << passed_frozen << " ran with their inputs after the first frozen as constants\n";
  std::cout << "conformance: " << passed << " passed, " << failed << " failed\n";
  std::cout << "rejected: " << rejected << "\n";
  if (passed == 0) std::cout << "conformance: no test passed\n";
  return (failed > 0 || passed == 0) ? 1 : 0;
}
