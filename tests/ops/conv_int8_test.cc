// INT8 Conv and ConvTranspose on oneDNN (ops/conv.cc, conv_transpose.cc, conv_int8.cc) against the
// scalar reference (ops/reference/conv.h) within +-1 LSB, over generated shapes that cover every
// activation x input type x output type, per-channel and per-tensor weights, bias, residual, groups,
// depthwise, strides, dilations, asymmetric pads, 1 to 3 spatial dims; and the reference itself
// against the FP32 reference on dequantized inputs (tests/ops/fp32_reference.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <random>
#include <sstream>

#include "ops/avx512_vnni.h"
#include "ops/conv_int8.h"
#include "ops/depthwise_int8.h"
#include "ops/depthwise_vnni.h"
#include "ops/op_util.h"
#include "ops/ops.h"
#include "ops/pointwise_int8.h"
#include "ops/reference/conv.h"
#include "ops/reference/quantize.h"
#include "ops/winograd_int8.h"
#include "tests/ops/fp32_reference.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/quant_params.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

using reference::Activation;
using reference::ConvShape;
using Kind = fb::ActivationKind;

constexpr Kind kKinds[] = {Kind::None,        Kind::Relu,      Kind::Clip,      Kind::Sigmoid,
                           Kind::HardSigmoid, Kind::HardSwish, Kind::LeakyRelu, Kind::Tanh,
                           Kind::Swish,       Kind::Gelu};

struct Int8Case {
  std::string name;
  bool transpose = false;
  ConvShape shape;
  bool bias = true;
  bool residual = false;
  bool residual_plain = false;  // a Plain residual for an Nhwc Y (the kernel reorders it)
  bool per_channel = true;
  // The converter's reduced-range weights for X's type (converter/quantize/weights.h): |w_q| <= 63
  // for a U8 X, even w_q in [-126, 126] for an S8 X; oneDNN's fast kernels are exact on them without
  // VNNI (conv_int8.h). Otherwise full range [-127, 127].
  bool reduced_weights = false;
  int max_weight = 0;  // > 0: weights of any parity in [-max_weight, max_weight] instead
  DType r_type = DType::kU8;  // the residual's type: Y's, or the other INT8 type
  Activation act;
  DType x_type = DType::kU8;
  DType y_type = DType::kU8;
  uint32_t seed = 1;
};

void PrintTo(const Int8Case& c, std::ostream* os) { *os << c.name; }

Activation activation_for(Kind kind) {
  switch (kind) {
    case Kind::Clip: return {kind, -0.5f, 1.5f};
    case Kind::HardSigmoid: return {kind, 0.2f, 0.5f};
    case Kind::LeakyRelu: return {kind, 0.1f, 0.f};
    default: return {kind, 0.f, 0.f};
  }
}

// A random geometry for case `index`; rank 4 mostly, some 1D and 3D.
ConvShape random_shape(std::mt19937& gen, bool transpose, int index) {
  auto pick = [&gen](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(gen); };
  const size_t spatial = index % 7 == 3 ? 1 : index % 11 == 5 ? 3 : 2;
  ConvShape s;
  const int64_t n = pick(1, 2);
  const int64_t group_kind = pick(0, 3);  // 0, 1: dense; 2: grouped; 3: depthwise
  int64_t c = 0, m = 0, group = 1;
  if (group_kind <= 1) {
    c = pick(1, 19), m = pick(1, 21);
  } else if (group_kind == 2) {
    group = pick(2, 3), c = group * pick(1, 5), m = group * pick(1, 5);
  } else {
    c = group = pick(1, 13), m = c * pick(1, 2);
  }
  s.x = {n, c};
  s.out_channels = m;
  s.group = group;
  for (size_t d = 0; d < spatial; ++d) {
    const int64_t k = spatial == 3 ? pick(1, 3) : pick(1, 5);
    const int64_t dil = pick(1, 2);
    const int64_t window = (k - 1) * dil + 1;
    const int64_t stride = pick(1, 3);
    s.kernel.push_back(k);
    s.dilations.push_back(dil);
    s.strides.push_back(stride);
    if (transpose) {
      s.x.push_back(pick(1, spatial == 3 ? 4 : 7));
      s.pad_begin.push_back(pick(0, (window - 1) / 2));
      s.pad_end.push_back(pick(0, (window - 1) / 2));
      s.output_padding.push_back(pick(0, stride - 1));
    } else {
      s.x.push_back(window + pick(0, spatial == 3 ? 4 : 9));
      s.pad_begin.push_back(pick(0, std::min<int64_t>(window - 1, 2)));
      s.pad_end.push_back(pick(0, std::min<int64_t>(window - 1, 2)));
    }
  }
  return s;
}

std::vector<Int8Case> generate(bool transpose) {
  std::vector<Int8Case> cases;
  std::mt19937 gen(transpose ? 4242 : 2424);
  int index = 0;
  // The fields every case sets the same way; the loops below vary the rest.
  const auto base_case = [&](DType x_type, DType y_type) {
    Int8Case c;
    c.transpose = transpose;
    c.shape = random_shape(gen, transpose, index);
    c.bias = index % 4 != 1;
    c.x_type = x_type;
    c.y_type = y_type;
    c.seed = 100 + static_cast<uint32_t>(index);
    return c;
  };
  for (Kind kind : kKinds)
    for (DType x_type : {DType::kU8, DType::kS8})
      for (DType y_type : {DType::kU8, DType::kS8, DType::kF32}) {
        Int8Case c = base_case(x_type, y_type);
        c.residual = !transpose && index % 3 != 0;
        c.residual_plain = c.residual && index % 2 == 0;
        // Per-channel weight scales of a grouped ConvTranspose have no axis holding M: per tensor.
        c.per_channel = index % 5 != 2 && !(transpose && c.shape.group > 1);
        c.reduced_weights = index % 2 == 0;
        c.r_type = y_type == DType::kF32 || index % 4 != 2 ? y_type : (y_type == DType::kU8 ? DType::kS8 : DType::kU8);
        c.act = activation_for(kind);
        std::ostringstream name;
        name << index << "_" << fb::EnumNameActivationKind(kind) << "_" << dtype_name(x_type) << "_to_"
             << dtype_name(y_type) << "_" << c.shape.x.size() - 2 << "d_g" << c.shape.group
             << (c.per_channel ? "_perchannel" : "_pertensor") << (c.reduced_weights ? "_w7" : "_w127")
             << (c.bias ? "_bias" : "")
             << (c.residual ? (c.residual_plain ? "_residualplain_" : "_residual_") + std::string(dtype_name(c.r_type)) : "");
        c.name = name.str();
        cases.push_back(c);
        ++index;
      }
  // Affine tails (scale * f + shift, schema Activation), negative scale and shift included.
  const Activation tails[] = {{Kind::HardSwish, 0.f, 0.f, 0.6f, -0.2f}, {Kind::Relu, 0.f, 0.f, -1.5f, 0.3f},
                              {Kind::Clip, -0.5f, 1.5f, 0.5f, 0.25f}};
  for (const Activation& tail : tails)
    for (DType x_type : {DType::kU8, DType::kS8})
      for (DType y_type : {DType::kU8, DType::kS8, DType::kF32}) {
        Int8Case c = base_case(x_type, y_type);
        c.residual = !transpose && index % 3 == 1;
        c.per_channel = !(transpose && c.shape.group > 1);
        c.reduced_weights = true;  // oneDNN's fast kernels, where HardSwish then two linears once failed
        c.r_type = y_type;
        c.act = tail;
        std::ostringstream name;
        name << index << "_" << fb::EnumNameActivationKind(tail.kind) << "_tail_" << dtype_name(x_type) << "_to_"
             << dtype_name(y_type) << "_" << c.shape.x.size() - 2 << "d_g" << c.shape.group << "_w7"
             << (c.bias ? "_bias" : "") << (c.residual ? "_residual" : "");
        c.name = name.str();
        cases.push_back(c);
        ++index;
      }
  return cases;
}

std::vector<int32_t> i32(const std::vector<int64_t>& v) { return std::vector<int32_t>(v.begin(), v.end()); }

OpFn op_for(const Int8Case& c) {
  return [c](flatbuffers::FlatBufferBuilder& b) {
    const ConvShape& s = c.shape;
    const std::vector<int32_t> kernel = i32(s.kernel), strides = i32(s.strides), dilations = i32(s.dilations);
    std::vector<int32_t> pads = i32(s.pad_begin);
    for (int64_t p : s.pad_end) pads.push_back(static_cast<int32_t>(p));
    const auto act = fb::CreateActivation(b, c.act.kind, c.act.alpha, c.act.beta, c.act.scale, c.act.shift);
    const int32_t group = static_cast<int32_t>(s.group);
    if (c.transpose) {
      const std::vector<int32_t> op = i32(s.output_padding);
      return std::make_pair(fb::Op::ConvTranspose,
                            fb::CreateConvTransposeDirect(b, &kernel, &strides, &dilations, &pads, &op, group, act)
                                .Union());
    }
    return std::make_pair(fb::Op::Conv,
                          fb::CreateConvDirect(b, &kernel, &strides, &dilations, &pads, group, act).Union());
  };
}

// Quantized operands of a case, in NCHW order.
struct Operands {
  std::vector<uint8_t> x;  // u8 or s8 bytes
  std::vector<int64_t> w_dims;
  std::vector<int8_t> w;
  std::vector<int32_t> bias;
  std::vector<int64_t> y_dims;
  reference::Requant q;
  std::vector<uint8_t> residual;  // Y's type, NCHW
};

template <typename T>
std::vector<T> cast_bytes(const std::vector<uint8_t>& bytes) {
  std::vector<T> v(bytes.size() / sizeof(T));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
  return v;
}

std::vector<int32_t> accumulate(const Int8Case& c, const Operands& o) {
  const int32_t* bias = c.bias ? o.bias.data() : nullptr;
  if (c.x_type == DType::kU8) {
    const auto* x = o.x.data();
    return c.transpose ? reference::conv_transpose_accumulate(c.shape, x, o.w.data(), bias)
                       : reference::conv_accumulate(c.shape, x, o.w.data(), bias);
  }
  const auto* x = reinterpret_cast<const int8_t*>(o.x.data());
  return c.transpose ? reference::conv_transpose_accumulate(c.shape, x, o.w.data(), bias)
                     : reference::conv_accumulate(c.shape, x, o.w.data(), bias);
}

// The reference output as raw bytes of Y's type.
std::vector<uint8_t> reference_output(const Int8Case& c, const Operands& o, const std::vector<int32_t>& acc) {
  const bool r = c.residual;
  const uint8_t* r_u8 = r && c.r_type == DType::kU8 ? o.residual.data() : nullptr;
  const int8_t* r_s8 = r && c.r_type == DType::kS8 ? reinterpret_cast<const int8_t*>(o.residual.data()) : nullptr;
  switch (c.y_type) {
    case DType::kU8:
      return r_s8 ? bytes_of(reference::requantize<uint8_t>(acc, o.y_dims, o.q, r_s8))
                  : bytes_of(reference::requantize<uint8_t>(acc, o.y_dims, o.q, r_u8));
    case DType::kS8:
      return r_u8 ? bytes_of(reference::requantize<int8_t>(acc, o.y_dims, o.q, r_u8))
                  : bytes_of(reference::requantize<int8_t>(acc, o.y_dims, o.q, r_s8));
    default: {
      const std::vector<float> res = cast_bytes<float>(o.residual);
      return bytes_of(reference::requantize<float>(acc, o.y_dims, o.q, r ? res.data() : nullptr));
    }
  }
}

Operands make_operands(const Int8Case& c) {
  std::mt19937 gen(c.seed);
  const ConvShape& s = c.shape;
  Operands o;
  const int64_t x_count = op_util::product(s.x, 0, s.x.size());
  std::uniform_int_distribution<int> xd(c.x_type == DType::kU8 ? 0 : -127, c.x_type == DType::kU8 ? 255 : 127);
  for (int64_t i = 0; i < x_count; ++i) o.x.push_back(static_cast<uint8_t>(xd(gen)));
  const int64_t m = s.out_channels, cg = s.x[1] / s.group;
  o.w_dims = c.transpose ? std::vector<int64_t>{s.x[1], m / s.group} : std::vector<int64_t>{m, cg};
  o.w_dims.insert(o.w_dims.end(), s.kernel.begin(), s.kernel.end());
  const int w_step = c.reduced_weights && c.x_type == DType::kS8 && c.max_weight == 0 ? 2 : 1;
  const int w_bound = c.max_weight > 0 ? c.max_weight : c.reduced_weights ? 63 : 127;
  std::uniform_int_distribution<int> wd(-w_bound, w_bound);
  for (int64_t i = 0; i < op_util::product(o.w_dims, 0, o.w_dims.size()); ++i) o.w.push_back(static_cast<int8_t>(w_step * wd(gen)));
  std::uniform_int_distribution<int> bd(-20000, 20000);
  for (int64_t i = 0; i < m; ++i) o.bias.push_back(bd(gen));
  std::uniform_real_distribution<float> sd(0.5f, 2.f);
  o.q.alpha_x = c.x_type == DType::kU8 ? 2.f / 255.f : 1.f / 127.f;
  o.q.alpha_w.assign(c.per_channel ? static_cast<size_t>(m) : 1, 0.f);
  for (float& a : o.q.alpha_w) a = sd(gen) * 0.3f / 127.f / std::sqrt(static_cast<float>(cg * op_util::product(s.kernel, 0, s.kernel.size())));
  o.q.activation = c.act;
  o.y_dims = c.transpose ? reference::conv_transpose_output_dims(s) : reference::conv_output_dims(s);

  // alpha_y from the real output range (no residual), so that the output uses its whole range and
  // the largest values saturate; the residual then gets a scale of the same order.
  const std::vector<int32_t> acc = accumulate(c, o);
  const std::vector<float> real = reference::requantize<float>(acc, o.y_dims, o.q, static_cast<const float*>(nullptr));
  float hi = 1e-3f;
  for (float v : real) hi = std::max(hi, c.y_type == DType::kU8 ? v : std::fabs(v));
  o.q.alpha_y = 0.9f * hi / (c.y_type == DType::kU8 ? 255.f : 127.f);
  o.q.alpha_r = c.y_type == DType::kF32 ? 1.f : 0.6f * o.q.alpha_y;
  if (c.residual) {
    const size_t y_count = static_cast<size_t>(op_util::product(o.y_dims, 0, o.y_dims.size()));
    if (c.y_type == DType::kF32) {
      o.residual = bytes_of(random_floats(y_count, -hi / 2, hi / 2, c.seed + 7));
    } else {
      std::uniform_int_distribution<int> rd(c.r_type == DType::kU8 ? 0 : -127, c.r_type == DType::kU8 ? 255 : 127);
      for (size_t i = 0; i < y_count; ++i) o.residual.push_back(static_cast<uint8_t>(rd(gen)));
    }
  }
  return o;
}

struct Tally {
  int64_t int8_elements = 0, off_by_one = 0;
  // cases run by Saturn's own kernels (depthwise_int8.h), oneDNN's fast or reference kernels, or refused
  int own = 0, fast = 0, reference = 0, unsupported = 0;
};

// Runs case `c` on operands `o` through the kernel and checks it against the reference within
// +-1 LSB (`exact`: equal); adds the number of u8/s8 elements and of those off by one to `tally`.
void run_operands(const Int8Case& c, const Operands& o, Tally* tally, bool exact = false) {
  const ConvShape& s = c.shape;
  const std::vector<int32_t> acc = accumulate(c, o);
  const std::vector<uint8_t> want = reference_output(c, o, acc);

  const bool nhwc = s.x.size() == 4;
  const Layout layout = nhwc ? Layout::kNhwc : Layout::kPlain;
  const size_t ysize = dtype_size(c.y_type);
  QuantParamsHolder qx({o.q.alpha_x});
  QuantParamsHolder qw(o.q.alpha_w, c.per_channel ? (c.transpose ? 1 : 0) : -1);
  QuantParamsHolder qy({o.q.alpha_y});
  QuantParamsHolder qr({o.q.alpha_r});
  // Physical bytes of an NCHW tensor whose elements have `elem` bytes (1, or 4 for f32).
  auto physical = [&](const std::vector<uint8_t>& bytes, const std::vector<int64_t>& dims, size_t elem) {
    if (!nhwc) return bytes;
    if (elem == 1) return to_nhwc(bytes, dims);
    return bytes_of(to_nhwc(cast_bytes<float>(bytes), dims));
  };
  KernelHarness h(op_for(c), "conv");
  TensorDesc xd = desc(s.x, c.x_type, layout, "x");
  xd.quant = qx.get();
  h.add_input(xd, physical(o.x, s.x, 1));
  TensorDesc wd = desc(o.w_dims, DType::kS8, Layout::kPlain, "w");
  wd.quant = qw.get();
  h.add_input(wd, bytes_of(o.w), true);
  if (c.bias) {
    h.add_input(desc({s.out_channels}, DType::kS32, Layout::kPlain, "b"), bytes_of(o.bias), true);
  } else if (c.residual) {
    h.add_absent_input();
  }
  if (c.residual) {
    const bool plain = !nhwc || c.residual_plain;
    TensorDesc rd = desc(o.y_dims, c.r_type, plain ? Layout::kPlain : Layout::kNhwc, "r");
    if (c.y_type != DType::kF32) rd.quant = qr.get();
    h.add_input(rd, plain ? o.residual : physical(o.residual, o.y_dims, ysize));
  }
  h.add_output("y", c.y_type == DType::kF32 ? nullptr : qy.get(), c.y_type);
  auto kernel = c.transpose ? make_conv_transpose_kernel() : make_conv_kernel();
  const Status st = h.prepare(*kernel);
  // Without VNNI, oneDNN 2.6 has no exact INT8 deconvolution for an S8 X or weights beyond +-64
  // (conv_int8.h): prepare() must refuse those, and only those, with a clear message.
  if (!st.is_ok() && c.transpose && !conv_int8::cpu_has_vnni() &&
      !(c.x_type == DType::kU8 && c.reduced_weights)) {
    EXPECT_EQ(st.message().rfind("node 'conv' (ConvTranspose): oneDNN has no exact INT8 implementation for these "
                                 "operands on this CPU (no VNNI; ",
                                 0),
              0u)
        << st.message();
    ++tally->unsupported;
    return;
  }
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_FALSE(h.impl().empty());
  (h.impl().rfind("saturn_", 0) == 0 ? tally->own : h.impl().rfind("ref", 0) == 0 ? tally->reference : tally->fast) += 1;
  const TensorDesc& y = h.output_desc(0);
  ASSERT_EQ(y.dims, o.y_dims);
  EXPECT_EQ(y.dtype, c.y_type);
  EXPECT_EQ(y.layout, layout);
  h.run();
  if (c.residual) {
    // A residual in Y's layout may hold Y (the Session's in-place placement): the same bytes result.
    const bool same_layout = !nhwc || !c.residual_plain;
    EXPECT_EQ(h.reusable_input(), same_layout ? 3 : -1);
    if (same_layout) {
      const std::vector<uint8_t> copied = h.output<uint8_t>(0);
      h.run(/*in_place=*/true);
      EXPECT_EQ(h.output<uint8_t>(0), copied);
    }
  }

  if (c.y_type == DType::kF32) {
    std::vector<float> got = h.output<float>(0);
    if (nhwc) got = from_nhwc(got, o.y_dims);
    const std::vector<float> w = cast_bytes<float>(want);
    float scale = 0.f;
    for (float v : w) scale = std::max(scale, std::fabs(v));
    expect_close(got, w, 1e-5f, 1e-5f * scale);
    return;
  }
  std::vector<uint8_t> got = h.output<uint8_t>(0);
  if (nhwc) got = from_nhwc(got, o.y_dims);
  ASSERT_EQ(got.size(), want.size());
  const bool s8 = c.y_type == DType::kS8;
  int64_t off = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const int g = s8 ? static_cast<int8_t>(got[i]) : got[i];
    const int e = s8 ? static_cast<int8_t>(want[i]) : want[i];
    if (s8) {
      EXPECT_GE(g, -127) << "at " << i;  // symmetric range: never -128
    }
    EXPECT_LE(std::abs(g - e), exact ? 0 : 1)
        << "at " << i << ": got " << g << ", want " << e << " (" << h.impl() << ")";
    if (g != e) ++off;
  }
  tally->int8_elements += static_cast<int64_t>(got.size());
  tally->off_by_one += off;
  // A u8 output without activation reaches saturation (alpha_y was chosen so): a wrong scale shows.
  if (!s8 && c.act.kind == Kind::None) {
    EXPECT_EQ(*std::max_element(want.begin(), want.end()), 255);
  }
}

void run_case(const Int8Case& c, Tally* tally) { run_operands(c, make_operands(c), tally); }

class ConvInt8Test : public ::testing::TestWithParam<Int8Case> {};

TEST_P(ConvInt8Test, MatchesReferenceWithinOneLsb) {
  Tally t;
  run_case(GetParam(), &t);
}

INSTANTIATE_TEST_SUITE_P(Conv, ConvInt8Test, ::testing::ValuesIn(generate(false)),
                         [](const ::testing::TestParamInfo<Int8Case>& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(ConvTranspose, ConvInt8Test, ::testing::ValuesIn(generate(true)),
                         [](const ::testing::TestParamInfo<Int8Case>& info) { return info.param.name; });

// A 2D conv over X [n, c, h, w] into m channels in `group` groups: kernel kh x kw, strides sh, sw,
// pads top, left, bottom, right; dilation 1.
ConvShape conv2d(int64_t n, int64_t c, int64_t h, int64_t w, int64_t m, int64_t group, int64_t kh, int64_t kw,
                 int64_t sh, int64_t sw, int64_t pt, int64_t pl, int64_t pb, int64_t pr) {
  ConvShape s;
  s.x = {n, c, h, w};
  s.out_channels = m;
  s.group = group;
  s.kernel = {kh, kw};
  s.strides = {sh, sw};
  s.dilations = {1, 1};
  s.pad_begin = {pt, pl};
  s.pad_end = {pb, pr};
  return s;
}

struct DepthwiseGeometry {
  int64_t n, c, h, w, kh, kw, sh, sw, pt, pl, pb, pr;
};

// Case `index` of a family of 2D convs of `shape`, X of `x_type` into `y_type` with `act`: no bias
// every 4th case, per-tensor weight scales every 5th.
Int8Case family_case(const ConvShape& shape, int index, const Activation& act, DType x_type, DType y_type,
                     uint32_t seed) {
  Int8Case c;
  c.shape = shape;
  c.bias = index % 4 != 1;
  c.per_channel = index % 5 != 2;
  c.act = act;
  c.x_type = x_type;
  c.y_type = y_type;
  c.seed = seed;
  return c;
}

// "<activation>[_tail]_<x type>_to_<y type>" of case `c`, for its name.
std::string activation_and_types(const Int8Case& c) {
  return std::string(fb::EnumNameActivationKind(c.act.kind)) + (c.act.scale != 1.f ? "_tail_" : "_") +
         dtype_name(c.x_type) + "_to_" + dtype_name(c.y_type);
}

// Case `index` of a depthwise conv with geometry g; activations, bias, per-channel scales and the
// weight range vary with the index: full range, the converter's reduced range (even weights up to
// 126 for an S8 X), or any weights up to 64.
Int8Case depthwise_case(const DepthwiseGeometry& g, DType x_type, DType y_type, int index, uint32_t seed) {
  const Activation acts[] = {{Kind::None, 0.f, 0.f},          {Kind::Relu, 0.f, 0.f},
                             activation_for(Kind::Clip),      activation_for(Kind::LeakyRelu),
                             activation_for(Kind::HardSigmoid), {Kind::HardSwish, 0.f, 0.f},
                             {Kind::HardSwish, 0.f, 0.f, 0.6f, -0.2f}, {Kind::Relu, 0.f, 0.f, -1.5f, 0.3f},
                             {Kind::Swish, 0.f, 0.f},         {Kind::Swish, 0.f, 0.f, 0.8f, 0.1f}};
  Int8Case c = family_case(conv2d(g.n, g.c, g.h, g.w, g.c, g.c, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.pb, g.pr),
                           index, acts[index % std::size(acts)], x_type, y_type, seed);
  c.reduced_weights = index % 2 == 0;
  std::ostringstream name;
  name << index << "_c" << g.c << "_k" << g.kh << "x" << g.kw << "_s" << g.sh << g.sw << "_" << activation_and_types(c)
       << (c.reduced_weights ? "_w7" : "_w127");
  c.name = name.str();
  return c;
}

// 2D depthwise convs in the scope of Saturn's own AVX2 kernel (depthwise_int8.h), which runs them
// where available(): full blocks of 16 channels and partial ones, interior and border pixels, 1x3 to
// 5x5 kernels, strides, asymmetric pads, full-range weights, every supported activation and tails.
// The last two (192 and 256 channels) are in the scope of the AVX-512 VNNI kernel (depthwise_vnni.h)
// with a U8 X too.
std::vector<Int8Case> generate_depthwise() {
  const DepthwiseGeometry geometries[] = {
      {1, 16, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1},  {2, 32, 8, 8, 3, 3, 2, 2, 0, 1, 1, 0},
      {1, 40, 6, 11, 5, 5, 1, 1, 2, 2, 2, 2}, {1, 7, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1},
      {1, 48, 9, 6, 1, 3, 1, 2, 0, 1, 0, 1},  {1, 24, 4, 20, 5, 5, 2, 1, 2, 2, 2, 2},
      {1, 16, 3, 3, 3, 3, 1, 1, 0, 0, 0, 0},  {1, 16, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1},
      {2, 64, 5, 4, 3, 3, 1, 1, 2, 0, 0, 2},  {1, 24, 6, 13, 3, 3, 2, 2, 1, 1, 1, 1},
      {1, 192, 5, 9, 3, 3, 1, 1, 1, 1, 1, 1}, {1, 256, 4, 6, 5, 5, 2, 1, 2, 2, 2, 2}};
  std::vector<Int8Case> cases;
  int index = 0;
  for (const DepthwiseGeometry& g : geometries)
    for (DType x_type : {DType::kU8, DType::kS8})
      for (DType y_type : {DType::kU8, DType::kS8, DType::kF32}) {
        cases.push_back(depthwise_case(g, x_type, y_type, index, 900 + static_cast<uint32_t>(index)));
        ++index;
      }
  return cases;
}

// More depthwise convs of an S8 X: many channels (blocks split among the threads where a single
// output row leaves too few rows), 2x2 kernels (an even tap count) with a partial block at the
// bottom-right border, strides and pads; odd weights up to 64 every third case. From the 9th
// geometry on, 128 channels or more in the scope of Saturn's AVX-512 VNNI kernel
// (depthwise_vnni.h), which runs them where avx512_vnni::available() and Y is U8 or S8 (not with
// Swish): whole and partial groups of 64 channels, rows split into tiles (30 and 48 columns),
// batches, 1 to 7 rows and 2 to 7 columns of kernel, row strides 1 to 3, asymmetric pads, an image
// smaller than the kernel.
std::vector<Int8Case> generate_depthwise_wide() {
  const DepthwiseGeometry geometries[] = {
      {1, 32, 6, 7, 3, 3, 1, 1, 1, 1, 1, 1},   {1, 64, 5, 9, 5, 5, 1, 1, 2, 2, 2, 2},
      {2, 112, 4, 6, 3, 3, 2, 2, 1, 1, 1, 1},  {1, 40, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1},
      {1, 200, 3, 3, 3, 3, 1, 1, 0, 0, 0, 0},  {1, 240, 4, 10, 5, 5, 2, 1, 2, 2, 2, 2},
      {1, 48, 5, 6, 2, 2, 1, 1, 0, 0, 1, 1},   {1, 40, 5, 6, 2, 2, 1, 1, 0, 0, 1, 1},
      {1, 128, 6, 48, 3, 3, 1, 1, 1, 1, 1, 1}, {2, 200, 5, 30, 5, 5, 1, 1, 2, 2, 2, 2},
      {1, 240, 7, 13, 5, 5, 2, 1, 2, 2, 2, 2}, {1, 144, 4, 9, 7, 7, 1, 1, 3, 3, 3, 3},
      {1, 192, 5, 11, 3, 2, 1, 1, 0, 1, 1, 0}, {1, 130, 3, 64, 1, 5, 1, 1, 0, 2, 0, 2},
      {1, 256, 7, 6, 3, 3, 3, 1, 0, 0, 0, 0},  {1, 160, 2, 5, 5, 5, 1, 1, 2, 2, 2, 2}};
  std::vector<Int8Case> cases;
  int index = 0;
  for (const DepthwiseGeometry& g : geometries)
    for (DType y_type : {DType::kU8, DType::kS8, DType::kF32}) {
      Int8Case c = depthwise_case(g, DType::kS8, y_type, index, 1700 + static_cast<uint32_t>(index));
      if (index % 3 == 1) {
        c.max_weight = 64;
        c.name += "_odd64";
      }
      cases.push_back(c);
      ++index;
    }
  return cases;
}

// oneDNN 2.6's jit_uni_int8_1x1 (AVX2) once dropped the linear after HardSigmoid (u8 Y: 1 instead
// of 230): a squeeze-and-excitation gate, a 1x1 conv over a 1x1 image, with every activation, into
// u8 and s8, on the fast kernel (7-bit weights) and the exact fallback.
TEST(ConvInt8OnePixel, EveryActivationMatchesTheReference) {
  int index = 0;
  for (Kind kind : kKinds)
    for (DType y_type : {DType::kU8, DType::kS8})
      for (const bool reduced : {true, false}) {
        Int8Case c;
        c.shape = conv2d(1, 8, 1, 1, 16, 1, 1, 1, 1, 1, 0, 0, 0, 0);
        c.act = kind == Kind::HardSigmoid ? Activation{kind, 0.2f, 0.5f} : activation_for(kind);
        c.x_type = DType::kU8;
        c.y_type = y_type;
        c.reduced_weights = reduced;
        c.seed = 700 + static_cast<uint32_t>(index++);
        c.name = std::string(fb::EnumNameActivationKind(kind)) + "_to_" + dtype_name(y_type) + (reduced ? "_w7" : "_w127");
        SCOPED_TRACE(c.name);
        Tally t;
        run_case(c, &t);
      }
}

// Where the activation commutes with a positive factor, DESIGN section 2 requantizes with one
// multiply, acc * (alpha_x * alpha_w / alpha_y), the float operations of ONNX Runtime's QLinearConv
// (so that a QDQ export runs bit-exact there). With alpha_x * alpha_w = 7 and alpha_y = 14 the
// factor is exactly 1/2: every odd accumulator is a tie, to be rounded to even. Two steps (acc * 7,
// then * float(1/14)) miss the tie for about one accumulator in seven in [-600, 600]. A 1x1 conv
// (oneDNN's kernels; Saturn's own where they apply) and a 3x3 one, into u8 and s8.
TEST(ConvInt8Requantization, IsOneMultiplyWhereTheActivationFolds) {
  int index = 0;
  for (const int kernel : {1, 3})
    for (Kind kind : {Kind::None, Kind::Relu})
      for (DType y_type : {DType::kU8, DType::kS8}) {
        Int8Case c;
        const int64_t pad = kernel / 2;
        c.shape = conv2d(1, 16, 6, 6, 16, 1, kernel, kernel, 1, 1, pad, pad, pad, pad);
        c.bias = false;
        c.act = activation_for(kind);
        c.y_type = y_type;
        c.name = std::to_string(kernel) + "x" + std::to_string(kernel) + "_" +
                 fb::EnumNameActivationKind(kind) + "_to_" + dtype_name(y_type);
        SCOPED_TRACE(c.name);
        Operands o;
        std::mt19937 gen(900 + static_cast<uint32_t>(index++));
        std::uniform_int_distribution<int> xd(0, 255), wd(-3, 3);
        for (int64_t i = 0; i < op_util::product(c.shape.x, 0, c.shape.x.size()); ++i)
          o.x.push_back(static_cast<uint8_t>(xd(gen)));
        o.w_dims = {16, 16, kernel, kernel};
        for (int64_t i = 0; i < 16 * 16 * kernel * kernel; ++i) o.w.push_back(static_cast<int8_t>(wd(gen)));
        o.q.alpha_x = 3.5f;
        o.q.alpha_w.assign(16, 2.f);
        o.q.alpha_y = 14.f;
        o.q.activation = c.act;
        o.y_dims = reference::conv_output_dims(c.shape);
        const std::vector<int32_t> acc = accumulate(c, o);
        ASSERT_GT(std::count_if(acc.begin(), acc.end(), [](int32_t a) { return a % 2 != 0 && a > 0; }), 100);
        Tally t;
        run_operands(c, o, &t, /*exact=*/true);
      }
}

// oneDNN 2.6's jit_deconvolution (AVX-512 VNNI) is wrong where, along H, some output rows get no
// kernel tap (kernel 1, stride 2) and where output_padding exceeds the end pad (kernel 2, stride 2,
// pads 0, output_padding 1 along W); ops/conv_transpose.cc steps past it there.
TEST(ConvTransposeInt8, RowsWithoutTapsAndOutputPaddingBeyondThePad) {
  ConvShape rows_without_taps{{1, 8, 5, 4}, 16, 1, {1, 3}, {2, 1}, {1, 1}, {0, 1}, {0, 1}, {0, 0}};
  ConvShape output_padding_beyond_pad{{1, 8, 4, 3}, 16, 1, {3, 2}, {1, 2}, {1, 1}, {1, 0}, {1, 0}, {0, 1}};
  int index = 0;
  for (const ConvShape& shape : {rows_without_taps, output_padding_beyond_pad})
    for (Kind kind : {Kind::None, Kind::HardSigmoid}) {
      Int8Case c;
      c.transpose = true;
      c.shape = shape;
      c.act = activation_for(kind);
      c.seed = 800 + static_cast<uint32_t>(index);
      c.name = "shape" + std::to_string(index / 2) + "_" + fb::EnumNameActivationKind(kind);
      ++index;
      SCOPED_TRACE(c.name);
      Tally t;
      run_case(c, &t);
    }
}

class DepthwiseInt8Test : public ::testing::TestWithParam<Int8Case> {};

TEST_P(DepthwiseInt8Test, MatchesReferenceWithinOneLsb) {
  Tally t;
  run_case(GetParam(), &t);
  const Int8Case& c = GetParam();
  const ConvShape& s = c.shape;
  const std::vector<int64_t> y = reference::conv_output_dims(s);
  const depthwise_vnni::Geometry g{s.x[0],         s.x[1],         s.x[2],       s.x[3],
                                   s.kernel[0],    s.kernel[1],    s.strides[0], s.strides[1],
                                   s.pad_begin[0], s.pad_begin[1], y[2],         y[3]};
  const bool vnni = avx512_vnni::available() && depthwise_vnni::in_scope(g, c.x_type, c.y_type, c.act.kind);
  EXPECT_EQ(t.own, avx2::available() || vnni ? 1 : 0) << "Saturn's depthwise kernel ran this case";
}

INSTANTIATE_TEST_SUITE_P(Depthwise, DepthwiseInt8Test, ::testing::ValuesIn(generate_depthwise()),
                         [](const ::testing::TestParamInfo<Int8Case>& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(DepthwiseWide, DepthwiseInt8Test, ::testing::ValuesIn(generate_depthwise_wide()),
                         [](const ::testing::TestParamInfo<Int8Case>& info) { return info.param.name; });

// 1x1 convs in the scope of Saturn's own AVX2 kernel (pointwise_int8.h), which runs them where
// available() and the weights allow (exact_for): whole tiles of 6 pixels and a remainder, batches,
// K not a multiple of 4, M in whole blocks of 16, a half block of 8, fewer channels than that, a
// padded block; U8 and S8 X with halved (even, up to 126) and plain (up to 64) weights; every
// supported activation and tails. Full-range weights fall back to oneDNN.
std::vector<Int8Case> generate_pointwise() {
  struct Geometry {
    int64_t n, k, m, h, w;
  };
  const Geometry geometries[] = {{1, 16, 96, 5, 7}, {2, 24, 144, 3, 4}, {1, 7, 16, 3, 3},  {1, 32, 24, 4, 5},
                                 {1, 12, 20, 2, 3}, {1, 8, 13, 3, 3},   {1, 64, 40, 1, 1}, {1, 96, 48, 6, 6},
                                 {1, 320, 64, 2, 2}, {3, 5, 8, 1, 2}};
  const Activation acts[] = {{Kind::Clip, 0.f, 6.f},           {Kind::None, 0.f, 0.f},
                             {Kind::Relu, 0.f, 0.f},           activation_for(Kind::LeakyRelu),
                             activation_for(Kind::HardSigmoid), {Kind::HardSwish, 0.f, 0.f, 0.6f, -0.2f},
                             {Kind::Relu, 0.f, 0.f, -1.5f, 0.3f}, {Kind::Swish, 0.f, 0.f},
                             activation_for(Kind::Clip),       {Kind::None, 0.f, 0.f, 0.8f, 0.1f}};
  std::vector<Int8Case> cases;
  int index = 0;
  for (const Geometry& g : geometries)
    for (DType x_type : {DType::kU8, DType::kS8})
      for (DType y_type : {DType::kU8, DType::kS8, DType::kF32}) {
        Int8Case c = family_case(conv2d(g.n, g.k, g.h, g.w, g.m, 1, 1, 1, 1, 1, 0, 0, 0, 0), index,
                                 acts[index % std::size(acts)], x_type, y_type, 1300 + static_cast<uint32_t>(index));
        c.reduced_weights = index % 7 != 3;
        c.max_weight = index % 3 == 2 ? 64 : 0;
        std::ostringstream name;
        name << index << "_k" << g.k << "_m" << g.m << "_" << g.n << "x" << g.h << "x" << g.w << "_"
             << activation_and_types(c)
             << (c.max_weight > 0 ? "_w64" : c.reduced_weights ? (x_type == DType::kS8 ? "_w126even" : "_w63") : "_w127");
        c.name = name.str();
        cases.push_back(c);
        ++index;
      }
  return cases;
}

// Image stems in the same kernel's scope through gathered windows (pointwise_int8.h): 7x7 and 11x11
// with strides 2 and 4 on small images (windows across every border and at X's end), a batch of
// 4-channel images, one channel with asymmetric strides and pads, M in whole, half and padded
// blocks; and a 3x3 stem of 27 bytes per window, which stays on oneDNN.
std::vector<Int8Case> generate_stems() {
  struct Stem {
    int64_t n, c, h, w, m, kh, kw, sh, sw, pt, pl, pb, pr;
  };
  const Stem stems[] = {{1, 3, 20, 22, 16, 7, 7, 2, 2, 3, 3, 3, 3},
                        {1, 3, 27, 27, 24, 11, 11, 4, 4, 2, 2, 2, 2},
                        {2, 4, 9, 8, 8, 5, 5, 1, 1, 2, 2, 2, 2},
                        {1, 1, 12, 10, 20, 9, 9, 2, 3, 4, 4, 3, 2},
                        {1, 3, 8, 8, 32, 3, 3, 2, 2, 1, 1, 1, 1}};
  const Activation acts[] = {{Kind::Relu, 0.f, 0.f}, {Kind::None, 0.f, 0.f}, {Kind::Clip, 0.f, 6.f},
                             {Kind::HardSwish, 0.f, 0.f}, {Kind::Swish, 0.f, 0.f, 0.8f, 0.1f}};
  std::vector<Int8Case> cases;
  int index = 0;
  for (const Stem& g : stems)
    for (DType x_type : {DType::kU8, DType::kS8})
      for (DType y_type : {DType::kU8, DType::kS8, DType::kF32}) {
        Int8Case c = family_case(conv2d(g.n, g.c, g.h, g.w, g.m, 1, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.pb, g.pr),
                                 index, acts[index % std::size(acts)], x_type, y_type,
                                 1500 + static_cast<uint32_t>(index));
        c.reduced_weights = true;
        std::ostringstream name;
        name << index << "_c" << g.c << "_k" << g.kh << "x" << g.kw << "_s" << g.sh << g.sw << "_m" << g.m << "_"
             << activation_and_types(c);
        c.name = name.str();
        cases.push_back(c);
        ++index;
      }
  return cases;
}

class PointwiseInt8Test : public ::testing::TestWithParam<Int8Case> {};

TEST_P(PointwiseInt8Test, MatchesReferenceWithinOneLsb) {
  const Int8Case& c = GetParam();
  Tally t;
  run_case(c, &t);
  const bool exact = c.reduced_weights || c.max_weight > 0;
  EXPECT_EQ(t.own, avx2::available() && exact ? 1 : 0)
      << "Saturn's 1x1 kernel ran this case";
}

INSTANTIATE_TEST_SUITE_P(Pointwise, PointwiseInt8Test, ::testing::ValuesIn(generate_pointwise()),
                         [](const ::testing::TestParamInfo<Int8Case>& info) { return info.param.name; });

class StemInt8Test : public ::testing::TestWithParam<Int8Case> {};

TEST_P(StemInt8Test, MatchesReferenceWithinOneLsb) {
  const Int8Case& c = GetParam();
  Tally t;
  run_case(c, &t);
  const int64_t window = c.shape.x[1] * c.shape.kernel[0] * c.shape.kernel[1];
  EXPECT_EQ(t.own, avx2::available() && window >= pointwise_int8::kMinGatheredK ? 1 : 0)
      << "Saturn's kernel ran this stem";
}

INSTANTIATE_TEST_SUITE_P(Stems, StemInt8Test, ::testing::ValuesIn(generate_stems()),
                         [](const ::testing::TestParamInfo<Int8Case>& info) { return info.param.name; });

// 3x3 stride-1 convs in the scope of Saturn's Winograd kernel (winograd_int8.h), which runs them
// where available() for any s8 weights: partial tiles at odd sizes, no pads, asymmetric and large
// pads, batches (one of odd sizes), a 1x2 image, chunks of tiles with a remainder group (128
// channels), 1024 channels of full-range weights; U8 and S8 X; U8, S8 and F32 Y; the supported
// activations and tails; residuals of Y's type and of the other INT8 type (also in Y's bytes); a
// Plain residual, which stays on oneDNN.
std::vector<Int8Case> generate_winograd() {
  struct Geometry {
    int64_t n, c, h, w, m, pt, pl, pb, pr;
  };
  const Geometry geometries[] = {{1, 16, 5, 7, 16, 1, 1, 1, 1},   {2, 32, 6, 6, 48, 1, 1, 1, 1},
                                 {1, 64, 9, 8, 32, 0, 0, 0, 0},   {1, 16, 4, 11, 32, 2, 0, 1, 2},
                                 {1, 48, 3, 3, 16, 1, 1, 1, 1},   {1, 128, 10, 12, 32, 1, 1, 1, 1},
                                 {1, 1024, 4, 3, 16, 1, 1, 1, 1}, {3, 16, 5, 3, 32, 1, 1, 1, 1},
                                 {1, 32, 1, 2, 16, 1, 1, 1, 1}};
  const Activation acts[] = {{Kind::Relu, 0.f, 0.f},           {Kind::None, 0.f, 0.f},
                             {Kind::Clip, 0.f, 6.f},           {Kind::HardSwish, 0.f, 0.f},
                             {Kind::None, 0.f, 0.f, 0.8f, 0.1f}, activation_for(Kind::LeakyRelu)};
  std::vector<Int8Case> cases;
  int index = 0;
  for (const Geometry& g : geometries)
    for (DType x_type : {DType::kU8, DType::kS8})
      for (DType y_type : {DType::kU8, DType::kS8, DType::kF32}) {
        Int8Case c = family_case(conv2d(g.n, g.c, g.h, g.w, g.m, 1, 3, 3, 1, 1, g.pt, g.pl, g.pb, g.pr), index,
                                 acts[index % std::size(acts)], x_type, y_type, 1700 + static_cast<uint32_t>(index));
        c.residual = index % 4 == 1 || index % 4 == 2;
        c.residual_plain = c.residual && index % 5 == 0;
        c.r_type = y_type == DType::kF32 || index % 8 < 4 ? y_type : (y_type == DType::kU8 ? DType::kS8 : DType::kU8);
        std::ostringstream name;
        name << index << "_c" << g.c << "_m" << g.m << "_" << g.n << "x" << g.h << "x" << g.w << "_pads" << g.pt
             << g.pl << g.pb << g.pr << "_" << activation_and_types(c)
             << (c.residual ? (c.residual_plain ? "_residualplain_" : "_residual_") + std::string(dtype_name(c.r_type))
                            : "");
        c.name = name.str();
        cases.push_back(c);
        ++index;
      }
  return cases;
}

class WinogradInt8Test : public ::testing::TestWithParam<Int8Case> {};

TEST_P(WinogradInt8Test, MatchesReferenceWithinOneLsb) {
  const Int8Case& c = GetParam();
  Tally t;
  run_case(c, &t);
  EXPECT_EQ(t.own, avx2::available() && !c.residual_plain ? 1 : 0) << "Saturn's Winograd kernel ran this case";
}

INSTANTIATE_TEST_SUITE_P(Winograd, WinogradInt8Test, ::testing::ValuesIn(generate_winograd()),
                         [](const ::testing::TestParamInfo<Int8Case>& info) { return info.param.name; });

// The scope's arithmetic bounds: 4 * (acc + bias) must fit in int32.
TEST(WinogradInt8Scope, RefusesChannelsAndBiasBeyondTheInt32Bound) {
  winograd_int8::Geometry g;
  g.c = 64;
  g.m = 16;
  std::vector<int32_t> bias(16, static_cast<int32_t>(winograd_int8::kMaxBias));
  EXPECT_TRUE(winograd_int8::in_scope(g, bias.data()));
  EXPECT_TRUE(winograd_int8::in_scope(g, nullptr));
  bias[7] = -static_cast<int32_t>(winograd_int8::kMaxBias) - 1;
  EXPECT_FALSE(winograd_int8::in_scope(g, bias.data()));
  g.c = winograd_int8::kMaxChannels + 16;
  EXPECT_FALSE(winograd_int8::in_scope(g, nullptr));
  g.c = 24;  // not a multiple of 16
  EXPECT_FALSE(winograd_int8::in_scope(g, nullptr));
}

// All cases again, tallied: the fraction of u8/s8 elements where oneDNN and the reference differ
// (by one LSB; more fails above) stays small, since they can only differ near rounding ties.
TEST(ConvInt8Summary, OffByOneFractionIsSmall) {
  Tally t;
  for (bool transpose : {false, true}) {
    for (const Int8Case& c : generate(transpose)) {
      SCOPED_TRACE(c.name);
      run_case(c, &t);
    }
  }
  for (const auto& family : {generate_depthwise(), generate_depthwise_wide(), generate_pointwise(), generate_stems(),
                              generate_winograd()}) {
    for (const Int8Case& c : family) {
      SCOPED_TRACE(c.name);
      run_case(c, &t);
    }
  }
  ASSERT_GT(t.int8_elements, 0);
  const double fraction = static_cast<double>(t.off_by_one) / static_cast<double>(t.int8_elements);
  std::cout << "[ INT8 conv ] " << t.off_by_one << " of " << t.int8_elements
            << " u8/s8 elements off by 1 LSB from the reference (" << fraction * 100 << "%); cases on Saturn's own "
            << "kernels " << t.own << ", on oneDNN's fast kernels " << t.fast << ", on its reference kernel " << t.reference << ", refused " << t.unsupported
            << " (VNNI: " << (conv_int8::cpu_has_vnni() ? "yes" : "no") << ")\n";
  RecordProperty("off_by_one", static_cast<int>(t.off_by_one));
  RecordProperty("int8_elements", static_cast<int>(t.int8_elements));
  EXPECT_LT(fraction, 0.01);
}

// The reference against an independent FP32 computation: the FP32 conv (fp32_reference.h) of the
// dequantized X, W, B plus the dequantized residual, then the activation, must equal the
// dequantized reference output within the output's quantization error alpha_y / 2 (exactly the
// saturation bound where the value is out of range). 1D and 2D cases.
TEST(ConvInt8Reference, DequantizedMatchesFp32OfDequantizedInputs) {
  int checked = 0;
  for (bool transpose : {false, true}) {
    for (const Int8Case& c : generate(transpose)) {
      const ConvShape& s = c.shape;
      if (s.x.size() == 5) continue;
      SCOPED_TRACE(c.name);
      const Operands o = make_operands(c);
      const std::vector<uint8_t> got_bytes = reference_output(c, o, accumulate(c, o));
      const bool one_d = s.x.size() == 3;
      auto at = [&](const std::vector<int64_t>& v, size_t d, int64_t neutral) { return one_d ? (d == 0 ? neutral : v[0]) : v[d]; };
      Window2d g{};
      for (size_t d = 0; d < 2; ++d) {
        g.kernel[d] = at(s.kernel, d, 1);
        g.stride[d] = at(s.strides, d, 1);
        g.dilation[d] = at(s.dilations, d, 1);
        g.pad_begin[d] = at(s.pad_begin, d, 0);
        g.pad_end[d] = at(s.pad_end, d, 0);
      }
      const std::vector<int64_t> x4 = {s.x[0], s.x[1], one_d ? 1 : s.x[2], s.x.back()};
      std::vector<float> x(o.x.size());
      for (size_t i = 0; i < x.size(); ++i) {
        x[i] = c.x_type == DType::kU8 ? o.q.alpha_x * o.x[i] : o.q.alpha_x * static_cast<int8_t>(o.x[i]);
      }
      const int64_t m = s.out_channels, per_w0 = static_cast<int64_t>(o.w.size()) / o.w_dims[0];
      const int64_t per_w1 = per_w0 / o.w_dims[1];
      std::vector<float> w(o.w.size());
      for (size_t i = 0; i < w.size(); ++i) {
        // The output channel of weight i: dim 0 for Conv; group * (M/group) + dim 1 for ConvTranspose.
        const int64_t idx = static_cast<int64_t>(i);
        const int64_t oc = transpose ? idx / per_w0 / (s.x[1] / s.group) * (m / s.group) + idx / per_w1 % o.w_dims[1]
                                     : idx / per_w0;
        w[i] = o.q.alpha_w[o.q.alpha_w.size() == 1 ? 0 : static_cast<size_t>(oc)] * o.w[i];
      }
      std::vector<float> b;
      if (c.bias) {
        for (int64_t oc = 0; oc < m; ++oc) {
          b.push_back(static_cast<float>(double{o.q.alpha_x} * o.q.alpha_w[o.q.alpha_w.size() == 1 ? 0 : static_cast<size_t>(oc)] *
                                         o.bias[static_cast<size_t>(oc)]));
        }
      }
      int64_t output_padding[2] = {0, 0};
      if (transpose) {
        output_padding[0] = one_d ? 0 : s.output_padding[0];
        output_padding[1] = s.output_padding.back();
      }
      const Tensor4 conv = transpose ? conv_transpose2d({x, x4}, w, b, m, s.group, g, output_padding)
                                     : conv2d({x, x4}, w, b, m, s.group, g);
      ASSERT_EQ(static_cast<int64_t>(conv.data.size()), op_util::product(o.y_dims, 0, o.y_dims.size()));
      for (size_t i = 0; i < conv.data.size(); ++i) {
        double real = conv.data[i];
        if (c.residual) {
          switch (c.r_type) {
            case DType::kU8: real += double{o.q.alpha_r} * o.residual[i]; break;
            case DType::kS8: real += double{o.q.alpha_r} * static_cast<int8_t>(o.residual[i]); break;
            default: real += cast_bytes<float>(o.residual)[i]; break;
          }
        }
        const double want = c.act.scale * activate(c.act.kind, c.act.alpha, c.act.beta, real) + c.act.shift;
        if (c.y_type == DType::kF32) {
          const float got = cast_bytes<float>(got_bytes)[i];
          ASSERT_NEAR(got, want, 1e-5 * std::max(1.0, std::fabs(want))) << "at " << i;
          continue;
        }
        const bool s8 = c.y_type == DType::kS8;
        const int q = s8 ? static_cast<int8_t>(got_bytes[i]) : got_bytes[i];
        const double lo = s8 ? -127.0 : 0.0, hi = s8 ? 127.0 : 255.0;
        const double scaled = want / o.q.alpha_y;
        if (scaled <= lo) {
          ASSERT_EQ(q, lo) << "at " << i;
        } else if (scaled >= hi) {
          ASSERT_EQ(q, hi) << "at " << i;
        } else {
          ASSERT_LE(std::fabs(q * double{o.q.alpha_y} - want), o.q.alpha_y * (0.5 + 1e-4)) << "at " << i;
        }
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 80);
}

// FP32 Conv with a residual (input 3): Y = activation(conv(X, W) + B + R), R added by the sum
// post-op, in Nhwc (also with Y in R's bytes, as the Session places a dead residual) and as a Plain
// residual for an Nhwc Y.
TEST(ConvFp32Residual, AddsTheResidualBeforeTheActivation) {
  for (const Layout r_layout : {Layout::kNhwc, Layout::kPlain}) {
    const std::vector<int64_t> x4 = {1, 5, 6, 7};
    const Window2d g{{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}};
    const std::vector<float> x = random_floats(5 * 6 * 7, -1.f, 1.f, 31);
    const std::vector<float> w = random_floats(4 * 5 * 9, -1.f, 1.f, 32);
    const std::vector<float> b = random_floats(4, -1.f, 1.f, 33);
    const std::vector<float> r = random_floats(4 * 6 * 7, -2.f, 2.f, 34);
    Tensor4 want = conv2d({x, x4}, w, b, 4, 1, g);
    for (size_t i = 0; i < want.data.size(); ++i) want.data[i] = std::max(0.f, want.data[i] + r[i]);
    Int8Case c;
    c.shape.kernel = {3, 3};
    c.shape.strides = {1, 1};
    c.shape.dilations = {1, 1};
    c.shape.pad_begin = {1, 1};
    c.shape.pad_end = {1, 1};
    c.act = activation_for(Kind::Relu);
    KernelHarness h(op_for(c), "conv");
    h.add_input(desc(x4, DType::kF32, Layout::kNhwc, "x"), bytes_of(to_nhwc(x, x4)));
    h.add_input(desc({4, 5, 3, 3}, DType::kF32, Layout::kPlain, "w"), bytes_of(w), true);
    h.add_input(desc({4}, DType::kF32, Layout::kPlain, "b"), bytes_of(b), true);
    h.add_input(desc(want.dims, DType::kF32, r_layout, "r"),
                bytes_of(r_layout == Layout::kNhwc ? to_nhwc(r, want.dims) : r));
    h.add_output("y");
    auto kernel = make_conv_kernel();
    const Status st = h.prepare(*kernel);
    ASSERT_TRUE(st.is_ok()) << st.message();
    EXPECT_EQ(h.reusable_input(), r_layout == Layout::kNhwc ? 3 : -1);
    for (const bool in_place : {false, h.reusable_input() == 3}) {
      h.run(in_place);
      expect_close(from_nhwc(h.output<float>(0), want.dims), want.data, 1e-4f, 1e-5f);
    }
  }
}

// Error messages of the INT8 form.
struct ErrorSetup {
  DType x_type = DType::kU8;
  std::vector<float> x_scales = {0.1f};
  DType w_type = DType::kS8;
  std::vector<float> w_scales = {0.1f};
  int w_axis = -1;
  DType b_type = DType::kS32;
  bool residual = false;
  DType r_type = DType::kU8;
  DType y_type = DType::kU8;
  std::vector<float> y_scales = {0.1f};
  bool transpose = false;
  int64_t group = 1;
};

Status prepare_error_case(const ErrorSetup& e) {
  Int8Case c;
  c.transpose = e.transpose;
  c.shape.x = {1, 4, 5, 5};
  c.shape.group = e.group;
  c.shape.kernel = {3, 3};
  c.shape.strides = {1, 1};
  c.shape.dilations = {1, 1};
  c.shape.pad_begin = {1, 1};
  c.shape.pad_end = {1, 1};
  c.shape.output_padding = {0, 0};
  QuantParamsHolder qx(e.x_scales), qw(e.w_scales, e.w_axis), qy(e.y_scales), qr({0.2f});
  KernelHarness h(op_for(c), "conv");
  TensorDesc xd = desc({1, 4, 5, 5}, e.x_type, Layout::kNhwc, "x");
  if (!e.x_scales.empty()) xd.quant = qx.get();
  h.add_input(xd, std::vector<uint8_t>(100 * dtype_size(e.x_type)));
  const std::vector<int64_t> w_dims = e.transpose ? std::vector<int64_t>{4, 6 / e.group, 3, 3}
                                                  : std::vector<int64_t>{6, 4 / e.group, 3, 3};
  TensorDesc wd = desc(w_dims, e.w_type, Layout::kPlain, "w");
  wd.quant = qw.get();
  h.add_input(wd, std::vector<uint8_t>(static_cast<size_t>(6 * 4 / e.group * 9) * dtype_size(e.w_type)), true);
  h.add_input(desc({6}, e.b_type, Layout::kPlain, "b"), std::vector<uint8_t>(6 * dtype_size(e.b_type)), true);
  if (e.residual) {
    TensorDesc rd = desc({1, 6, 5, 5}, e.r_type, Layout::kNhwc, "r");
    rd.quant = qr.get();
    h.add_input(rd, std::vector<uint8_t>(150 * dtype_size(e.r_type)));
  }
  h.add_output("y", qy.get(), e.y_type);
  auto kernel = e.transpose ? make_conv_transpose_kernel() : make_conv_kernel();
  return h.prepare(*kernel);
}

TEST(ConvInt8Errors, MessagesNameTheTensorAndTheRule) {
  ErrorSetup e;
  e.x_scales = {};
  EXPECT_EQ(prepare_error_case(e).message(),
            "node 'conv' (Conv): input 0 'x' has 0 quant scales, expected 1 (per tensor)");
  e = ErrorSetup{};
  e.w_type = DType::kF32;
  EXPECT_EQ(prepare_error_case(e).message(), "node 'conv' (Conv): input 1 'w' has dtype f32, expected s8");
  e = ErrorSetup{};
  e.w_scales = {0.1f, 0.2f, 0.3f, 0.4f};
  e.w_axis = 1;
  EXPECT_EQ(prepare_error_case(e).message(),
            "node 'conv' (Conv): input 1 'w' has 4 quant scales on axis 1, expected 1 (per tensor) or 6 "
            "(per output channel, on axis 0)");
  e = ErrorSetup{};
  e.b_type = DType::kF32;
  EXPECT_EQ(prepare_error_case(e).message(), "node 'conv' (Conv): input 2 'b' has dtype f32, expected s32");
  e = ErrorSetup{};
  e.y_type = DType::kS32;
  EXPECT_EQ(prepare_error_case(e).message(),
            "node 'conv' (Conv): output 0 'y' has dtype s32 in the model, expected u8, s8 or f32");
  e = ErrorSetup{};
  e.y_scales = {};
  EXPECT_EQ(prepare_error_case(e).message(),
            "node 'conv' (Conv): output 0 'y' has 0 quant scales, expected 1 (per tensor)");
  e = ErrorSetup{};
  e.residual = true;
  e.r_type = DType::kF32;
  EXPECT_EQ(prepare_error_case(e).message(),
            "node 'conv' (Conv): input 3 'r' (residual) has dtype f32, expected u8 or s8 (the output is u8)");
  e = ErrorSetup{};
  e.transpose = true;
  e.group = 2;
  e.w_scales = {0.1f, 0.2f, 0.3f};
  e.w_axis = 1;
  EXPECT_EQ(prepare_error_case(e).message(),
            "node 'conv' (ConvTranspose): input 1 'w' has 3 quant scales on axis 1, expected 1 (per tensor) or 6 "
            "(per output channel, on axis 1)");
  e = ErrorSetup{};
  e.x_type = DType::kS32;
  EXPECT_EQ(prepare_error_case(e).message(),
            "node 'conv' (Conv): input 0 'x' has dtype s32, expected f32, u8 or s8");
  e = ErrorSetup{};
  EXPECT_TRUE(prepare_error_case(e).is_ok());
}

}  // namespace
}  // namespace saturn::testing
