// saturn-convert IN.onnx -o OUT.saturn [--input-shape NAME=d0,d1,...]... [INT8 options]
// Exit codes: 0 success, 1 conversion error (message on stderr), 2 bad arguments (usage).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>

#include "converter/calibrate/image_loader.h"
#include "converter/convert.h"
#include "tools/common/npy.h"

namespace {

constexpr const char* kUsage =
    "usage: saturn-convert IN.onnx -o OUT.saturn [--input-shape NAME=d0,d1,...]... [--int8 ...]\n"
    "  Converts an FP32 ONNX model into a Saturn model.\n"
    "  --input-shape NAME=d0,d1,...  fixes the dims of graph input NAME (required for dynamic dims)\n"
    "INT8 (DESIGN sections 1-2):\n"
    "  --int8                        quantize: calibrate, then write the INT8 model\n"
    "  --calib [NAME=]X.npy          calibration samples (N, ...) for input NAME (NAME may be left out\n"
    "                                for single-input models); N must be a multiple of the batch size\n"
    "  --calib [NAME=]DIR            PNG/JPEG images of DIR in sorted file order, decoded to CHW float\n"
    "    --size HxW                  resize the images (bilinear); default: keep their size\n"
    "    --mean r,g,b  --std r,g,b   normalization (x/255 - mean) / std; default mean 0, std 1\n"
    "    --gray                      decode to 1 channel (mean and std use their first value)\n"
    "  --calib-method M              entropy (default) | percentile | max | mse\n"
    "  --percentile P                for --calib-method percentile (default 99.99)\n"
    "  --calib-cache FILE            read the calibrated ranges from FILE when it exists (its model hash\n"
    "                                and method must match), else calibrate and write FILE\n"
    "  --per-tensor-weights          one weight scale per tensor instead of per output channel\n"
    "  --fp32-nodes a,b,...          nodes that stay FP32\n"
    "  --weight-range R              auto (default: reduced when this CPU has no VNNI) | full (8-bit) |\n"
    "                                reduced (7-bit weights: oneDNN's fast INT8 kernels are exact without VNNI)\n"
    "  --threads N                   threads of the calibration runs\n"
    "  --emit-qdq FILE.onnx          also write the INT8 model as ONNX QuantizeLinear/DequantizeLinear\n"
    "                                (Saturn's scales, zero point 0) for ONNX Runtime or TensorRT\n"
    "  --report R.html               write an HTML report: per quantized tensor T, alpha, dtype, |x| histogram\n"
    "                                and SQNR vs FP32 on the calibration data; output SQNR and top-1 agreement\n";

int usage(const std::string& why) {
  std::cerr << "saturn-convert: " << why << "\n" << kUsage;
  return 2;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (true) {
    const size_t next = s.find(sep, pos);
    parts.push_back(s.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
    if (next == std::string::npos) return parts;
    pos = next + 1;
  }
}

bool parse_shape(const std::string& arg, std::string* name, std::vector<int64_t>* dims) {
  const size_t eq = arg.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) return false;
  *name = arg.substr(0, eq);
  for (const auto& tok : split(arg.substr(eq + 1), ',')) {
    if (tok.empty()) return false;
    char* end = nullptr;
    const long long v = std::strtoll(tok.c_str(), &end, 10);
    if (*end != '\0' || v <= 0) return false;
    dims->push_back(v);
  }
  return true;
}

bool parse_floats(const std::string& arg, size_t count, std::vector<float>* out) {
  for (const auto& tok : split(arg, ',')) {
    char* end = nullptr;
    const float v = std::strtof(tok.c_str(), &end);
    if (tok.empty() || *end != '\0') return false;
    out->push_back(v);
  }
  return out->size() == count;
}

// Progress on stderr: a bar on a terminal, plain lines (about every 10%) otherwise.
void progress(int64_t done, int64_t total) {
  static const bool tty = isatty(fileno(stderr)) != 0;
  if (tty) {
    const int width = 30, filled = static_cast<int>(width * done / total);
    std::fprintf(stderr, "\rcalibrating [%s%s] %lld/%lld batches", std::string(filled, '#').c_str(),
                 std::string(width - filled, ' ').c_str(), static_cast<long long>(done), static_cast<long long>(total));
    if (done == total) std::fprintf(stderr, "\n");
  } else if (done == total || done % std::max<int64_t>(1, total / 10) == 0) {
    std::fprintf(stderr, "calibration: %lld/%lld batches\n", static_cast<long long>(done), static_cast<long long>(total));
  }
  std::fflush(stderr);
}

struct CalibSpec {
  std::string name;  // "" = the only input
  std::string path;
};

}  // namespace

int main(int argc, char** argv) {
  using saturn::Result;
  using saturn::Status;
  namespace calibrate = saturn::calibrate;
  std::string in, out;
  saturn::converter::ConvertOptions options;
  auto& int8 = options.int8;
  std::vector<CalibSpec> calib;
  calibrate::ImageOptions image;
  bool have_percentile = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "--int8") {
      int8.enabled = true;
      continue;
    }
    if (a == "--gray") {
      image.channels = 1;
      continue;
    }
    if (a == "--per-tensor-weights") {
      int8.per_tensor_weights = true;
      continue;
    }
    static const std::set<std::string> kValued = {"-o", "--input-shape", "--calib", "--calib-method", "--percentile",
                                                  "--calib-cache", "--fp32-nodes", "--size", "--mean", "--std",
                                                  "--threads", "--weight-range", "--emit-qdq", "--report"};
    if (kValued.count(a)) {
      if (i + 1 >= argc) return usage(a + " needs a value");
      const std::string v = argv[++i];
      if (a == "-o") {
        if (!out.empty()) return usage("-o given twice");
        out = v;
      } else if (a == "--input-shape") {
        std::string name;
        std::vector<int64_t> dims;
        if (!parse_shape(v, &name, &dims)) return usage("bad --input-shape '" + v + "' (expected NAME=d0,d1,... with positive dims)");
        if (options.input_shapes.count(name)) return usage("--input-shape given twice for '" + name + "'");
        options.input_shapes[name] = dims;
      } else if (a == "--calib") {
        const size_t eq = v.find('=');
        // NAME=PATH unless the whole argument is an existing path.
        if (eq != std::string::npos && eq > 0 && !std::filesystem::exists(v)) calib.push_back({v.substr(0, eq), v.substr(eq + 1)});
        else calib.push_back({"", v});
      } else if (a == "--calib-method") {
        if (!calibrate::parse_method(v, &int8.ranges.method))
          return usage("bad --calib-method '" + v + "' (expected entropy, percentile, max or mse)");
      } else if (a == "--percentile") {
        char* end = nullptr;
        int8.ranges.percentile = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0' || !(int8.ranges.percentile > 0 && int8.ranges.percentile <= 100))
          return usage("bad --percentile '" + v + "' (expected a number in (0, 100])");
        have_percentile = true;
      } else if (a == "--calib-cache") {
        int8.cache_path = v;
      } else if (a == "--emit-qdq") {
        int8.qdq_path = v;
      } else if (a == "--report") {
        int8.report_path = v;
      } else if (a == "--weight-range") {
        if (v == "auto") int8.weight_range = saturn::converter::WeightRange::kAuto;
        else if (v == "full") int8.weight_range = saturn::converter::WeightRange::kFull;
        else if (v == "reduced") int8.weight_range = saturn::converter::WeightRange::kReduced;
        else return usage("bad --weight-range '" + v + "' (expected auto, full or reduced)");
      } else if (a == "--fp32-nodes") {
        for (const auto& n : split(v, ','))
          if (!n.empty()) int8.fp32_nodes.insert(n);
      } else if (a == "--size") {
        const auto hw = split(v, 'x');
        char* e1 = nullptr;
        char* e2 = nullptr;
        if (hw.size() != 2 || (image.height = std::strtol(hw[0].c_str(), &e1, 10)) <= 0 || *e1 != '\0' ||
            (image.width = std::strtol(hw[1].c_str(), &e2, 10)) <= 0 || *e2 != '\0')
          return usage("bad --size '" + v + "' (expected HxW, e.g. 224x224)");
      } else if (a == "--mean" || a == "--std") {
        std::vector<float> f;
        if (!parse_floats(v, 3, &f)) return usage("bad " + a + " '" + v + "' (expected three numbers r,g,b)");
        if (a == "--std" && (f[0] <= 0 || f[1] <= 0 || f[2] <= 0)) return usage("--std values must be > 0");
        std::copy(f.begin(), f.end(), (a == "--mean" ? image.mean : image.std).begin());
      } else if (a == "--threads") {
        char* end = nullptr;
        int8.threads = static_cast<int>(std::strtol(v.c_str(), &end, 10));
        if (v.empty() || *end != '\0' || int8.threads < 0) return usage("bad --threads '" + v + "'");
      }
      continue;
    }
    if (!a.empty() && a[0] == '-') return usage("unknown option '" + a + "'");
    if (!in.empty()) return usage("more than one input file");
    in = a;
  }
  if (in.empty()) return usage("no input file");
  if (out.empty()) return usage("no output file (-o OUT.saturn)");
  if (!int8.enabled && (!calib.empty() || !int8.cache_path.empty() || !int8.fp32_nodes.empty() || int8.per_tensor_weights))
    return usage("--calib, --calib-cache, --fp32-nodes and --per-tensor-weights need --int8");
  if (!int8.enabled && !int8.qdq_path.empty()) return usage("--emit-qdq needs --int8");
  if (!int8.report_path.empty() && (!int8.enabled || calib.empty()))
    return usage("--report needs --int8 and --calib (it runs FP32 and INT8 over the calibration data)");
  if (have_percentile && int8.ranges.method != calibrate::Method::kPercentile)
    return usage("--percentile needs --calib-method percentile");
  if (int8.enabled && calib.empty() && int8.cache_path.empty()) return usage("--int8 needs --calib or --calib-cache");

  if (!calib.empty()) {
    const auto shapes = options.input_shapes;
    int8.load_calibration = [calib, image, shapes]() -> Result<std::vector<calibrate::CalibrationInput>> {
      std::vector<calibrate::CalibrationInput> data;
      for (const auto& c : calib) {
        std::error_code ec;
        if (std::filesystem::is_directory(c.path, ec)) {
          Result<calibrate::CalibrationInput> images = calibrate::load_image_dir(c.path, image);
          if (!images) return images.status();
          images->name = c.name;
          data.push_back(std::move(images.value()));
          continue;
        }
        Result<saturn::npy::Array> arr = saturn::npy::read(c.path);
        if (!arr) return arr.status().with_context("--calib");
        data.push_back({c.name, arr->dims, saturn::npy::to_floats(arr.value())});
      }
      return data;
    };
  }
  int8.progress = progress;

  saturn::converter::ConvertReport report;
  auto bytes = saturn::converter::convert_onnx_file(in, options, &report);
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
  if (int8.enabled) {
    const auto& q = report.quantize;
    std::cout << "calibration: " << report.calibrated_tensors << " tensors, method "
              << calibrate::method_name(int8.ranges.method)
              << (report.ranges_from_cache ? ", read from cache '" + int8.cache_path + "'" : "")
              << (report.cache_written ? ", cache written to '" + int8.cache_path + "'" : "") << "\n";
    std::cout << "int8: " << q.int8_nodes << " nodes INT8, " << q.fp32_nodes << " nodes FP32, " << q.quantize_nodes
              << " Quantize, " << q.dequantize_nodes << " Dequantize, " << q.fused_residuals << " residual Adds fused\n";
    std::cout << "weights: " << (report.reduced_range ? "reduced range (7 bits)" : "full range (8 bits)") << "\n";
    if (!int8.report_path.empty()) std::cout << "report: wrote " << int8.report_path << "\n";
    if (!q.fp32_node_names.empty()) {
      // The first few: a transformer has hundreds (its Reshapes, Transposes, Softmaxes).
      constexpr size_t kListed = 12;
      const size_t n = q.fp32_node_names.size();
      std::cout << "fp32 nodes:";
      for (size_t i = 0; i < std::min(n, kListed); ++i) std::cout << " " << q.fp32_node_names[i];
      if (n > kListed) std::cout << " ... and " << n - kListed << " more (saturn-inspect shows every tensor's dtype)";
      std::cout << "\n";
    }
    if (!report.check_skipped.empty()) std::cout << "check: skipped (" << report.check_skipped << ")\n";
    for (const auto& c : report.output_check) {
      char line[256];
      std::snprintf(line, sizeof line, "check: output '%s' on the calibration data: INT8 vs FP32 SQNR %.1f dB, top-1 agrees %.1f%%",
                    c.name.c_str(), c.sqnr_db, 100.0 * c.top1_rate);
      std::cout << line << "\n";
    }
    const bool poor = std::any_of(report.output_check.begin(), report.output_check.end(),
                                  [](const auto& c) { return c.top1_rate < 0.99; });
    if (poor)
      std::cout << "hint: INT8 disagrees with FP32 on more than 1% of the calibration samples; --report R.html shows "
                   "which tensors lose most, and another --calib-method (percentile, mse) may clip less\n";
  }
  std::cout << "wrote " << out << " (" << bytes->size() << " bytes)\n";
  return 0;
}
