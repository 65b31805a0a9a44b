// Reads an ONNX activation node (Relu, Clip, Sigmoid, HardSigmoid, HardSwish, LeakyRelu, Tanh), or
// the internal Gelu (passes/gelu_pattern.cc), into an ir::Activation with every parameter explicit:
//   Clip: alpha = min, beta = max (opset >= 11: constant inputs 1 and 2, before: attributes; an
//         absent bound is -inf / +inf). Clip(0, +inf) is reported as Relu.
//   HardSigmoid: alpha (default 0.2), beta (default 0.5). LeakyRelu: alpha (default 0.01).
// Errors ("unsupported ...") for non-constant Clip bounds or unknown attributes.
#pragma once

#include "converter/ir/graph.h"
#include "saturn/status.h"

namespace saturn::converter {

bool is_activation_op(const ir::Node& node);
bool is_internal_gelu(const ir::Node& node);  // domain kInternalDomain, op Gelu
Result<ir::Activation> activation_from_node(const ir::Node& node, const ir::Graph& graph);
const char* activation_name(ir::ActivationKind kind);

}  // namespace saturn::converter
