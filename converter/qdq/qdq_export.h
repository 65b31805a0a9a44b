// QDQ export: the INT8 IR graph (after quantize_graph, converter/quantize/quantize_pass.h) and its
// QuantMap as a float ONNX model with QuantizeLinear/DequantizeLinear, so that ONNX Runtime or
// TensorRT run exactly Saturn's quantization (DESIGN section 2, real = alpha * q, zero point 0).
//
// The model (opset max(13, the source's), 14 when a HardSwish is needed, 17 with LayerNormalization;
// IR version 8):
//   - Quantized constants (s8 weights, s32 biases) become an initializer with the same values and a
//     DequantizeLinear (float scales from the QuantMap, per axis with `axis` when the QuantMap has
//     one, zero points 0 of the constant's type) whose output the consumer reads.
//   - Every INT8 activation tensor T (a runtime tensor with a QuantMap entry, u8 or s8) is
//     DequantizeLinear(QuantizeLinear(T_float)) with its alpha and a uint8/int8 zero point 0; the
//     producer computes T_float in float and every consumer reads the dequantized T.
//   - Internal Quantize nodes become that pair; internal Dequantize nodes become nothing (their
//     output is the dequantized tensor), or an Identity when the output is a graph output. The
//     internal Activation split from a Conv (passes.h split_table_activations) becomes its standard
//     nodes (Swish: Sigmoid and Mul) between the pre-activation's Q/DQ and its output's.
//   - Other nodes are emitted in the model's opset (converter/qdq/opset_upgrade.h), followed by the
//     fused residual (Conv's 4th input R: Add) and the fused activation
//     (converter/qdq/activation_nodes.h), in the runtime's order: conv, + R, activation, quantize.
//   - Graph inputs and outputs keep their names and float dims.
// The model passes onnx::checker and strict ONNX shape inference before it is returned.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "converter/ir/graph.h"
#include "converter/quantize/quant_params.h"
#include "saturn/status.h"

namespace saturn::converter {

// Errors name the node, op and tensor that cannot be exported, or quote the checker.
Result<onnx::ModelProto> build_qdq_model(const ir::Graph& int8_graph, const QuantMap& quant);

// build_qdq_model, then writes the serialised model to `path`.
Status write_qdq_model(const ir::Graph& int8_graph, const QuantMap& quant, const std::string& path);

}  // namespace saturn::converter
