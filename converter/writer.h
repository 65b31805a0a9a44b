// Writer: ir::Graph (after the passes) -> Saturn FlatBuffers model bytes (schema/saturn.fbs).
//
// Every node is lowered through the op table (converter/lowering/lowering.h) before anything is
// written; when any node fails, one error lists the failing nodes (name, op type, opset; beyond
// the first 40, a count of them per op type comes first and the rest are counted), and begins
// with "unsupported" when all failures are unsupported ops/attributes/types.
// Output: schema_version = kSchemaVersion, producer from the ONNX producer fields, converter
// "saturn-convert <kVersion>", source_sha256 as given, buffer 0 empty, one 64-byte aligned buffer
// per constant, tensors with their ONNX names and inferred dims, nodes in topological order, the
// "STRN" file identifier. Types: runtime tensors F32; constants F32, or S64 for Gather indices.
// With `quant` (the INT8 path, converter/quantize): a tensor with an entry there and ir dtype kInt8 /
// kUint8 / kInt32 is written as S8 / U8 / S32 with its QuantParams; every other tensor as above.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "converter/ir/graph.h"
#include "converter/quantize/quant_params.h"
#include "saturn/status.h"

namespace saturn::converter {

Result<std::vector<uint8_t>> write_saturn_model(const ir::Graph& graph, const std::string& source_sha256,
                                                const QuantMap* quant = nullptr);

}  // namespace saturn::converter
