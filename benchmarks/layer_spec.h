// LayerSpec: one Conv, Gemm or MatMul layer of a real model, as listed in the generated
// benchmarks/layer_shapes.h (scripts/layer_shapes.py), and the one-node Saturn models the layer
// benchmarks (benchmarks/layer_bench.cc) run for it.
//
// FP32 form: X, W, B (and Y) are F32; the fused activation is the model's.
// INT8 form (schema/saturn.fbs, DESIGN section 2): X is `x_dtype` (U8 where the model's input is
// >= 0, e.g. post-ReLU, else S8) with one scale; a constant W is S8 with one scale per output
// channel (Conv: axis 0; Gemm/MatMul: B's N dim as stored); B is an S32 bias; Y is U8 when the
// activation clamps at 0 (Relu, Clip 0..6), else S8, with one scale. A runtime B (MatMul of two
// activations) is an S8 input with one scale.
// The INT8 weights have the reduced ranges the converter stores for CPUs without VNNI
// (converter/quantize/weights.h, ops/conv_int8.h, ops/matmul_int8.h): even w_q in [-126, 126] for a
// non-depthwise Conv with an S8 X; |w_q| <= 63 for every other Conv and for Gemm/MatMul.
#pragma once

#include <cstdint>
#include <vector>

#include "saturn/dtype.h"
#include "saturn/schema/saturn_generated.h"

namespace saturn::bench {

enum class LayerOp { kConv, kGemm, kMatMul };

struct LayerSpec {
  const char* model;  // "resnet50", "mobilenet_v2", "ppocr_rec"
  const char* name;   // distinct within the model, e.g. "conv_3x3_256x256_14x14"
  LayerOp op;
  // Conv: X [N, C, H, W] and W [M, C/group, kh, kw]. Gemm: A [M, K] and B [K, N] (or [N, K] with
  // trans_b). MatMul: A [..., M, K] and B [..., K, N].
  std::vector<int64_t> x_dims;
  std::vector<int64_t> w_dims;
  std::vector<int> strides;    // Conv only: [sh, sw]
  std::vector<int> pads;       // Conv only: [top, left, bottom, right]
  std::vector<int> dilations;  // Conv only: [dh, dw]
  int group;                   // Conv only
  bool trans_b;                // Gemm only
  bool b_runtime;              // MatMul only: B is a second graph input (activation x activation)
  DType x_dtype;               // the INT8 form's X: kU8 or kS8
  fb::ActivationKind activation;  // fused: None, Relu or Clip
  float act_alpha;
  float act_beta;
};

// Builds the serialized one-node model of `spec` in its FP32 (`int8` false) or INT8 form, with
// deterministic pseudo-random weights (seeded by the layer's name).
std::vector<uint8_t> build_layer_model(const LayerSpec& spec, bool int8);

}  // namespace saturn::bench
