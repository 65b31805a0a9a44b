// saturn-run: runs a .saturn model on .npy inputs and writes every output as float32 .npy.
//
//   saturn-run M.saturn --input NAME=X.npy [--input ...] --output-dir DIR [--threads N]
//   saturn-run M.saturn --input X.npy --output-dir DIR           (single-input models)
//
// Exit codes: 0 ok, 1 error (message on stderr), 2 usage error.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "saturn/model.h"
#include "saturn/session.h"
#include "tools/common/batch_run.h"
#include "tools/common/npy.h"

namespace {

constexpr const char* kUsage =
    "usage: saturn-run MODEL.saturn --input [NAME=]FILE.npy [--input ...] --output-dir DIR [--threads N]\n"
    "  Runs MODEL on the inputs and writes DIR/<output name>.npy (float32) for every output.\n"
    "  An input whose first dim is k times the model's runs as k batches; outputs are concatenated.\n";

int usage(const std::string& message) {
  std::cerr << "saturn-run: " << message << "\n" << kUsage;
  return 2;
}

int fail(const std::string& message) {
  std::cerr << "saturn-run: error: " << message << "\n";
  return 1;
}

struct Args {
  std::string model;
  std::vector<std::pair<std::string, std::string>> inputs;  // name (may be empty), path
  std::string output_dir;
  int threads = 0;
};

// Returns "" on success, else the usage error.
std::string parse_args(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) -> bool {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      return "help";
    } else if (a == "--input") {
      if (!value(v)) return "--input needs a value";
      size_t eq = v.find('=');
      if (eq == std::string::npos) {
        args.inputs.emplace_back("", v);
      } else {
        if (eq == 0 || eq + 1 == v.size()) return "--input '" + v + "': expected NAME=FILE.npy";
        args.inputs.emplace_back(v.substr(0, eq), v.substr(eq + 1));
      }
    } else if (a == "--output-dir") {
      if (!value(args.output_dir)) return "--output-dir needs a value";
    } else if (a == "--threads") {
      if (!value(v)) return "--threads needs a value";
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || n < 0 || n > 4096) return "--threads '" + v + "' is not a count";
      args.threads = static_cast<int>(n);
    } else if (!a.empty() && a[0] == '-') {
      return "unknown option '" + a + "'";
    } else if (args.model.empty()) {
      args.model = a;
    } else {
      return "unexpected argument '" + a + "'";
    }
  }
  if (args.model.empty()) return "no model given";
  if (args.inputs.empty()) return "no --input given";
  if (args.output_dir.empty()) return "no --output-dir given";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace saturn;
  Args args;
  std::string err = parse_args(argc, argv, args);
  if (err == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (!err.empty()) return usage(err);

  auto model = Model::load(args.model);
  if (!model) return fail(model.status().message());
  SessionOptions options;
  options.threads = args.threads;
  auto session = Session::create(*model, options);
  if (!session) return fail(session.status().with_context("creating a session for '" + args.model + "'").message());

  std::vector<tools::NamedInput> given;
  given.reserve(args.inputs.size());
  for (const auto& [name, path] : args.inputs) {
    auto array = npy::read(path);
    if (!array) return fail(array.status().message());
    given.push_back({name, std::move(*array)});
  }
  auto bound = tools::bind_inputs((*session)->inputs(), given);
  if (!bound) return fail(bound.status().message());

  std::vector<int64_t> nanos;
  auto outputs = tools::run_batches(**session, *bound, &nanos);
  if (!outputs) return fail(outputs.status().message());

  if (mkdir(args.output_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return fail("cannot create output directory '" + args.output_dir + "': " + std::strerror(errno));
  }
  const auto& infos = (*session)->outputs();
  for (size_t o = 0; o < infos.size(); ++o) {
    std::string path = args.output_dir + "/" + tools::output_file_name(infos[o].name);
    Status st = npy::write(path, npy::to_f32((*outputs)[o]));
    if (!st) return fail(st.message());
    std::cout << "output '" << infos[o].name << "' " << npy::dims_string((*outputs)[o].dims) << " -> " << path << "\n";
  }
  // The first run pays one-time costs (page faults, caches); the rest show the steady state.
  double first_ms = static_cast<double>(nanos[0]) / 1e6, rest_ms = 0;
  for (size_t b = 1; b < nanos.size(); ++b) rest_ms += static_cast<double>(nanos[b]) / 1e6;
  std::printf("ran %zu batch(es): first %.3f ms", nanos.size(), first_ms);
  if (nanos.size() > 1) std::printf(", then %.3f ms per batch (mean of %zu)", rest_ms / static_cast<double>(nanos.size() - 1), nanos.size() - 1);
  std::printf("\n");
  return 0;
}
