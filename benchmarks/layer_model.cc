// One-node FP32 and INT8 models of a LayerSpec (contract in benchmarks/layer_spec.h).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "benchmarks/layer_spec.h"
#include "tests/runtime/model_builder.h"

namespace saturn::bench {
namespace {

using saturn::testing::ModelBuilder;
using FBB = flatbuffers::FlatBufferBuilder;

int64_t product(const std::vector<int64_t>& d, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= d[i];
  return p;
}

std::vector<int64_t> output_dims(const LayerSpec& s) {
  const auto& x = s.x_dims;
  const auto& w = s.w_dims;
  if (s.op == LayerOp::kConv) {
    std::vector<int64_t> y = {x[0], w[0]};
    for (int i = 0; i < 2; ++i) {
      const int64_t extent = (w[2 + i] - 1) * s.dilations[i] + 1;
      y.push_back((x[2 + i] + s.pads[i] + s.pads[2 + i] - extent) / s.strides[i] + 1);
    }
    return y;
  }
  if (s.op == LayerOp::kGemm) return {x[0], s.trans_b ? w[0] : w[1]};
  // MatMul: numpy broadcasting of the batch dims, then [M, N].
  const size_t rank = std::max(x.size(), w.size());
  std::vector<int64_t> y(rank);
  for (size_t i = 0; i + 2 < rank; ++i) {
    const int64_t a = i + x.size() >= rank ? x[i + x.size() - rank] : 1;
    const int64_t b = i + w.size() >= rank ? w[i + w.size() - rank] : 1;
    y[i] = std::max(a, b);
  }
  y[rank - 2] = x[x.size() - 2];
  y[rank - 1] = w.back();
  return y;
}

// The reduction length K of one output element.
int64_t reduction(const LayerSpec& s) {
  if (s.op == LayerOp::kConv) return product(s.w_dims, 1, 4);
  return s.x_dims.back();
}

// The number of output channels (Conv M, Gemm/MatMul N), which carry the weight scales.
int64_t out_channels(const LayerSpec& s) {
  const std::vector<int64_t> y = output_dims(s);
  return s.op == LayerOp::kConv ? y[1] : y.back();
}

// Constant B's per-channel quant axis: Conv 0; Gemm the N dim as stored; MatMul the last dim.
int weight_axis(const LayerSpec& s) {
  if (s.op == LayerOp::kConv) return 0;
  if (s.op == LayerOp::kGemm) return s.trans_b ? 0 : 1;
  return static_cast<int>(s.w_dims.size()) - 1;
}

// The int8 weight values for the spec (layer_spec.h): their range, and whether they must be even.
std::pair<int, bool> weight_range(const LayerSpec& s) {
  const bool depthwise = s.op == LayerOp::kConv && s.group > 1 && s.group == s.x_dims[1] && s.group == s.w_dims[0];
  if (s.op == LayerOp::kConv && s.x_dtype == DType::kS8 && !depthwise) return {126, true};
  return {63, false};
}

std::vector<int8_t> random_s8(size_t n, int limit, bool even, std::mt19937& gen) {
  std::uniform_int_distribution<int> dist(-limit, limit);
  std::vector<int8_t> v(n);
  for (int8_t& q : v) {
    int x = dist(gen);
    if (even) x = x / 2 * 2;
    q = static_cast<int8_t>(x);
  }
  return v;
}

std::vector<float> random_f32(size_t n, float lo, float hi, std::mt19937& gen) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

ModelBuilder::OpFn op_of(const LayerSpec& s) {
  const LayerSpec spec = s;
  return [spec](FBB& f) -> std::pair<fb::Op, flatbuffers::Offset<void>> {
    const auto act = fb::CreateActivation(f, spec.activation, spec.act_alpha, spec.act_beta);
    if (spec.op == LayerOp::kConv) {
      const std::vector<int> kernel = {static_cast<int>(spec.w_dims[2]), static_cast<int>(spec.w_dims[3])};
      return {fb::Op::Conv, fb::CreateConvDirect(f, &kernel, &spec.strides, &spec.dilations, &spec.pads, spec.group,
                                                 act).Union()};
    }
    if (spec.op == LayerOp::kGemm) {
      return {fb::Op::Gemm, fb::CreateGemm(f, 1.f, 1.f, false, spec.trans_b, act).Union()};
    }
    return {fb::Op::MatMul, fb::CreateMatMul(f, act).Union()};
  };
}

}  // namespace

std::vector<uint8_t> build_layer_model(const LayerSpec& s, bool int8) {
  std::mt19937 gen(static_cast<uint32_t>(std::hash<std::string>{}(std::string(s.model) + "/" + s.name)));
  ModelBuilder b;
  b.description = std::string("layer benchmark ") + s.model + "/" + s.name + (int8 ? " int8" : " fp32");
  const std::vector<int64_t> y_dims = output_dims(s);
  const int64_t channels = out_channels(s);
  const bool with_bias = s.op != LayerOp::kMatMul;
  const size_t w_count = static_cast<size_t>(product(s.w_dims, 0, s.w_dims.size()));
  std::vector<int32_t> node_inputs;

  if (!int8) {
    node_inputs.push_back(b.add_input("x", s.x_dims));
    if (s.b_runtime) {
      node_inputs.push_back(b.add_input("b", s.w_dims));
    } else {
      node_inputs.push_back(b.add_constant("w", s.w_dims, fb::DType::F32, random_f32(w_count, -0.1f, 0.1f, gen)));
    }
    if (with_bias) {
      node_inputs.push_back(b.add_constant("bias", {channels}, fb::DType::F32,
                                           random_f32(static_cast<size_t>(channels), -0.5f, 0.5f, gen)));
    }
    const int y = b.add_tensor("y", y_dims);
    b.add_node(s.name, op_of(s), node_inputs, {y});
    b.add_output(y);
    return b.finish();
  }

  // INT8: scales chosen so that the outputs use their range (their values do not change the speed).
  const bool x_u8 = s.x_dtype == DType::kU8;
  const float alpha_x = x_u8 ? 4.f / 255 : 4.f / 127;
  const int x = b.add_input("x", s.x_dims, x_u8 ? fb::DType::U8 : fb::DType::S8);
  b.set_quant(x, {alpha_x});
  node_inputs.push_back(x);
  const auto [limit, even] = weight_range(s);
  float alpha_w_mean = 0.f;
  if (s.b_runtime) {
    const int w = b.add_input("b", s.w_dims, fb::DType::S8);
    b.set_quant(w, {0.25f / 63});
    alpha_w_mean = 0.25f / 63;
    node_inputs.push_back(w);
  } else {
    const int w = b.add_constant("w", s.w_dims, fb::DType::S8, random_s8(w_count, limit, even, gen));
    std::vector<float> alpha_w(static_cast<size_t>(channels));
    for (size_t c = 0; c < alpha_w.size(); ++c) alpha_w[c] = (0.05f + 0.05f * static_cast<float>(c % 7) / 7) / limit;
    for (float a : alpha_w) alpha_w_mean += a / static_cast<float>(alpha_w.size());
    b.set_quant(w, alpha_w, weight_axis(s));
    node_inputs.push_back(w);
  }
  if (with_bias) {
    std::uniform_int_distribution<int32_t> dist(-2000, 2000);
    std::vector<int32_t> bias(static_cast<size_t>(channels));
    for (int32_t& v : bias) v = dist(gen);
    node_inputs.push_back(b.add_constant("bias", {channels}, fb::DType::S32, bias));
  }
  const bool y_u8 = s.activation == fb::ActivationKind::Relu || s.activation == fb::ActivationKind::Clip;
  const int y = b.add_tensor("y", y_dims, y_u8 ? fb::DType::U8 : fb::DType::S8);
  // Spread of one accumulator: sqrt(K) * rms(x_q) * rms(w_q); the output range covers 3 of them.
  const double acc_rms = std::sqrt(static_cast<double>(reduction(s))) * (x_u8 ? 147.0 : 73.0) * limit / std::sqrt(3.0);
  b.set_quant(y, {static_cast<float>(3.0 * acc_rms * alpha_x * alpha_w_mean / (y_u8 ? 255 : 127))});
  b.add_node(s.name, op_of(s), node_inputs, {y});
  b.add_output(y);
  return b.finish();
}

}  // namespace saturn::bench
