// The INT8 pass: rewrites an optimised FP32 IR graph (after converter/passes) into the INT8 graph,
// given the calibrated ranges of its tensors (converter/calibrate/ranges.h). DESIGN sections 1-2.
//
// Regions.
//   - Anchors: Conv, ConvTranspose, Gemm (constant B; C absent or a constant of 1 or N values) and MatMul (A
//   a
//     runtime tensor; B constant -> s8 weights, or a runtime tensor -> s8 activation) run in INT8.
//   - Followers run in INT8 when one of their data inputs is INT8 (a Mul: both): Add and Mul (two
//     runtime inputs; a Mul e.g. a squeeze-and-excitation gate), Concat
//     (runtime inputs), MaxPool, AveragePool, GlobalAveragePool, Resize/Upsample nearest, and the
//     data-movement ops Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Slice, Pad (constant mode
//     with value 0, reflect, edge), Identity, Gather (runtime data), and the internal Activation
//     split from a Conv (passes.h split_table_activations; an output scale of its own). Every other op, and
//     every node named in options.fp32_nodes, runs in FP32.
//   - An INT8 node whose runtime input is F32 reads it through a Quantize node (one per tensor,
//     shared by every INT8 consumer); an FP32 node whose input is INT8 reads it through a Dequantize
//     node (one per tensor, shared). An anchor whose consumers all run in FP32, or whose output is a
//     graph output, produces F32 directly (no Dequantize); an Add or Mul then runs in FP32 (oneDNN
//     2.6 has no fast INT8 binary with an F32 output; regions.cc). Graph inputs and outputs stay F32 (an
//     INT8 tensor that is a graph output is renamed "<name>_int8" and a Dequantize produces <name>).
// Types and scales (real = alpha * q).
//   - Tensors that must share one scale form a group: a pool, resize or data-movement op's input and
//     output; all inputs and the output of a Concat. A group's T is the largest T of its members and
//     its type is s8 (alpha = T/127) if any member can go negative, else u8 (alpha = T/255). A tensor
//     cannot go negative when its calibrated min >= 0 or its producer has a fused Relu (lo = 0) or
//     Clip (lo = its lower bound) whose result, with the affine tail, stays >= 0: scale >= 0 and
//     scale * lo + shift >= 0 (without a tail: lo >= 0). A runtime MatMul B is always s8; a fused residual R
//     keeps its own type and scale.
//   - T = 0 (a tensor that was all zeros in calibration) gets alpha = 1/levels (as if T = 1): zeros
//     stay exact, and the bias scale alpha_in * alpha_w stays far from int32 overflow.
//   - Weights s8 per output channel (Conv W axis 0; ConvTranspose W [C, M/g, ...] axis 1 when group
//     is 1, per tensor when grouped; Gemm B the N axis of B as stored; MatMul B its
//     last axis), or per tensor with options.per_tensor_weights; bias s32 (quantize/weights.h), the
//     weight scales raised where needed to keep it from saturating (quantize::bias_floor).
//     Gemm's alpha and beta are folded (alpha into B before quantizing, beta into C) and set to 1.
//     With options.reduced_range (for CPUs without VNNI, ops/conv_int8.h) weights take 7 bits:
//     |w_q| <= 63, and the weights of a Conv with an s8 input are even in [-126, 126]
//     (quantize/weights.h WeightGrid); a depthwise conv with a u8 input keeps the full range; Gemm
//     and MatMul B |b_q| <= 63, even in [-126, 126] for an s8 A. ConvTranspose, Gemm/MatMul whose B
//     is a runtime tensor, and those whose A can go negative unless the runtime runs them as a 1x1
//     convolution (row-major A: Gemm without transA; B shared by every batch; ops/matmul_int8.h),
//     stay FP32 then (oneDNN 2.6 has no INT8 kernel for them that is both exact and faster than
//     FP32 without VNNI; measurements in quantize_pass.cc). A Conv over 1D or 3D data stays FP32
//     on any CPU (oneDNN's INT8 convolutions on plain NCW / NCDHW data are reference kernels).
// Residual fusion: an INT8 Add whose INT8 output is not a graph output and one of whose inputs is
// produced by an INT8 Conv with no activation and no other consumer becomes that Conv's 4th input
// R (the Add's other input) with the Add's activation; the Conv takes the Add's place and output.
// Every quantized tensor gets QuantParams (scale, axis, threshold, method) in the returned map.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "converter/calibrate/ranges.h"
#include "converter/ir/graph.h"
#include "converter/quantize/quant_params.h"
#include "saturn/status.h"

namespace saturn::converter {

struct QuantizeOptions {
  calibrate::Method method = calibrate::Method::kEntropy;  // recorded in QuantParams.method
  bool per_tensor_weights = false;
  bool reduced_range = false;  // 7-bit weights (see the header comment)
  std::set<std::string> fp32_nodes;  // node names that stay FP32 (each must exist)
  // Tensors whose T is max|x| whatever the method (calibrate/ranges.h max_method_tensors): a scale
  // group whose T comes from one of them records CalibrationMethod::Max.
  std::set<std::string> max_method_tensors;
};

struct QuantizeSummary {
  int int8_nodes = 0;        // original nodes running in INT8 (fused Adds not counted)
  int fp32_nodes = 0;        // original nodes running in FP32
  int quantize_nodes = 0;
  int dequantize_nodes = 0;
  int fused_residuals = 0;
  std::vector<std::string> fp32_node_names;
};

struct QuantizeResult {
  QuantMap quant;
  QuantizeSummary summary;
};

// Rewrites `graph` in place. Errors name the tensor with no calibrated range, or the unknown
// fp32_nodes entry.
Result<QuantizeResult> quantize_graph(ir::Graph& graph, const calibrate::RangeMap& ranges,
                                      const QuantizeOptions& options);

}  // namespace saturn::converter
