// The converter's entry point: FP32 ONNX model -> Saturn FlatBuffers model.
//
// Pipeline (DESIGN section 1): onnx_import (checker, fixed input shapes, shape inference) ->
// passes (constant folding, BatchNorm folding, activation fusion, LayerNorm pattern, dead nodes)
// -> writer.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "saturn/status.h"

namespace saturn::converter {

struct ConvertOptions {
  // Fixed dims for graph inputs, by name; required for inputs with dynamic dims.
  std::map<std::string, std::vector<int64_t>> input_shapes;
};

// Converts the ONNX file at `onnx_path` into the bytes of a .saturn model.
// Rejections of unsupported ops or attributes have messages that begin with "unsupported"; an
// unsupported model gets one error listing every unsupported node (name, op type, opset).
Result<std::vector<uint8_t>> convert_onnx_file(const std::string& onnx_path, const ConvertOptions& options);

// One row of the converter's op table: ONNX op type (default domain) and the opsets it supports.
struct OnnxOpSupport {
  std::string op_type;
  int min_opset;
  int max_opset;
};
const std::vector<OnnxOpSupport>& supported_onnx_ops();

}  // namespace saturn::converter
