#include "converter/quantize/quantize_pass.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "converter/lowering/lowering.h"
#include "converter/quantize/regions.h"
#include "converter/quantize/weights.h"

namespace saturn::converter {

namespace {

using quantize::Regions;

// Union-find over tensor names.
class Groups {
 public:
  std::string root(const std::string& t) {
    auto it = parent_.find(t);
    if (it == parent_.end()) {
      parent_[t] = t;
      return t;
    }
    if (it->second == t) return t;
    const std::string r = root(it->second);
    parent_[t] = r;
    return r;
  }
  void unite(const std::string& a, const std::string& b) {
    const std::string ra = root(a), rb = root(b);
    if (ra != rb) parent_[ra] = rb;
  }
  std::vector<std::string> members() const {
    std::vector<std::string> m;
    for (const auto& [k, v] : parent_) m.push_back(k);
    return m;
  }

 private:
  std::map<std::string, std::string> parent_;
};

fb::CalibrationMethod fb_method(calibrate::Method m) {
  switch (m) {
    case calibrate::Method::kMax: return fb::CalibrationMethod::Max;
    case calibrate::Method::kPercentile: return fb::CalibrationMethod::Percentile;
    case calibrate::Method::kEntropy: return fb::CalibrationMethod::Entropy;
    case calibrate::Method::kMse: return fb::CalibrationMethod::Mse;
  }
  return fb::CalibrationMethod::None;
}

template <typename T>
std::vector<uint8_t> to_bytes(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

class Pass {
 public:
  Pass(ir::Graph& g, const calibrate::RangeMap& ranges, const QuantizeOptions& o) : g_(g), ranges_(ranges), o_(o) {}

  Result<QuantizeResult> run() {
    for (const auto& name : o_.fp32_nodes) {
      bool found = false;
      for (const auto& n : g_.nodes) found = found || n.name == name;
      if (!found) return Status::error("--fp32-nodes: no node named '" + name + "' in the optimised graph");
    }
    std::set<std::string> fp32_nodes = o_.fp32_nodes;
    // Without VNNI, oneDNN 2.6 has no fast exact INT8 kernel for these, so they stay FP32:
    //  - Gemm and MatMul whose A can go negative, unless the runtime runs them as a 1x1 convolution
    //    (a row-major A and a constant B, ops/matmul_int8.h; exact on even weights, see
    //    matmul_grid): oneDNN's s8 x s8 GEMM ran MobileNetV3's classifier at 1.3 GMAC/s, 10x slower
    //    than FP32; an activation x activation MatMul's s8 B cannot be reduced offline at all;
    //  - ConvTranspose: jit_uni_deconv is wrong for some shapes and is skipped, and the gemm-based
    //    one ran PP-OCR det's at 0.6 GMAC/s (95 ms against 0.8 ms in FP32).
    // On any CPU, a Conv over other than rank-4 data (1D, 3D) stays FP32: the runtime keeps only
    // rank-4 activations channels-last, and oneDNN 2.6's INT8 convolutions on plain NCW / NCDHW data
    // are its reference ones (ref_int8; R3D-18's INT8 check ran for over 15 minutes).
    for (const auto& n : g_.nodes) {
      const ir::Tensor* x = g_.find(n.input(0));
      if (n.domain.empty() && n.op_type == "Conv" && x != nullptr && x->dims.size() != 4) fp32_nodes.insert(n.name);
    }
    const auto producers = g_.producers();
    if (o_.reduced_range)
      for (const auto& n : g_.nodes) {
        if (!n.domain.empty()) continue;
        const bool gemm = n.op_type == "Gemm" || n.op_type == "MatMul";
        if (n.op_type == "ConvTranspose" ||
            (gemm && (!g_.constant(n.input(1)) || (!non_negative(n.input(0), producers) && !runs_as_conv(n)))))
          fp32_nodes.insert(n.name);
      }
    Regions r = quantize::decide_regions(g_, fp32_nodes);
    result_.summary.fused_residuals = quantize::fuse_residuals(g_, r);
    regions_ = std::move(r);
    SATURN_RETURN_IF_ERROR(assign_groups());
    SATURN_RETURN_IF_ERROR(quantize_weights());
    rewrite();
    if (!g_.sort_topologically()) return Status::error("internal: the INT8 graph has a cycle");
    g_.drop_unused_tensors();
    return std::move(result_);
  }

 private:
  // Tensors with an INT8 version: INT8-produced ones and the runtime inputs of INT8 nodes.
  Status assign_groups() {
    Groups scale, type;
    std::set<std::string> force_signed;
    auto add = [&](const std::string& t) {
      scale.root(t);
      type.root(t);
    };
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (!regions_.int8[i]) continue;
      const ir::Node& n = g_.nodes[i];
      const auto ins = quantize::data_inputs(n, g_);
      for (const auto& in : ins) add(in);
      for (const auto& o : n.outputs)
        if (regions_.int8_out.count(o)) add(o);
      const quantize::Role role = quantize::int8_role(n, g_);
      if (role == quantize::Role::kFollower && quantize::keeps_scale(n))
        for (const auto& in : ins) {
          scale.unite(in, n.outputs[0]);
          type.unite(in, n.outputs[0]);
        }
      if (n.op_type == "MatMul" && !g_.constant(n.input(1))) force_signed.insert(n.input(1));
    }
    // Signedness per type group (on the graph after the residual fusion).
    const auto producers = g_.producers();
    std::set<std::string> signed_roots;
    for (const auto& t : type.members()) {
      if (!ranges_.count(t))
        return Status::error("no calibrated range for tensor '" + t + "' (calibration data or cache incomplete)");
      if (!non_negative(t, producers) || force_signed.count(t)) signed_roots.insert(type.root(t));
    }
    // Threshold per scale group, and the member it comes from.
    std::map<std::string, float> group_t;
    std::map<std::string, std::string> group_source;
    for (const auto& t : scale.members()) {
      const bool is_signed = signed_roots.count(type.root(t)) > 0;
      const calibrate::TensorRange& rg = ranges_.at(t);
      const float tt = is_signed ? rg.t_s8 : rg.t_u8;
      float& gt = group_t[scale.root(t)];
      if (tt > gt || !group_source.count(scale.root(t))) group_source[scale.root(t)] = t;
      gt = std::max(gt, tt);
    }
    for (const auto& t : scale.members()) {
      const bool is_signed = signed_roots.count(type.root(t)) > 0;
      const float levels = is_signed ? 127.f : 255.f;
      const float threshold = group_t[scale.root(t)];
      TensorQuant q;
      q.scale = {threshold > 0.f ? threshold / levels : 1.f / levels};
      q.threshold = threshold;
      q.method = o_.max_method_tensors.count(group_source[scale.root(t)]) ? fb::CalibrationMethod::Max
                                                                           : fb_method(o_.method);
      act_[t] = {q, is_signed ? ir::ElemType::kInt8 : ir::ElemType::kUint8};
    }
    return Status::ok();
  }

  // A tensor cannot go negative when its calibrated min >= 0 or its producer's fused activation
  // bounds it below by 0: f >= lo (Relu: 0, Clip: alpha), and a tail scale * f + shift stays >= 0
  // when scale >= 0 and scale * lo + shift >= 0. A tensor without a range counts as signed.
  // `producers` is g_.producers() of the graph as it is now.
  bool non_negative(const std::string& t, const std::map<std::string, size_t>& producers) const {
    auto it = ranges_.find(t);
    if (it != ranges_.end() && it->second.min >= 0.f) return true;
    auto p = producers.find(t);
    if (p == producers.end()) return false;
    const ir::Activation& a = g_.nodes[p->second].fused;
    const bool relu = a.kind == ir::ActivationKind::kRelu, clip = a.kind == ir::ActivationKind::kClip;
    const float lo = clip ? a.alpha : 0.f;
    return (relu || clip) && a.scale >= 0.f && a.scale * lo + a.shift >= 0.f;
  }

  float alpha_of(const std::string& t) const { return act_.at(t).first.scale[0]; }

  // Adds an s8 weight tensor derived from constant `name` and returns its name and scales.
  // With `bias` (of a node whose input has scale alpha_in), the weight scales keep the s32 bias
  // from saturating (quantize::bias_floor).
  std::pair<std::string, quantize::QuantizedWeights> add_weights(const std::string& name, const std::vector<float>& v,
                                                                 const std::vector<int64_t>& dims, int axis,
                                                                 quantize::WeightGrid grid,
                                                                 const std::vector<float>& bias = {},
                                                                 float alpha_in = 0.f) {
    const int q_axis = o_.per_tensor_weights ? -1 : axis;
    const std::vector<float> floor = bias.empty() ? std::vector<float>{} : quantize::bias_floor(bias, alpha_in, q_axis < 0);
    quantize::QuantizedWeights q = quantize::quantize_weights(v, dims, q_axis, grid, floor);
    ir::Tensor t;
    t.name = g_.unique_name(name + "_s8");
    t.dtype = ir::ElemType::kInt8;
    t.has_shape = true;
    t.dims = dims;
    t.data = to_bytes(q.values);
    result_.quant[t.name] = {q.scale, q.axis, 0.f, fb::CalibrationMethod::None};
    const std::string n = t.name;
    g_.tensors[n] = std::move(t);
    return {n, std::move(q)};
  }

  std::string add_bias(const std::string& base, const std::vector<float>& b, float alpha_in,
                       const quantize::QuantizedWeights& w) {
    ir::Tensor t;
    t.name = g_.unique_name(base + "_s32");
    t.dtype = ir::ElemType::kInt32;
    t.has_shape = true;
    t.dims = {static_cast<int64_t>(b.size())};
    t.data = to_bytes(quantize::quantize_bias(b, alpha_in, w.scale));
    TensorQuant q;
    for (float s : w.scale) q.scale.push_back(alpha_in * s);
    q.axis = w.scale.size() == 1 ? -1 : 0;
    result_.quant[t.name] = q;
    const std::string n = t.name;
    g_.tensors[n] = std::move(t);
    return n;
  }

  // The weight grid of a Conv/ConvTranspose `n` with weights `w` (quantize_pass.h, weights.h).
  quantize::WeightGrid conv_grid(const ir::Node& n, const ir::Tensor& w) const {
    if (!o_.reduced_range) return quantize::kFullRange;
    const bool s8_input = act_.at(n.input(0)).second == ir::ElemType::kInt8;
    if (s8_input) return quantize::kReducedRangeEven;
    const int64_t group = n.attr_int("group", 1);
    // Conv W [M, C/g, ...], ConvTranspose W [C, M/g, ...]: depthwise when one channel per group.
    const bool depthwise = group > 1 && w.dims.size() > 2 && w.dims[0] == group && w.dims[1] == 1;
    return depthwise ? quantize::kFullRange : quantize::kReducedRange;
  }

  // Whether the runtime runs Gemm/MatMul `n` (constant B) as a 1x1 convolution (ops/matmul_int8.h):
  // A row-major (Gemm without transA) and B shared by every batch.
  bool runs_as_conv(const ir::Node& n) const {
    if (n.op_type == "Gemm") return n.attr_int("transA", 0) == 0;
    const ir::Tensor* b = g_.constant(n.input(1));
    int64_t batch = 1;
    for (size_t i = 0; b != nullptr && i + 2 < b->dims.size(); ++i) batch *= b->dims[i];
    return b != nullptr && batch == 1;
  }

  // Gemm/MatMul B: 7 bits when reduced, even ones for an s8 A (the 1x1 convolution's rule).
  quantize::WeightGrid matmul_grid(const ir::Node& n) const {
    if (!o_.reduced_range) return quantize::kFullRange;
    return act_.at(n.input(0)).second == ir::ElemType::kInt8 ? quantize::kReducedRangeEven : quantize::kReducedRange;
  }

  Status quantize_weights() {
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (!regions_.int8[i]) continue;
      ir::Node& n = g_.nodes[i];
      if (n.op_type == "Conv" || n.op_type == "ConvTranspose") {
        // Output channels: Conv W [M, C/g, ...] axis 0; ConvTranspose W [C, M/g, ...] axis 1, which
        // holds every output channel only when group is 1 (grouped: per-tensor scales).
        const ir::Tensor w = *g_.constant(n.input(1));
        const int axis = n.op_type == "Conv" ? 0 : (n.attr_int("group", 1) == 1 ? 1 : -1);
        const std::vector<float> bias = n.input(2).empty() ? std::vector<float>{} : ir::as_floats(*g_.constant(n.input(2)));
        const float alpha_in = alpha_of(n.input(0));
        auto [wn, wq] = add_weights(w.name, ir::as_floats(w), w.dims, axis, conv_grid(n, w), bias, alpha_in);
        n.inputs[1] = wn;
        if (!bias.empty()) n.inputs[2] = add_bias(n.input(2), bias, alpha_in, wq);
      } else if (n.op_type == "Gemm") {
        const ir::Tensor b = *g_.constant(n.input(1));
        const bool tb = n.attr_int("transB", 0) != 0;
        const int axis = tb ? 0 : 1;
        const float alpha = n.attr_float("alpha", 1.f), beta = n.attr_float("beta", 1.f);
        std::vector<float> bv = ir::as_floats(b);
        for (float& x : bv) x *= alpha;
        std::vector<float> c = n.input(2).empty() ? std::vector<float>{} : ir::as_floats(*g_.constant(n.input(2)));
        if (c.size() == 1) c.assign(static_cast<size_t>(b.dims[axis]), c[0]);
        for (float& x : c) x *= beta;
        const float alpha_in = alpha_of(n.input(0));
        auto [bn, bq] = add_weights(b.name, bv, b.dims, axis, matmul_grid(n), c, alpha_in);
        n.inputs[1] = bn;
        if (!c.empty()) n.inputs[2] = add_bias(n.input(2), c, alpha_in, bq);
        n.attrs["alpha"] = ir::float_attribute(1.f);
        n.attrs["beta"] = ir::float_attribute(1.f);
      } else if (n.op_type == "MatMul" && g_.constant(n.input(1))) {
        const ir::Tensor b = *g_.constant(n.input(1));
        const int axis = b.dims.size() >= 2 ? static_cast<int>(b.dims.size()) - 1 : -1;
        n.inputs[1] = add_weights(b.name, ir::as_floats(b), b.dims, axis, matmul_grid(n)).first;
      }
    }
    return Status::ok();
  }

  ir::Tensor& declare(const std::string& name, const std::string& like, ir::ElemType dtype) {
    ir::Tensor t = *g_.find(like);
    t.name = name;
    t.dtype = dtype;
    t.data.reset();
    return g_.tensors[name] = std::move(t);
  }

  ir::Node internal_node(const std::string& op, const std::string& name, const std::string& in, const std::string& out) {
    ir::Node n = ir::make_node(op, name, 1, {in}, {out});
    n.domain = kInternalDomain;
    return n;
  }

  void rewrite() {
    std::map<std::string, std::string> int8_name, f32_name;
    std::vector<ir::Node> out;
    // Renames INT8 outputs that are graph outputs; sets output dtypes.
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      for (auto& o : g_.nodes[i].outputs) {
        if (!regions_.int8_out.count(o)) continue;
        const auto& [q, dtype] = act_.at(o);
        std::string name = o;
        if (g_.is_graph_output(o)) {
          name = g_.unique_name(o + "_int8");
          declare(name, o, dtype);
        } else {
          g_.find(o)->dtype = dtype;
        }
        int8_name[o] = name;
        result_.quant[name] = q;
        o = name;
      }
    }
    auto get_int8 = [&](const std::string& t, std::vector<ir::Node>& nodes) {
      auto it = int8_name.find(t);
      if (it != int8_name.end()) return it->second;
      const auto& [q, dtype] = act_.at(t);
      const std::string name = g_.unique_name(t + "_quantized");
      declare(name, t, dtype);
      result_.quant[name] = q;
      nodes.push_back(internal_node("Quantize", name, t, name));
      ++result_.summary.quantize_nodes;
      return int8_name[t] = name;
    };
    auto get_f32 = [&](const std::string& original, std::vector<ir::Node>& nodes) {
      auto it = f32_name.find(original);
      if (it != f32_name.end()) return it->second;
      const std::string q = int8_name.at(original);
      const std::string name = q != original ? original : g_.unique_name(original + "_dequantized");
      if (name != original) declare(name, original, ir::ElemType::kFloat);
      else g_.find(original)->dtype = ir::ElemType::kFloat;
      nodes.push_back(internal_node("Dequantize", name, q, name));
      ++result_.summary.dequantize_nodes;
      return f32_name[original] = name;
    };
    // Original tensor name of each INT8 output name.
    std::map<std::string, std::string> original_of;
    for (const auto& [orig, q] : int8_name) original_of[q] = orig;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      ir::Node n = g_.nodes[i];
      const bool int8 = regions_.int8[i];
      const auto data = quantize::data_inputs(n, g_);
      for (auto& in : n.inputs) {
        if (in.empty() || g_.constant(in)) continue;
        if (int8) {
          if (std::find(data.begin(), data.end(), in) != data.end()) in = get_int8(in, out);
        } else if (regions_.int8_out.count(in)) {
          in = get_f32(in, out);
        }
      }
      if (int8) {
        ++result_.summary.int8_nodes;
      } else {
        ++result_.summary.fp32_nodes;
        result_.summary.fp32_node_names.push_back(n.name);
      }
      out.push_back(std::move(n));
    }
    for (const auto& o : g_.outputs)
      if (regions_.int8_out.count(o)) get_f32(o, out);
    g_.nodes = std::move(out);
  }

  ir::Graph& g_;
  const calibrate::RangeMap& ranges_;
  const QuantizeOptions& o_;
  Regions regions_;
  std::map<std::string, std::pair<TensorQuant, ir::ElemType>> act_;
  QuantizeResult result_;
};

}  // namespace

Result<QuantizeResult> quantize_graph(ir::Graph& graph, const calibrate::RangeMap& ranges,
                                      const QuantizeOptions& options) {
  return Pass(graph, ranges, options).run();
}

}  // namespace saturn::converter
