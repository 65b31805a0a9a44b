// Graph passes over the converter IR, run in this order by run_passes():
//   1. fold_constants       evaluate constant subgraphs (shape chains, weight preprocessing) and
//                           re-run ONNX shape inference until nothing changes
//   2. remove_dead_nodes    Identity/Dropout rewired away, nodes reaching no output dropped
//   3. fold_batchnorm       BatchNormalization into the preceding Conv, else Mul + Add
//   4. fuse_layernorm       ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div[/Mul/Add] -> LayerNormalization
//   5. fold_affine_into_conv  a constant scalar or per-output-channel Mul / Add / Sub after a Conv
//                           (no fused activation) into its W and B (affine_folding.cc), repeatedly
//   6. fuse_activations     HardSwish patterns, then activations into Conv/ConvTranspose/Gemm/MatMul/Add..
//   7. fold_affine_tails    a constant scalar Mul / Add / Sub after a fused activation into its affine
//                           tail: y = scale * f(x) + shift (ir::Activation), repeatedly
//   8. remove_dead_nodes
// Each pass keeps the nodes in topological order and the tensors' dims valid.
#pragma once

#include "converter/ir/graph.h"
#include "saturn/status.h"

namespace saturn::converter {

Status fold_constants(ir::Graph& graph);
Status remove_dead_nodes(ir::Graph& graph);
Status fold_batchnorm(ir::Graph& graph);
Status fuse_layernorm(ir::Graph& graph);
Status fold_affine_into_conv(ir::Graph& graph);
Status fuse_activations(ir::Graph& graph);
Status fold_affine_tails(ir::Graph& graph);

Status run_passes(ir::Graph& graph);

}  // namespace saturn::converter
