#include "ops/dnnl/spatial_attrs.h"

#include <string>

#include "ops/op_util.h"

namespace saturn::dnnl_util {

dnnl::memory::dims SpatialAttrs::dnnl_dilations() const {
  dnnl::memory::dims d;
  for (int64_t v : dilations) d.push_back(v - 1);
  return d;
}

static Status read_list(const PrepareContext& ctx, const char* name,
                        const flatbuffers::Vector<int32_t>* values, size_t count, int32_t min_value,
                        std::vector<int64_t>* out) {
  const size_t found = values == nullptr ? 0 : values->size();
  if (found != count) {
    return ctx.error("attribute '" + std::string(name) + "' has " + std::to_string(found) +
                     " values, expected " + std::to_string(count));
  }
  out->clear();
  for (size_t i = 0; i < count; ++i) {
    const int32_t v = values->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (v < min_value) {
      return ctx.error("attribute '" + std::string(name) + "'[" + std::to_string(i) + "] is " +
                       std::to_string(v) + ", expected >= " + std::to_string(min_value));
    }
    out->push_back(v);
  }
  return Status::ok();
}

Status read_spatial_attrs(const PrepareContext& ctx, size_t spatial,
                          const flatbuffers::Vector<int32_t>* kernel,
                          const flatbuffers::Vector<int32_t>* strides,
                          const flatbuffers::Vector<int32_t>* dilations,
                          const flatbuffers::Vector<int32_t>* pads, SpatialAttrs* out) {
  SATURN_RETURN_IF_ERROR(read_list(ctx, "kernel", kernel, spatial, 1, &out->kernel));
  SATURN_RETURN_IF_ERROR(read_list(ctx, "strides", strides, spatial, 1, &out->strides));
  SATURN_RETURN_IF_ERROR(read_list(ctx, "dilations", dilations, spatial, 1, &out->dilations));
  std::vector<int64_t> all_pads;
  SATURN_RETURN_IF_ERROR(read_list(ctx, "pads", pads, 2 * spatial, 0, &all_pads));
  out->pad_begin.assign(all_pads.begin(), all_pads.begin() + static_cast<std::ptrdiff_t>(spatial));
  out->pad_end.assign(all_pads.begin() + static_cast<std::ptrdiff_t>(spatial), all_pads.end());
  return Status::ok();
}

Status check_conv_operands(const PrepareContext& ctx) {
  SATURN_RETURN_IF_ERROR(op_util::check_rank(ctx, 0, 3, 5));
  SATURN_RETURN_IF_ERROR(op_util::check_constant(ctx, 1));
  const std::vector<int64_t>& x = ctx.input(0).dims;
  const std::vector<int64_t>& w = ctx.input(1).dims;
  if (w.size() != x.size()) {
    return ctx.error(op_util::input_label(ctx, 1) + " has dims " + op_util::dims_string(w) + ", expected " +
                     std::to_string(x.size()) + " dims like X " + op_util::dims_string(x));
  }
  return Status::ok();
}

}  // namespace saturn::dnnl_util
