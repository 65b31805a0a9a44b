#include "ops/dnnl/dnnl_util.h"

#include <cmath>
#include <limits>
#include <utility>

#include "ops/scoped_threads.h"

namespace saturn::dnnl_util {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

dnnl::memory::data_type data_type(DType dtype) {
  switch (dtype) {
    case DType::kF32: return dt::f32;
    case DType::kS8: return dt::s8;
    case DType::kU8: return dt::u8;
    case DType::kS32: return dt::s32;
    case DType::kS64: return dt::undef;  // oneDNN has no s64; plain kernels handle it
  }
  return dt::undef;
}

dnnl::memory::dims dims(const std::vector<int64_t>& d) { return dnnl::memory::dims(d.begin(), d.end()); }

static dnnl::memory::desc plain_desc(const dnnl::memory::dims& d, dt type) {
  dnnl::memory::dims strides(d.size(), 1);
  for (int i = static_cast<int>(d.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * d[i + 1];
  return dnnl::memory::desc(d, type, strides);
}

dnnl::memory::desc memory_desc(const TensorDesc& desc) {
  const auto d = dims(desc.dims);
  if (desc.layout == Layout::kNhwc) return dnnl::memory::desc(d, data_type(desc.dtype), tag::nhwc);
  return plain_desc(d, data_type(desc.dtype));
}

dnnl::memory::desc memory_desc(const TensorDesc& desc, int rank) {
  if (static_cast<int>(desc.dims.size()) == rank) return memory_desc(desc);
  dnnl::memory::dims d(rank - desc.dims.size(), 1);
  d.insert(d.end(), desc.dims.begin(), desc.dims.end());
  return plain_desc(d, data_type(desc.dtype));
}

namespace {

// f(x) of the activation, without its affine tail.
void append_function(dnnl::post_ops& ops, const fb::Activation* a) {
  using alg = dnnl::algorithm;
  switch (a->kind()) {
    case fb::ActivationKind::None: return;
    case fb::ActivationKind::Relu: ops.append_eltwise(1.f, alg::eltwise_relu, 0.f, 0.f); return;
    case fb::ActivationKind::Clip: ops.append_eltwise(1.f, alg::eltwise_clip_v2, a->alpha(), a->beta()); return;
    case fb::ActivationKind::Sigmoid: ops.append_eltwise(1.f, alg::eltwise_logistic, 0.f, 0.f); return;
    case fb::ActivationKind::HardSigmoid: return;  // append_activation writes it with its tail
    case fb::ActivationKind::HardSwish:
      ops.append_eltwise(1.f, alg::eltwise_hardswish, 0.f, 0.f);  // x * relu6(x + 3) / 6
      return;
    case fb::ActivationKind::LeakyRelu: ops.append_eltwise(1.f, alg::eltwise_relu, a->alpha(), 0.f); return;
    case fb::ActivationKind::Tanh: ops.append_eltwise(1.f, alg::eltwise_tanh, 0.f, 0.f); return;
    case fb::ActivationKind::Swish: ops.append_eltwise(1.f, alg::eltwise_swish, 1.f, 0.f); return;  // x * sigmoid(1 * x)
    case fb::ActivationKind::Gelu: ops.append_eltwise(1.f, alg::eltwise_gelu_erf, 0.f, 0.f); return;
  }
}

}  // namespace

void append_activation(dnnl::post_ops& ops, const fb::Activation* a, float factor, float lo_y, float hi_y) {
  const float scale = (a == nullptr ? 1.f : a->scale()) * factor;
  const float shift = (a == nullptr ? 0.f : a->shift()) * factor;
  const bool affine = scale != 1.f || shift != 0.f;
  const bool clamp = a != nullptr && (a->kind() == fb::ActivationKind::Relu || a->kind() == fb::ActivationKind::Clip);
  // The last clip, with [lo_y, hi_y] merged in: oneDNN 2.6's AVX2 INT8 convolutions dropped a clip
  // that followed a clip (an s8 Y of -128; tests/ops/conv_int8_test.cc).
  const auto final_clip = [&](float lo, float hi) {
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip_v2, std::max(lo, lo_y), std::min(hi, hi_y));
  };
  const float inf = std::numeric_limits<float>::infinity();
  if (clamp && affine && scale != 0.f) {
    // scale * clamp(x, lo, hi) + shift = clamp(scale * x + shift, bounds mapped the same way): the
    // linear goes first (oneDNN 2.6's AVX2 INT8 convolutions computed clip, then linear with a shift,
    // wrongly).
    const float lo = a->kind() == fb::ActivationKind::Relu ? 0.f : a->alpha();
    const float hi = a->kind() == fb::ActivationKind::Relu ? inf : a->beta();
    const float mapped_lo = scale * lo + shift, mapped_hi = scale * hi + shift;  // +-inf stay infinite
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, scale, shift);
    final_clip(std::min(mapped_lo, mapped_hi), std::max(mapped_lo, mapped_hi));
    return;
  }
  if (a != nullptr && a->kind() == fb::ActivationKind::HardSigmoid) {
    // oneDNN 2.6 has no hardsigmoid. scale * clip(alpha * x + beta, 0, 1) + shift as one linear and
    // one clip: its AVX2 INT8 1x1 convolution dropped a linear after the clip (a u8 Y of 1 instead
    // of 230; ConvInt8OnePixel in tests/ops/conv_int8_test.cc).
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, scale * a->alpha(), scale * a->beta() + shift);
    final_clip(std::min(shift, scale + shift), std::max(shift, scale + shift));
    return;
  }
  if (a != nullptr && a->kind() == fb::ActivationKind::Clip && !affine) {
    final_clip(a->alpha(), a->beta());
    return;
  }
  if (a != nullptr) append_function(ops, a);
  if (affine) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, scale, shift);
  if (lo_y > -inf || hi_y < inf) final_clip(-inf, inf);
}

Status guard(const PrepareContext& ctx, const std::function<Status()>& body) {
  try {
    return body();
  } catch (const dnnl::error& e) {
    return ctx.error(std::string("oneDNN: ") + e.what() + " (status " + std::to_string(e.status) + ")");
  }
}

std::string impl_name(const dnnl::primitive_desc_base& pd) {
  try {
    return pd.impl_info_str();
  } catch (const dnnl::error&) {
    return "dnnl";
  }
}

dnnl::memory reorder_constant(PrepareContext& ctx, const dnnl::memory::desc& src_desc, const void* src,
                              const dnnl::memory::desc& dst_desc) {
  dnnl::memory src_mem(src_desc, ctx.engine(), const_cast<void*>(src));
  void* dst = ctx.allocate_constant(dst_desc.get_size());
  if (dst == nullptr) {
    throw dnnl::error(dnnl_out_of_memory, ("cannot allocate " + std::to_string(dst_desc.get_size()) +
                                           " bytes for reordered constants").c_str());
  }
  dnnl::memory dst_mem(dst_desc, ctx.engine(), dst);
  const ScopedThreads one(1);  // see the header
  dnnl::reorder(src_mem, dst_mem).execute(ctx.stream(), src_mem, dst_mem);
  ctx.stream().wait();
  return dst_mem;
}

}  // namespace saturn::dnnl_util
