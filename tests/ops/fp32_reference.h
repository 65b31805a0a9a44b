// Straightforward scalar FP32 references for the compute-kernel tests (conv, conv transpose, pool):
// NCHW plain tensors, double accumulation, written from the ONNX operator definitions. A 1D op is
// the 2D op with H = 1 (kernel 1, stride 1, no pads along H).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "ops/kernel.h"

namespace saturn::testing {

// The schema's activation definitions (saturn.fbs, ActivationKind).
inline double activate(fb::ActivationKind kind, float alpha, float beta, double x) {
  switch (kind) {
    case fb::ActivationKind::None: return x;
    case fb::ActivationKind::Relu: return std::max(x, 0.0);
    case fb::ActivationKind::Clip: return std::min(std::max(x, double{alpha}), double{beta});
    case fb::ActivationKind::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case fb::ActivationKind::HardSigmoid: return std::max(0.0, std::min(1.0, alpha * x + beta));
    case fb::ActivationKind::HardSwish: return x * std::max(0.0, std::min(1.0, x / 6 + 0.5));
    case fb::ActivationKind::LeakyRelu: return x >= 0 ? x : alpha * x;
    case fb::ActivationKind::Tanh: return std::tanh(x);
    case fb::ActivationKind::Swish: return x / (1.0 + std::exp(-x));
    case fb::ActivationKind::Gelu: return x * (1.0 + std::erf(x / std::sqrt(2.0))) / 2;
  }
  return x;
}

// Spatial attributes of a 2D window op; index 0 is H, 1 is W.
struct Window2d {
  int64_t kernel[2];
  int64_t stride[2];
  int64_t dilation[2];
  int64_t pad_begin[2];
  int64_t pad_end[2];
};

struct Tensor4 {
  std::vector<float> data;
  std::vector<int64_t> dims;  // N, C, H, W
  float at(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return data[((n * dims[1] + c) * dims[2] + h) * dims[3] + w];
  }
};

// ONNX Conv: x [N, C, H, W], w [M, C/group, KH, KW], bias [M] or empty.
inline Tensor4 conv2d(const Tensor4& x, const std::vector<float>& w, const std::vector<float>& bias,
                      int64_t m, int64_t group, const Window2d& g,
                      fb::ActivationKind act = fb::ActivationKind::None, float alpha = 0.f,
                      float beta = 0.f) {
  const int64_t n_ = x.dims[0], c_ = x.dims[1], h_ = x.dims[2], w_ = x.dims[3];
  const int64_t cg = c_ / group, mg = m / group;
  int64_t out[2];
  for (int d = 0; d < 2; ++d) {
    const int64_t in = x.dims[2 + d];
    out[d] = (in + g.pad_begin[d] + g.pad_end[d] - ((g.kernel[d] - 1) * g.dilation[d] + 1)) / g.stride[d] + 1;
  }
  Tensor4 y{std::vector<float>(static_cast<size_t>(n_ * m * out[0] * out[1])), {n_, m, out[0], out[1]}};
  for (int64_t n = 0; n < n_; ++n)
    for (int64_t oc = 0; oc < m; ++oc)
      for (int64_t oh = 0; oh < out[0]; ++oh)
        for (int64_t ow = 0; ow < out[1]; ++ow) {
          double acc = bias.empty() ? 0.0 : bias[oc];
          const int64_t grp = oc / mg;
          for (int64_t ic = 0; ic < cg; ++ic)
            for (int64_t kh = 0; kh < g.kernel[0]; ++kh)
              for (int64_t kw = 0; kw < g.kernel[1]; ++kw) {
                const int64_t ih = oh * g.stride[0] - g.pad_begin[0] + kh * g.dilation[0];
                const int64_t iw = ow * g.stride[1] - g.pad_begin[1] + kw * g.dilation[1];
                if (ih < 0 || ih >= h_ || iw < 0 || iw >= w_) continue;
                acc += double{x.at(n, grp * cg + ic, ih, iw)} *
                       w[((oc * cg + ic) * g.kernel[0] + kh) * g.kernel[1] + kw];
              }
          y.data[((n * m + oc) * out[0] + oh) * out[1] + ow] =
              static_cast<float>(activate(act, alpha, beta, acc));
        }
  return y;
}

// ONNX ConvTranspose: x [N, C, H, W], w [C, M/group, KH, KW], bias [M] or empty.
inline Tensor4 conv_transpose2d(const Tensor4& x, const std::vector<float>& w, const std::vector<float>& bias,
                                int64_t m, int64_t group, const Window2d& g, const int64_t output_padding[2],
                                fb::ActivationKind act = fb::ActivationKind::None, float alpha = 0.f,
                                float beta = 0.f) {
  const int64_t n_ = x.dims[0], c_ = x.dims[1];
  const int64_t cg = c_ / group, mg = m / group;
  int64_t out[2];
  for (int d = 0; d < 2; ++d) {
    out[d] = g.stride[d] * (x.dims[2 + d] - 1) + output_padding[d] + (g.kernel[d] - 1) * g.dilation[d] + 1 -
             g.pad_begin[d] - g.pad_end[d];
  }
  std::vector<double> acc(static_cast<size_t>(n_ * m * out[0] * out[1]), 0.0);
  for (int64_t n = 0; n < n_; ++n)
    for (int64_t ic = 0; ic < c_; ++ic)
      for (int64_t ih = 0; ih < x.dims[2]; ++ih)
        for (int64_t iw = 0; iw < x.dims[3]; ++iw) {
          const int64_t grp = ic / cg;
          for (int64_t j = 0; j < mg; ++j)
            for (int64_t kh = 0; kh < g.kernel[0]; ++kh)
              for (int64_t kw = 0; kw < g.kernel[1]; ++kw) {
                const int64_t oh = ih * g.stride[0] + kh * g.dilation[0] - g.pad_begin[0];
                const int64_t ow = iw * g.stride[1] + kw * g.dilation[1] - g.pad_begin[1];
                if (oh < 0 || oh >= out[0] || ow < 0 || ow >= out[1]) continue;
                const int64_t oc = grp * mg + j;
                acc[((n * m + oc) * out[0] + oh) * out[1] + ow] +=
                    double{x.at(n, ic, ih, iw)} * w[((ic * mg + j) * g.kernel[0] + kh) * g.kernel[1] + kw];
              }
        }
  Tensor4 y{std::vector<float>(acc.size()), {n_, m, out[0], out[1]}};
  for (size_t i = 0; i < acc.size(); ++i) {
    const int64_t oc = static_cast<int64_t>(i) / (out[0] * out[1]) % m;
    y.data[i] = static_cast<float>(activate(act, alpha, beta, acc[i] + (bias.empty() ? 0.0 : bias[oc])));
  }
  return y;
}

// ONNX MaxPool / AveragePool. Output size: floor or ceil((in + pads - window) / stride) + 1, and with
// ceil_mode a window starting past the input and the begin padding is dropped. Average divides by
// the taps inside the input (count_include_pad off) or inside [-pad_begin, in + pad_end) (on).
inline Tensor4 pool2d(const Tensor4& x, bool max, bool count_include_pad, bool ceil_mode, const Window2d& g) {
  int64_t out[2];
  for (int d = 0; d < 2; ++d) {
    const int64_t in = x.dims[2 + d];
    const int64_t span = in + g.pad_begin[d] + g.pad_end[d] - ((g.kernel[d] - 1) * g.dilation[d] + 1);
    out[d] = ceil_mode ? (span + g.stride[d] - 1) / g.stride[d] + 1 : span / g.stride[d] + 1;
    if (ceil_mode && (out[d] - 1) * g.stride[d] >= in + g.pad_begin[d]) --out[d];
  }
  const int64_t n_ = x.dims[0], c_ = x.dims[1];
  Tensor4 y{std::vector<float>(static_cast<size_t>(n_ * c_ * out[0] * out[1])), {n_, c_, out[0], out[1]}};
  for (int64_t n = 0; n < n_; ++n)
    for (int64_t c = 0; c < c_; ++c)
      for (int64_t oh = 0; oh < out[0]; ++oh)
        for (int64_t ow = 0; ow < out[1]; ++ow) {
          double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
          int64_t count = 0;
          for (int64_t kh = 0; kh < g.kernel[0]; ++kh)
            for (int64_t kw = 0; kw < g.kernel[1]; ++kw) {
              const int64_t ih = oh * g.stride[0] - g.pad_begin[0] + kh * g.dilation[0];
              const int64_t iw = ow * g.stride[1] - g.pad_begin[1] + kw * g.dilation[1];
              const bool inside = ih >= 0 && ih < x.dims[2] && iw >= 0 && iw < x.dims[3];
              const bool in_pads = ih < x.dims[2] + g.pad_end[0] && iw < x.dims[3] + g.pad_end[1];
              if (inside) {
                const double v = x.at(n, c, ih, iw);
                acc = max ? std::max(acc, v) : acc + v;
              }
              if (count_include_pad ? in_pads : inside) ++count;
            }
          y.data[((n * c_ + c) * out[0] + oh) * out[1] + ow] = static_cast<float>(max ? acc : acc / count);
        }
  return y;
}

}  // namespace saturn::testing
