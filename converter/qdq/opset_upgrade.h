// Emits an IR node (default domain, any opset the converter lowers: converter/lowering/op_table.cc)
// in the form of the QDQ model's opset (>= 13), for the QDQ exporter.
//
// Nodes of opset >= 13 are copied (op type and attributes). Older forms are rewritten with the same
// meaning (the lowering's reading of each form, converter/lowering):
//   Softmax < 13       coerce-to-2D at `axis` (default 1): Softmax(axis) when axis is the last,
//                      else Flatten(axis) -> Softmax(axis=1) -> Reshape(output dims)
//   Squeeze/Unsqueeze < 13   attribute axes -> int64 input
//   Slice < 10         attributes starts/ends/axes -> int64 inputs
//   Pad < 11           attributes pads/value -> inputs (mode kept)
//   Clip < 11          attributes min/max -> float scalar inputs
//   Resize < 11, Upsample    Resize(X, "", scales) with coordinate_transformation_mode asymmetric,
//                      nearest_mode floor, mode nearest or linear (Upsample's bilinear)
// The node's fused activation is not emitted here (the exporter adds it after `outputs`).
#pragma once

#include <string>
#include <vector>

#include "converter/ir/graph.h"
#include "converter/qdq/qdq_builder.h"
#include "saturn/status.h"

namespace saturn::converter::qdq {

// `node` is the source node (for its opset, attributes and, through `graph`, the dims of its
// original inputs and outputs); `inputs` and `outputs` are the names to use in the QDQ model.
Status add_standard_node(QdqBuilder& b, const ir::Graph& graph, const ir::Node& node,
                         const std::vector<std::string>& inputs, const std::vector<std::string>& outputs);

}  // namespace saturn::converter::qdq
