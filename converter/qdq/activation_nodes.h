// Standard ONNX nodes for a fused activation (ir::Activation, converter/ir/graph.h), for the QDQ
// exporter. The builder's opset must be >= 13 (Clip bounds as inputs); HardSwish needs >= 14.
//   Relu -> Relu; Clip(min, max) -> Clip with float scalar inputs ("" for an infinite bound);
//   Sigmoid, Tanh -> themselves; HardSigmoid(alpha, beta), LeakyRelu(alpha) -> with attributes;
//   HardSwish -> HardSwish. An affine tail (scale, shift) follows as Mul and Add by float scalars.
#pragma once

#include <string>

#include "converter/ir/graph.h"
#include "converter/qdq/qdq_builder.h"
#include "saturn/status.h"

namespace saturn::converter::qdq {

// Appends the node(s) computing out = activation(in), tail included. kNone without a tail is an
// error (nothing to emit).
Status add_activation(QdqBuilder& b, const ir::Activation& a, const std::string& in, const std::string& out,
                      const std::string& node_base);

}  // namespace saturn::converter::qdq
