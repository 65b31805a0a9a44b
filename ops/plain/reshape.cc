// Reshape, Flatten, Squeeze and Unsqueeze: one kernel. The output dims come from the node's options
// (fully resolved by the converter); the bytes are copied unchanged, or not at all when the Session
// placed the output in the input's bytes (PrepareContext::output_may_reuse_input). Any dtype, Plain
// layout. A second input (ONNX's shape or axes tensor) is allowed and ignored: the options hold its
// value.
#include <cstring>

#include "ops/op_util.h"
#include "ops/ops.h"

namespace saturn {
namespace {

// Output dims for the node's op, or an error naming what is wrong.
Result<std::vector<int64_t>> output_dims(const PrepareContext& ctx) {
  const fb::Node& node = ctx.node();
  const std::vector<int64_t>& in = ctx.input(0).dims;
  const int rank = static_cast<int>(in.size());
  std::vector<int64_t> out;
  switch (node.op_type()) {
    case fb::Op::Reshape: {
      const fb::Reshape* o = node.op_as_Reshape();
      if (o == nullptr || o->shape() == nullptr) return ctx.error("missing Reshape shape");
      out.assign(o->shape()->begin(), o->shape()->end());
      for (int64_t d : out) {
        if (d <= 0)
          return ctx.error("shape " + op_util::dims_string(out) + " has a dim <= 0, expected resolved dims");
      }
      return out;
    }
    case fb::Op::Flatten: {
      const fb::Flatten* o = node.op_as_Flatten();
      if (o == nullptr) return ctx.error("missing Flatten options");
      if (o->axis() < 0 || o->axis() > rank) {
        return ctx.error("axis " + std::to_string(o->axis()) + " is out of range [0, " +
                         std::to_string(rank) + "] for " + op_util::input_label(ctx, 0));
      }
      return std::vector<int64_t>{op_util::product(in, 0, o->axis()),
                                  op_util::product(in, o->axis(), in.size())};
    }
    case fb::Op::Squeeze: {
      const fb::Squeeze* o = node.op_as_Squeeze();
      if (o == nullptr || o->axes() == nullptr || o->axes()->size() == 0)
        return ctx.error("missing Squeeze axes");
      size_t next = 0;
      for (int d = 0; d < rank; ++d) {
        if (next < o->axes()->size() && o->axes()->Get(next) == d) {
          if (in[d] != 1) {
            return ctx.error("cannot squeeze axis " + std::to_string(d) + " of " +
                             op_util::input_label(ctx, 0) + " with dims " + op_util::dims_string(in) +
                             ": expected size 1");
          }
          ++next;
        } else {
          out.push_back(in[d]);
        }
      }
      if (next != o->axes()->size()) {
        return ctx.error("squeeze axes must be sorted, distinct and in [0, " + std::to_string(rank) +
                         ") for " + op_util::input_label(ctx, 0));
      }
      return out;
    }
    case fb::Op::Unsqueeze: {
      const fb::Unsqueeze* o = node.op_as_Unsqueeze();
      if (o == nullptr || o->axes() == nullptr || o->axes()->size() == 0)
        return ctx.error("missing Unsqueeze axes");
      const int out_rank = rank + static_cast<int>(o->axes()->size());
      size_t next = 0, src = 0;
      for (int d = 0; d < out_rank; ++d) {
        if (next < o->axes()->size() && o->axes()->Get(next) == d) {
          out.push_back(1);
          ++next;
        } else {
          out.push_back(in[src++]);
        }
      }
      if (next != o->axes()->size()) {
        return ctx.error("unsqueeze axes must be sorted, distinct and in [0, " + std::to_string(out_rank) +
                         ")");
      }
      return out;
    }
    default: break;
  }
  return ctx.error("op is not Reshape, Flatten, Squeeze or Unsqueeze");
}

class ReshapeKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 1, 2, 1));
    SATURN_RETURN_IF_ERROR(op_util::check_plain(ctx, 0));
    Result<std::vector<int64_t>> dims = output_dims(ctx);
    if (!dims) return dims.status();
    const TensorDesc& in = ctx.input(0);
    TensorDesc& out = ctx.output(0);
    out.dims = std::move(dims.value());
    out.dtype = in.dtype;
    out.layout = Layout::kPlain;
    if (out.elements() != in.elements()) {
      return ctx.error(op_util::input_label(ctx, 0) + " has dims " + op_util::dims_string(in.dims) + " (" +
                       std::to_string(in.elements()) + " elements), which do not fit output dims " +
                       op_util::dims_string(out.dims) + " (" + std::to_string(out.elements()) + " elements)");
    }
    bytes_ = in.bytes();
    ctx.output_may_reuse_input(0);  // then run() copies nothing
    ctx.set_impl("plain");
    return Status::ok();
  }

  void run(RunContext& ctx) const override {
    if (ctx.output(0) != ctx.input(0)) std::memcpy(ctx.output(0), ctx.input(0), bytes_);
  }

 private:
  size_t bytes_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_reshape_kernel() { return std::make_unique<ReshapeKernel>(); }

}  // namespace saturn
