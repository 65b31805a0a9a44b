#include "ops/reference/conv.h"

#include <array>

#include "ops/reference/requantize.h"

namespace saturn::reference {
namespace {

// The shape with its spatial dims padded in front to exactly 3 (D, H, W) with neutral values.
struct Shape3 {
  int64_t n, c, m, group;
  std::array<int64_t, 3> in, out, kernel, stride, dilation, pad;  // pad: begin
};

Shape3 normalize(const ConvShape& s, const std::vector<int64_t>& out_dims) {
  Shape3 r{s.x[0], s.x[1], s.out_channels, s.group, {}, {}, {}, {}, {}, {}};
  const size_t spatial = s.x.size() - 2;
  for (size_t d = 0; d < 3; ++d) {
    const bool real = d >= 3 - spatial;
    const size_t i = real ? d - (3 - spatial) : 0;
    r.in[d] = real ? s.x[2 + i] : 1;
    r.out[d] = real ? out_dims[2 + i] : 1;
    r.kernel[d] = real ? s.kernel[i] : 1;
    r.stride[d] = real ? s.strides[i] : 1;
    r.dilation[d] = real ? s.dilations[i] : 1;
    r.pad[d] = real ? s.pad_begin[i] : 0;
  }
  return r;
}

int64_t window(const ConvShape& s, size_t d) { return (s.kernel[d] - 1) * s.dilations[d] + 1; }

template <typename X>
std::vector<int32_t> accumulate(const ConvShape& s, const X* x, const int8_t* w, const int32_t* bias) {
  const Shape3 g = normalize(s, conv_output_dims(s));
  const int64_t cg = g.c / g.group, mg = g.m / g.group;
  const int64_t ksize = g.kernel[0] * g.kernel[1] * g.kernel[2];
  const int64_t in_size = g.in[0] * g.in[1] * g.in[2];
  const int64_t out_size = g.out[0] * g.out[1] * g.out[2];
  std::vector<int32_t> acc(static_cast<size_t>(g.n * g.m * out_size));
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t m = 0; m < g.m; ++m)
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            int32_t sum = bias == nullptr ? 0 : bias[m];
            const int64_t first_c = m / mg * cg;
            for (int64_t ic = 0; ic < cg; ++ic)
              for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
                for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
                  for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                    const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dilation[0];
                    const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dilation[1];
                    const int64_t iw = ow * g.stride[2] - g.pad[2] + kw * g.dilation[2];
                    if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1] || iw < 0 || iw >= g.in[2]) continue;
                    const int64_t xi = (n * g.c + first_c + ic) * in_size + (id * g.in[1] + ih) * g.in[2] + iw;
                    const int64_t wi = (m * cg + ic) * ksize + (kd * g.kernel[1] + kh) * g.kernel[2] + kw;
                    sum += static_cast<int32_t>(x[xi]) * static_cast<int32_t>(w[wi]);
                  }
            acc[static_cast<size_t>((n * g.m + m) * out_size + (od * g.out[1] + oh) * g.out[2] + ow)] = sum;
          }
  return acc;
}

template <typename X>
std::vector<int32_t> transpose_accumulate(const ConvShape& s, const X* x, const int8_t* w, const int32_t* bias) {
  const Shape3 g = normalize(s, conv_transpose_output_dims(s));
  const int64_t cg = g.c / g.group, mg = g.m / g.group;
  const int64_t ksize = g.kernel[0] * g.kernel[1] * g.kernel[2];
  const int64_t in_size = g.in[0] * g.in[1] * g.in[2];
  const int64_t out_size = g.out[0] * g.out[1] * g.out[2];
  std::vector<int32_t> acc(static_cast<size_t>(g.n * g.m * out_size));
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t m = 0; m < g.m; ++m)
      for (int64_t i = 0; i < out_size; ++i) acc[static_cast<size_t>((n * g.m + m) * out_size + i)] = bias ? bias[m] : 0;
  // Scatter form of the ONNX definition: every input tap adds x * w to the outputs it reaches.
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t ic = 0; ic < g.c; ++ic)
      for (int64_t id = 0; id < g.in[0]; ++id)
        for (int64_t ih = 0; ih < g.in[1]; ++ih)
          for (int64_t iw = 0; iw < g.in[2]; ++iw) {
            const int32_t xv = x[(n * g.c + ic) * in_size + (id * g.in[1] + ih) * g.in[2] + iw];
            const int64_t grp = ic / cg;
            for (int64_t j = 0; j < mg; ++j)
              for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
                for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
                  for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                    const int64_t od = id * g.stride[0] + kd * g.dilation[0] - g.pad[0];
                    const int64_t oh = ih * g.stride[1] + kh * g.dilation[1] - g.pad[1];
                    const int64_t ow = iw * g.stride[2] + kw * g.dilation[2] - g.pad[2];
                    if (od < 0 || od >= g.out[0] || oh < 0 || oh >= g.out[1] || ow < 0 || ow >= g.out[2]) continue;
                    const int64_t m = grp * mg + j;
                    const int64_t wi = (ic * mg + j) * ksize + (kd * g.kernel[1] + kh) * g.kernel[2] + kw;
                    acc[static_cast<size_t>((n * g.m + m) * out_size + (od * g.out[1] + oh) * g.out[2] + ow)] +=
                        xv * static_cast<int32_t>(w[wi]);
                  }
          }
  return acc;
}

}  // namespace

std::vector<int64_t> conv_output_dims(const ConvShape& s) {
  std::vector<int64_t> y = {s.x[0], s.out_channels};
  for (size_t d = 0; d + 2 < s.x.size(); ++d) {
    y.push_back((s.x[2 + d] + s.pad_begin[d] + s.pad_end[d] - window(s, d)) / s.strides[d] + 1);
  }
  return y;
}

std::vector<int64_t> conv_transpose_output_dims(const ConvShape& s) {
  std::vector<int64_t> y = {s.x[0], s.out_channels};
  for (size_t d = 0; d + 2 < s.x.size(); ++d) {
    const int64_t op = s.output_padding.empty() ? 0 : s.output_padding[d];
    y.push_back(s.strides[d] * (s.x[2 + d] - 1) + op + window(s, d) - s.pad_begin[d] - s.pad_end[d]);
  }
  return y;
}

std::vector<int32_t> conv_accumulate(const ConvShape& s, const uint8_t* x, const int8_t* w, const int32_t* bias) {
  return accumulate(s, x, w, bias);
}
std::vector<int32_t> conv_accumulate(const ConvShape& s, const int8_t* x, const int8_t* w, const int32_t* bias) {
  return accumulate(s, x, w, bias);
}
std::vector<int32_t> conv_transpose_accumulate(const ConvShape& s, const uint8_t* x, const int8_t* w,
                                               const int32_t* bias) {
  return transpose_accumulate(s, x, w, bias);
}
std::vector<int32_t> conv_transpose_accumulate(const ConvShape& s, const int8_t* x, const int8_t* w,
                                               const int32_t* bias) {
  return transpose_accumulate(s, x, w, bias);
}

template <typename Y, typename R>
std::vector<Y> requantize(const std::vector<int32_t>& acc, const std::vector<int64_t>& y_dims, const Requant& q,
                          const R* residual) {
  const int64_t channels = y_dims[1];
  int64_t inner = 1;
  for (size_t d = 2; d < y_dims.size(); ++d) inner *= y_dims[d];
  std::vector<Y> y(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) {
    const int64_t m = static_cast<int64_t>(i) / inner % channels;
    const double alpha_w = q.alpha_w.size() == 1 ? q.alpha_w[0] : q.alpha_w[static_cast<size_t>(m)];
    double real = double{q.alpha_x} * alpha_w * acc[i];
    if (residual != nullptr) real += double{q.alpha_r} * static_cast<double>(residual[i]);
    y[i] = requantize_value<Y>(real, q.activation, q.alpha_y);
  }
  return y;
}

template std::vector<uint8_t> requantize(const std::vector<int32_t>&, const std::vector<int64_t>&, const Requant&,
                                         const uint8_t*);
template std::vector<uint8_t> requantize(const std::vector<int32_t>&, const std::vector<int64_t>&, const Requant&,
                                         const int8_t*);
template std::vector<int8_t> requantize(const std::vector<int32_t>&, const std::vector<int64_t>&, const Requant&,
                                        const int8_t*);
template std::vector<int8_t> requantize(const std::vector<int32_t>&, const std::vector<int64_t>&, const Requant&,
                                        const uint8_t*);
template std::vector<float> requantize(const std::vector<int32_t>&, const std::vector<int64_t>&, const Requant&,
                                       const float*);

}  // namespace saturn::reference
