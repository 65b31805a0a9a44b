#include "ops/op_util.h"

namespace saturn::op_util {

std::string dims_string(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

std::string input_label(const PrepareContext& ctx, int i) {
  return "input " + std::to_string(i) + " '" + ctx.input(i).name + "'";
}

std::string output_label(PrepareContext& ctx, int i) {
  return "output " + std::to_string(i) + " '" + ctx.output(i).name + "'";
}

Status check_arity(const PrepareContext& ctx, int min_inputs, int max_inputs, int outputs) {
  const int n = ctx.num_inputs();
  if (n < min_inputs || n > max_inputs) {
    const std::string expected = min_inputs == max_inputs
                                     ? std::to_string(min_inputs)
                                     : std::to_string(min_inputs) + " to " + std::to_string(max_inputs);
    return ctx.error("expected " + expected + " inputs, found " + std::to_string(n));
  }
  for (int i = 0; i < min_inputs; ++i) {
    if (!ctx.has_input(i)) return ctx.error("input " + std::to_string(i) + " is required but absent");
  }
  if (ctx.num_outputs() != outputs) {
    return ctx.error("expected " + std::to_string(outputs) + " outputs, found " +
                     std::to_string(ctx.num_outputs()));
  }
  return Status::ok();
}

Status check_dtype(const PrepareContext& ctx, int i, DType expected) {
  const DType found = ctx.input(i).dtype;
  if (found == expected) return Status::ok();
  return ctx.error(input_label(ctx, i) + " has dtype " + dtype_name(found) + ", expected " +
                   dtype_name(expected));
}

Status check_plain(const PrepareContext& ctx, int i) {
  if (ctx.input(i).layout == Layout::kPlain) return Status::ok();
  return ctx.error(input_label(ctx, i) + " has layout " + layout_name(ctx.input(i).layout) +
                   ", expected plain");
}

Status check_rank(const PrepareContext& ctx, int i, int min_rank, int max_rank) {
  const int rank = static_cast<int>(ctx.input(i).dims.size());
  if (rank >= min_rank && rank <= max_rank) return Status::ok();
  const std::string expected = min_rank == max_rank
                                   ? std::to_string(min_rank)
                                   : std::to_string(min_rank) + " to " + std::to_string(max_rank);
  return ctx.error(input_label(ctx, i) + " has " + std::to_string(rank) + " dims " +
                   dims_string(ctx.input(i).dims) + ", expected " + expected);
}

Status check_constant(const PrepareContext& ctx, int i) {
  if (ctx.constant(i) != nullptr) return Status::ok();
  return ctx.error(input_label(ctx, i) + " is a runtime tensor, expected a constant");
}

int64_t product(const std::vector<int64_t>& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < dims.size(); ++i) p *= dims[i];
  return p;
}

std::vector<int64_t> strides(const std::vector<int64_t>& dims, Layout layout) {
  std::vector<int64_t> s(dims.size(), 1);
  if (layout == Layout::kNhwc && dims.size() == 4) {
    const int64_t c = dims[1], h = dims[2], w = dims[3];
    s = {h * w * c, 1, w * c, c};
    return s;
  }
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

}  // namespace saturn::op_util
