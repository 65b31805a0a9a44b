// Re-runs ONNX shape inference on the IR: exports the graph to a ModelProto (runtime inputs and
// large float constants as typed inputs without data, other constants as initializers, no stale
// value_info), runs onnx::shape_inference::InferShapes, and reads the inferred types and dims back.
// Known dims are never replaced by unknown ones.
#pragma once

#include <onnx/onnx_pb.h>

#include "converter/ir/graph.h"
#include "saturn/status.h"

namespace saturn::converter {

// Exports the IR (as described above) to a ModelProto for shape inference.
onnx::ModelProto export_for_shape_inference(const ir::Graph& graph);

// Runs shape inference and updates tensor dims/types. `changed` (optional) is set when any tensor
// gained information.
Status refresh_shapes(ir::Graph& graph, bool* changed = nullptr);

}  // namespace saturn::converter
