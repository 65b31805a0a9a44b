// saturn-convert IN.onnx -o OUT.saturn [--input-shape NAME=d0,d1,...]...
// Exit codes: 0 success, 1 conversion error (message on stderr), 2 bad arguments (usage).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "converter/convert.h"

namespace {

constexpr const char* kUsage =
    "usage: saturn-convert IN.onnx -o OUT.saturn [--input-shape NAME=d0,d1,...]...\n"
    "  Converts an FP32 ONNX model into a Saturn model.\n"
    "  --input-shape NAME=d0,d1,...  fixes the dims of graph input NAME (required for dynamic dims)\n";

int usage(const std::string& why) {
  std::cerr << "saturn-convert: " << why << "\n" << kUsage;
  return 2;
}

bool parse_shape(const std::string& arg, std::string* name, std::vector<int64_t>* dims) {
  const size_t eq = arg.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) return false;
  *name = arg.substr(0, eq);
  std::string rest = arg.substr(eq + 1);
  size_t pos = 0;
  while (pos <= rest.size()) {
    size_t comma = rest.find(',', pos);
    if (comma == std::string::npos) comma = rest.size();
    const std::string tok = rest.substr(pos, comma - pos);
    if (tok.empty()) return false;
    char* end = nullptr;
    const long long v = std::strtoll(tok.c_str(), &end, 10);
    if (*end != '\0' || v <= 0) return false;
    dims->push_back(v);
    pos = comma + 1;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string in, out;
  saturn::converter::ConvertOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "-o" || a == "--input-shape") {
      if (i + 1 >= argc) return usage(a + " needs a value");
      const std::string v = argv[++i];
      if (a == "-o") {
        if (!out.empty()) return usage("-o given twice");
        out = v;
        continue;
      }
      std::string name;
      std::vector<int64_t> dims;
      if (!parse_shape(v, &name, &dims)) return usage("bad --input-shape '" + v + "' (expected NAME=d0,d1,... with positive dims)");
      if (options.input_shapes.count(name)) return usage("--input-shape given twice for '" + name + "'");
      options.input_shapes[name] = dims;
      continue;
    }
    if (!a.empty() && a[0] == '-') return usage("unknown option '" + a + "'");
    if (!in.empty()) return usage("more than one input file");
    in = a;
  }
  if (in.empty()) return usage("no input file");
  if (out.empty()) return usage("no output file (-o OUT.saturn)");

  auto bytes = saturn::converter::convert_onnx_file(in, options);
  if (!bytes) {
    std::cerr << "saturn-convert: " << bytes.status().message() << "\n";
    return 1;
  }
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
  f.close();
  if (!f) {
    std::cerr << "saturn-convert: cannot write '" << out << "'\n";
    return 1;
  }
  std::cout << "wrote " << out << " (" << bytes->size() << " bytes)\n";
  return 0;
}
