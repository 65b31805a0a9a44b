// Small oneDNN helpers of the compute kernels (conv, conv transpose, gemm, matmul, pool), additive to
// dnnl_util.h. They throw dnnl::error like oneDNN itself: call them inside dnnl_util::guard().
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include "ops/kernel.h"

namespace saturn::dnnl_util {

// A row-major descriptor of arbitrary `dims` (rank-1 operands padded, weight views, ...).
dnnl::memory::desc row_major_desc(const dnnl::memory::dims& dims, dnnl::memory::data_type type);
// Attributes for a primitive whose scratchpad is bound with DnnlStep::bind_scratchpad() (user
// scratchpad mode), with `ops` as its post-ops chain.
dnnl::primitive_attr attr_with_post_ops(const dnnl::post_ops& ops);
// Same, with the fused `activation` (may be null) as the only post-op.
dnnl::primitive_attr attr_with_activation(const fb::Activation* activation);

}  // namespace saturn::dnnl_util
