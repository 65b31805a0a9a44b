// The spatial attributes shared by Conv, ConvTranspose and Pool (schema/saturn.fbs), read from the
// node's options and validated against the number of spatial dims.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "ops/kernel.h"

namespace saturn::dnnl_util {

struct SpatialAttrs {
  std::vector<int64_t> kernel;     // >= 1 each
  std::vector<int64_t> strides;    // >= 1 each
  std::vector<int64_t> dilations;  // >= 1 each (ONNX convention: 1 = dense)
  std::vector<int64_t> pad_begin;  // >= 0 each
  std::vector<int64_t> pad_end;    // >= 0 each

  // Extent of one dilated kernel window along spatial dim d: (kernel - 1) * dilation + 1.
  int64_t window(size_t d) const { return (kernel[d] - 1) * dilations[d] + 1; }
  // oneDNN's dilation convention (0 = dense).
  dnnl::memory::dims dnnl_dilations() const;
};

// Reads and validates the attributes for `spatial` spatial dims: kernel, strides and dilations have
// `spatial` values, pads 2 * `spatial` ([begins..., ends...]). Errors name the attribute.
Status read_spatial_attrs(const PrepareContext& ctx, size_t spatial,
                          const flatbuffers::Vector<int32_t>* kernel,
                          const flatbuffers::Vector<int32_t>* strides,
                          const flatbuffers::Vector<int32_t>* dilations,
                          const flatbuffers::Vector<int32_t>* pads, SpatialAttrs* out);

// Checks the operands shared by Conv and ConvTranspose: X (input 0) of rank 3 to 5 and a constant
// W (input 1) of X's rank.
Status check_conv_operands(const PrepareContext& ctx);

}  // namespace saturn::dnnl_util
