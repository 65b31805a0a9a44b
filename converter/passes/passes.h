// Graph passes over the converter IR, run in this order by run_passes():
//   1. fold_constants       evaluate constant subgraphs (shape chains, weight preprocessing) and
//                           re-run ONNX shape inference until nothing changes
//   2. remove_dead_nodes    Identity/Dropout rewired away, nodes reaching no output dropped
//      fold_pads            a Pad of nothing removed; a zero Pad of the spatial dims into the pads
//                           of its only reader, a Conv or an AveragePool that counts pads (pad_folding.cc)
//   3. fold_batchnorm       BatchNormalization into the preceding Conv, else Mul + Add
//   4. fuse_layernorm       ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div[/Mul/Add] -> LayerNormalization
//      mean_as_global_pool  ReduceMean over dims 2, 3 of a rank-4 tensor -> GlobalAveragePool
//                           (+ Flatten when keepdims is 0)
//   5. fold_affine_into_conv  a constant scalar or per-output-channel Mul / Add / Sub after a Conv
//                           (no fused activation) into its W and B (affine_folding.cc), repeatedly
//   6. fuse_activations     HardSwish and GELU patterns, then activations into Conv/ConvTranspose/
//                           Gemm/MatMul/Add..
//   7. fold_affine_tails    a constant scalar Mul / Add / Sub after a fused activation into its affine
//                           tail: y = scale * f(x) + shift (ir::Activation), repeatedly
//   8. remove_dead_nodes
// Each pass keeps the nodes in topological order and the tensors' dims valid.
//
// fuse_residual_adds is not in that order: convert.cc runs it on FP32 models before writing them,
// and the INT8 pass (quantize/regions.h) on the nodes it puts in INT8. Nor is
// fuse_channel_shuffles: convert.cc runs it last, on FP32 models and on INT8 ones after the QDQ
// export (which writes standard ONNX ops only). Nor is split_table_activations: convert.cc runs it
// on INT8 conversions, before calibration.
#pragma once

#include <cstddef>
#include <functional>

#include "converter/ir/graph.h"
#include "saturn/status.h"

namespace saturn::converter {

Status fold_constants(ir::Graph& graph);
Status remove_dead_nodes(ir::Graph& graph);
Status fold_pads(ir::Graph& graph);
Status fold_batchnorm(ir::Graph& graph);
Status fuse_layernorm(ir::Graph& graph);
Status mean_as_global_pool(ir::Graph& graph);
Status fold_affine_into_conv(ir::Graph& graph);
Status fuse_activations(ir::Graph& graph);
Status fold_affine_tails(ir::Graph& graph);

Status run_passes(ir::Graph& graph);

// Fuses residual Adds into Convs: Add(Conv(x, W, B), r) becomes Conv(x, W, B, r), Conv's optional
// residual input 3 (lowering.h), with the Add's activation and output. The Conv must have no
// activation or residual yet, and its output must feed only the Add and be no graph output; both
// Add inputs must have the Add's dims. When both inputs qualify, the later Conv takes the other as
// R, which is then computed before it. `allowed(add, conv)` (node indices) may veto a pair;
// `before_removing(conv)` runs just before the Conv at that index leaves graph.nodes (the Add's
// index then holds the fused Conv). Returns the number of fusions.
int fuse_residual_adds(ir::Graph& graph, const std::function<bool(size_t add, size_t conv)>& allowed,
                       const std::function<void(size_t conv)>& before_removing);

// Replaces each channel shuffle, Reshape [N, C, H, W] -> [N, g, C / g, H, W], Transpose(0, 2, 1, 3,
// 4), Reshape back to [N, C, H, W], whose two intermediate tensors have no other reader and are no
// graph outputs, by one ChannelShuffle node (domain kInternalDomain, attribute groups = g, the
// first Reshape's name). Any dtype: the INT8 graph's tensors keep their QuantMap entries. Returns
// the number of shuffles fused.
int fuse_channel_shuffles(ir::Graph& graph);

// Splits the fused Swish of each Conv with at least 4096 output elements into a node of its own: Conv ->
// "<y>_preactivation" -> Activation (domain kInternalDomain, the Conv's former ir::Activation in its `fused`,
// lowered to a Unary) -> y. For INT8 conversions, before calibration, so that the pre-activation is
// calibrated: the INT8 Conv then requantizes without oneDNN's e^x post-op (its cost is the same in INT8 as in
// FP32: EfficientNet-B0's expanding 1x1 convs ran 1.3-1.9x faster than FP32, the others 2-3x), and
// the INT8 Unary maps each byte through a 256-entry table. Returns the number of splits.
int split_table_activations(ir::Graph& graph);

}  // namespace saturn::converter
