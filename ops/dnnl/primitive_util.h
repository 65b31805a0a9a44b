// Small oneDNN helpers of the compute kernels (conv, conv transpose, gemm, matmul, pool), additive to
// dnnl_util.h. They throw dnnl::error like oneDNN itself: call them inside dnnl_util::guard().
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include "ops/kernel.h"

namespace saturn::dnnl_util {

// A row-major descriptor of arbitrary `dims` (rank-1 operands padded, weight views, ...).
dnnl::memory::desc row_major_desc(const dnnl::memory::dims& dims, dnnl::memory::data_type type);
// The layout of a constant FP32 matmul B [k, n]: row-major with rows padded by 16 floats when they
// would be a multiple of 512 bytes apart, else oneDNN's choice (format any). oneDNN 2.6's sgemm
// reads such rows through conflicting cache sets: ViT-B/16's MLP, 197 x 768 x 3072, ran at 46
// GMAC/s, at 95 padded (768 columns 85 -> 96, 1536 69 -> 94; other widths level).
dnnl::memory::desc constant_b_desc(int64_t k, int64_t n);
// Attributes for a primitive whose scratchpad is bound with DnnlStep::bind_scratchpad() (user
// scratchpad mode), with `ops` as its post-ops chain.
dnnl::primitive_attr attr_with_post_ops(const dnnl::post_ops& ops);
// Same, with the fused `activation` (may be null) as the only post-op.
dnnl::primitive_attr attr_with_activation(const fb::Activation* activation);

}  // namespace saturn::dnnl_util
