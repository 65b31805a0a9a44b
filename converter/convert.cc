// convert_onnx_file: import -> passes -> writer (converter/convert.h).
#include "converter/convert.h"

#include "converter/lowering/lowering.h"
#include "converter/onnx_import.h"
#include "converter/passes/passes.h"
#include "converter/sha256.h"
#include "converter/writer.h"

namespace saturn::converter {

Result<std::vector<uint8_t>> convert_onnx_file(const std::string& onnx_path, const ConvertOptions& options) {
  std::string raw;
  Result<onnx::ModelProto> model = read_onnx_file(onnx_path, &raw);
  if (!model) return model.status();
  const std::string origin = "'" + onnx_path + "'";
  Result<ir::Graph> graph = import_onnx_model(std::move(model.value()), options, origin);
  if (!graph) return graph.status();
  Status passes = run_passes(*graph);
  if (!passes) return passes.with_context(origin);
  const std::string sha = sha256_hex({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
  // Writer messages start with "unsupported" where they are rejections, so no prefix is added.
  return write_saturn_model(*graph, sha);
}

const std::vector<OnnxOpSupport>& supported_onnx_ops() {
  static const std::vector<OnnxOpSupport> kOps = [] {
    std::vector<OnnxOpSupport> v;
    for (const auto& e : op_lowerings()) v.push_back({e.op_type, e.min_opset, e.max_opset});
    return v;
  }();
  return kOps;
}

}  // namespace saturn::converter
