#include "ops/dnnl/primitive_util.h"

#include "ops/dnnl/dnnl_util.h"
#include "ops/dnnl_step.h"
#include "ops/op_util.h"

namespace saturn::dnnl_util {

dnnl::memory::desc row_major_desc(const dnnl::memory::dims& dims, dnnl::memory::data_type type) {
  const std::vector<int64_t> s =
      op_util::strides(std::vector<int64_t>(dims.begin(), dims.end()), Layout::kPlain);
  return dnnl::memory::desc(dims, type, dnnl::memory::dims(s.begin(), s.end()));
}

dnnl::memory::desc constant_b_desc(int64_t k, int64_t n) {
  if (n % 128 != 0) return dnnl::memory::desc({k, n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any);
  return dnnl::memory::desc({k, n}, dnnl::memory::data_type::f32, dnnl::memory::dims{n + 16, 1});
}

dnnl::primitive_attr attr_with_post_ops(const dnnl::post_ops& ops) {
  dnnl::primitive_attr attr = scratchpad_attr();
  attr.set_post_ops(ops);
  return attr;
}

dnnl::primitive_attr attr_with_activation(const fb::Activation* activation) {
  dnnl::post_ops ops;
  append_activation(ops, activation);
  return attr_with_post_ops(ops);
}

}  // namespace saturn::dnnl_util
