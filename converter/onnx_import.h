// ONNX import: file -> onnx::ModelProto -> checks -> fixed input shapes -> shape inference -> ir::Graph.
//
// Errors (all name the file or the tensor involved):
//   - unreadable file, or bytes that do not parse as a ModelProto;
//   - onnx::checker::check_model failures;
//   - default-domain opset outside 9..17;
//   - input shapes: an --input-shape naming no graph input, a rank mismatch, a value contradicting
//     a static dim of the model, or a dim that stays dynamic;
//   - initializers with external data ("unsupported").
// Initializers (also those listed as graph inputs) become constants; the IR's graph inputs are the
// remaining runtime inputs.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "converter/convert.h"
#include "converter/ir/graph.h"
#include "saturn/status.h"

namespace saturn::converter {

inline constexpr int64_t kMinOnnxOpset = 9;
inline constexpr int64_t kMaxOnnxOpset = 17;

// Reads and parses the file (no checks). `raw` (optional) receives the file's bytes.
Result<onnx::ModelProto> read_onnx_file(const std::string& path, std::string* raw = nullptr);

// Runs the checks, applies the input shapes, runs shape inference and builds the IR. `origin`
// names the model in messages (usually its path).
Result<ir::Graph> import_onnx_model(onnx::ModelProto model, const ConvertOptions& options, const std::string& origin);

// read_onnx_file + import_onnx_model.
Result<ir::Graph> import_onnx_file(const std::string& path, const ConvertOptions& options);

}  // namespace saturn::converter
