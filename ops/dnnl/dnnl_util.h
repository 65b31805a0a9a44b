// oneDNN helpers shared by the kernels. oneDNN's exceptions are caught here (guard) and nowhere
// else: every other file calls oneDNN only inside guard().
#pragma once

#include <functional>
#include <limits>
#include <string>

#include <oneapi/dnnl/dnnl.hpp>

#include "ops/kernel.h"

namespace saturn::dnnl_util {

dnnl::memory::data_type data_type(DType dtype);
dnnl::memory::dims dims(const std::vector<int64_t>& dims);

// A memory descriptor for `desc`'s logical dims in its physical layout (plain row-major or nhwc).
dnnl::memory::desc memory_desc(const TensorDesc& desc);
// Same, for logical `dims` padded with leading 1s up to `rank` (broadcasting operands).
dnnl::memory::desc memory_desc(const TensorDesc& desc, int rank);

// Whether `a` (may be null) has an affine tail scale * f + shift other than (1, 0).
inline bool has_affine_tail(const fb::Activation* a) {
  return a != nullptr && (a->scale() != 1.f || a->shift() != 0.f);
}

// Appends the fused activation (may be null or kind None: nothing appended) to `ops`, then its
// affine tail (schema/saturn.fbs) multiplied by `factor` as one eltwise_linear(scale * factor,
// shift * factor), when that is not the identity, then a clip to [lo_y, hi_y] when that is finite
// (merged into the activation's own final clip when it ends with one). An INT8 epilogue passes
// factor = 1 / alpha_y, so that tail and requantization are one post-op (in oneDNN 2.6's AVX2 INT8
// convolutions, HardSwish followed by two eltwise_linear post-ops gave wrong outputs: 0.2 dB SQNR on
// a depthwise conv), and an s8 Y's range [-127, 127].
void append_activation(dnnl::post_ops& ops, const fb::Activation* activation, float factor = 1.f,
                       float lo_y = -std::numeric_limits<float>::infinity(),
                       float hi_y = std::numeric_limits<float>::infinity());

// Runs `body`, turning a dnnl::error into ctx.error("oneDNN: <what> (status N)").
Status guard(const PrepareContext& ctx, const std::function<Status()>& body);

// oneDNN's implementation name of a primitive descriptor, e.g. "brgconv:avx512_core".
std::string impl_name(const dnnl::primitive_desc_base& pd);

// Reorders constant plain data `src` into a new memory of `dst_desc` (kernel-owned weights) in
// ctx.allocate_constant()'s memory, on the calling thread alone: a parallel reorder wakes the
// OpenMP workers, which then spin while the next primitives are JIT-compiled, and every mprotect
// of new code interrupts them to flush their TLB (on the 2-vCPU dev VM, ResNet-50 INT8 load +
// prepare median 83 -> 65 ms).
dnnl::memory reorder_constant(PrepareContext& ctx, const dnnl::memory::desc& src_desc, const void* src,
                              const dnnl::memory::desc& dst_desc);

}  // namespace saturn::dnnl_util
