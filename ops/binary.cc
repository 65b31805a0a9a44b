// Binary: Y = activation(A op B) for Add/Sub/Mul/Div with numpy broadcasting (oneDNN binary), FP32.
//
// oneDNN broadcasts only its second source, so the kernel picks the operand order in prepare():
//   A has the output's shape          -> A op B
//   B has it, op commutative          -> B op A
//   B has it, Sub                     -> B - A, then a linear(-1) post-op (negation is exact)
//   otherwise (Div with A broadcast,  -> A is broadcast explicitly into scratch (plain C++), then
//   or both operands broadcast)          scratch op B
// and src1 too where oneDNN would broadcast it on its reference kernel (a broadcast along a middle
// dim of a Plain output). A constant operand is broadcast once, in prepare().
// Output layout (policy kFollowFirst): for a rank-4 output, the layout of input 0 when it has the
// output's dims, else that of input 1 when it has them; otherwise Plain.
//
// INT8 (Add and Mul; A and B U8/S8, each with one scale; Y the preset dtype, U8/S8 with one scale or
// F32): y_q = sat(round(activation(alpha_a * a_q op alpha_b * b_q) / alpha_y)). oneDNN's source
// scales give alpha_a * a_q and alpha_b * b_q, then the epilogue's post-ops (int8_epilogue.h); the
// epilogue's factor (1 / alpha_y when the activation folds) multiplies both source scales of an Add
// and one of a Mul. Broadcasting as above. A Mul of an Nhwc tensor by a per-channel gate
// [N or 1, C, 1, 1] to U8/S8 without activation runs on Saturn's own kernel where the CPU has AVX2
// (ops/channel_gate_int8.h).
#include <algorithm>
#include <memory>

#include "ops/channel_gate_int8.h"
#include "ops/dnnl/dnnl_util.h"
#include "ops/dnnl_step.h"
#include "ops/int8_epilogue.h"
#include "ops/op_util.h"
#include "ops/ops.h"
#include "ops/plain/strided_copy.h"

namespace saturn {
namespace {

dnnl::algorithm binary_algorithm(fb::BinaryKind kind) {
  switch (kind) {
    case fb::BinaryKind::Add: return dnnl::algorithm::binary_add;
    case fb::BinaryKind::Sub: return dnnl::algorithm::binary_sub;
    case fb::BinaryKind::Mul: return dnnl::algorithm::binary_mul;
    case fb::BinaryKind::Div: return dnnl::algorithm::binary_div;
  }
  return dnnl::algorithm::undef;
}

// `dims` padded with leading 1s to `rank`.
std::vector<int64_t> padded(const std::vector<int64_t>& dims, size_t rank) {
  std::vector<int64_t> d(rank - dims.size(), 1);
  d.insert(d.end(), dims.begin(), dims.end());
  return d;
}

// oneDNN's desc of `t` as `rank` dims. An Nhwc tensor of one channel has Plain's bytes, and described
// as Plain it takes oneDNN's fast broadcast paths: PP-OCR det's last Add of a scalar bias to an Nhwc
// [1, 1, 640, 640] map (with a Sigmoid) took 4.4 ms described as nhwc.
dnnl::memory::desc operand_desc(TensorDesc t, int rank) {
  if (t.layout == Layout::kNhwc && t.dims.size() == 4 && t.dims[1] == 1) t.layout = Layout::kPlain;
  return dnnl_util::memory_desc(t, rank);
}

// The INT8 form's checks (see the header comment); returns the three scales.
Status check_int8(PrepareContext& ctx, fb::BinaryKind kind, float* alpha_a, float* alpha_b, float* alpha_y) {
  if (kind != fb::BinaryKind::Add && kind != fb::BinaryKind::Mul) {
    return ctx.error("binary kind " + std::string(fb::EnumNameBinaryKind(kind)) +
                     " has no INT8 form, expected Add or Mul (or f32 inputs)");
  }
  for (int i = 0; i < 2; ++i) {
    if (!is_int8(ctx.input(i).dtype)) {
      return ctx.error(op_util::input_label(ctx, i) + " has dtype " + dtype_name(ctx.input(i).dtype) +
                       ", expected u8 or s8 (INT8 " + fb::EnumNameBinaryKind(kind) + ")");
    }
  }
  SATURN_RETURN_IF_ERROR(int8_epilogue::input_scale(ctx, 0, alpha_a));
  SATURN_RETURN_IF_ERROR(int8_epilogue::input_scale(ctx, 1, alpha_b));
  const DType y = ctx.output(0).dtype;
  if (is_int8(y)) return int8_epilogue::output_scale(ctx, 0, alpha_y);
  if (y == DType::kF32) return Status::ok();
  return ctx.error(op_util::output_label(ctx, 0) + " has dtype " + dtype_name(y) + ", expected u8, s8 or f32");
}

class BinaryKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    SATURN_RETURN_IF_ERROR(op_util::check_arity(ctx, 2, 2, 1));
    const fb::Binary* options = ctx.node().op_as_Binary();
    if (options == nullptr) return ctx.error("missing Binary options");
    const dnnl::algorithm algorithm = binary_algorithm(options->kind());
    if (algorithm == dnnl::algorithm::undef) {
      return ctx.error("unknown binary kind " + std::to_string(static_cast<int>(options->kind())));
    }
    const TensorDesc& a = ctx.input(0);
    const TensorDesc& b = ctx.input(1);
    const bool int8 = is_int8(a.dtype) || is_int8(b.dtype);
    float alpha_a = 1.f, alpha_b = 1.f, alpha_y = 1.f;
    if (int8) {
      SATURN_RETURN_IF_ERROR(check_int8(ctx, options->kind(), &alpha_a, &alpha_b, &alpha_y));
    } else {
      SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 0, DType::kF32));
      SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 1, DType::kF32));
    }
    if (a.dims.size() > StridedCopy::kMaxRank || b.dims.size() > StridedCopy::kMaxRank) {
      return ctx.error("inputs of rank " + std::to_string(std::max(a.dims.size(), b.dims.size())) +
                       ", expected at most " + std::to_string(StridedCopy::kMaxRank));
    }

    // Numpy broadcasting.
    const size_t rank = std::max(a.dims.size(), b.dims.size());
    const std::vector<int64_t> pa = padded(a.dims, rank), pb = padded(b.dims, rank);
    std::vector<int64_t> out_dims(rank);
    for (size_t d = 0; d < rank; ++d) {
      if (pa[d] != pb[d] && pa[d] != 1 && pb[d] != 1) {
        return ctx.error(op_util::input_label(ctx, 0) + " dims " + op_util::dims_string(a.dims) + " and " +
                         op_util::input_label(ctx, 1) + " dims " + op_util::dims_string(b.dims) +
                         " do not broadcast");
      }
      out_dims[d] = pa[d] == 1 ? pb[d] : pa[d];
    }
    const bool a_full = pa == out_dims;
    const bool b_full = pb == out_dims;
    TensorDesc& out = ctx.output(0);
    out.dims = out_dims;
    if (!int8) out.dtype = DType::kF32;  // INT8: the preset dtype, checked by check_int8()
    // The full-shaped operand that becomes oneDNN's src0 decides the layout (A first).
    out.layout = rank != 4 ? Layout::kPlain : a_full ? a.layout : b_full ? b.layout : Layout::kPlain;

    const fb::BinaryKind kind = options->kind();
    if (int8 && kind == fb::BinaryKind::Mul && try_channel_gate(ctx, a_full, b_full, alpha_a, alpha_b, alpha_y))
      return Status::ok();
    const bool commutative = kind == fb::BinaryKind::Add || kind == fb::BinaryKind::Mul;
    const bool swap = !a_full && b_full && (commutative || kind == fb::BinaryKind::Sub);
    const bool negate = swap && kind == fb::BinaryKind::Sub;
    const bool expand_a = !a_full && !swap;

    return dnnl_util::guard(ctx, [&] {
      const dnnl::engine& engine = ctx.engine();
      const int r = std::max<int>(1, static_cast<int>(rank));
      ScratchPlan plan;
      expansions_.clear();
      dnnl::memory constant_full[2];  // a constant input broadcast once, here
      // Input `input` (of dims `t`) broadcast to the output's dims, plain: a constant once, in
      // constant_full; a runtime input at every run, in scratch.
      const auto expanded = [&](int input, const TensorDesc& t) {
        std::vector<int64_t> strides = op_util::strides(t.dims, t.layout);
        strides.insert(strides.begin(), rank - t.dims.size(), 0);
        const std::vector<int64_t> p = padded(t.dims, rank);
        for (size_t d = 0; d < rank; ++d) {
          if (p[d] == 1) strides[d] = 0;
        }
        TensorDesc full = out;
        full.dtype = t.dtype;
        full.layout = Layout::kPlain;
        const dnnl::memory::desc md = dnnl_util::memory_desc(full, r);
        StridedCopy copy(out_dims, strides, dtype_size(t.dtype));
        if (const void* c = ctx.constant(input)) {
          constant_full[input] = dnnl::memory(md, engine);
          copy.run(constant_full[input].get_data_handle(), c);
        } else {
          expansions_.push_back({input, std::move(copy), plan.reserve(full.bytes())});
        }
        return md;
      };
      dnnl::memory::desc md[2] = {expand_a ? expanded(0, a) : operand_desc(a, r), operand_desc(b, r)};
      const dnnl::memory::desc dst_md = operand_desc(out, r);

      dnnl::post_ops post_ops;
      if (negate) post_ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, -1.f, 0.f);
      dnnl::primitive_attr attr = scratchpad_attr();
      if (int8) {
        const int8_epilogue::Epilogue epilogue = int8_epilogue::make(options->activation(), out.dtype, alpha_y);
        post_ops = epilogue.ops;
        const float scale_a = alpha_a / epilogue.divisor;
        const float scale_b = kind == fb::BinaryKind::Mul ? alpha_b : alpha_b / epilogue.divisor;
        attr.set_scales(DNNL_ARG_SRC_0, 0, {swap ? scale_b : scale_a});
        attr.set_scales(DNNL_ARG_SRC_1, 0, {swap ? scale_a : scale_b});
      } else {
        dnnl_util::append_activation(post_ops, options->activation());
      }
      attr.set_post_ops(post_ops);

      const int src0 = swap ? 1 : 0, src1 = 1 - src0;
      const auto primitive_desc = [&] {
        const dnnl::binary::desc desc(algorithm, md[src0], md[src1], dst_md);
        return dnnl::binary::primitive_desc(desc, attr, engine);
      };
      dnnl::binary::primitive_desc pd = primitive_desc();
      // oneDNN 2.6 broadcasts src1 fast only per tensor, per channel or along whole trailing dims; for
      // others (Swin's window mask, [1, 64, 1, 49, 49] added to [1, 64, 3, 49, 49]: 25 ms) it takes
      // its reference kernel. Then src1 is broadcast explicitly (0.4 ms there) and the jit kernel
      // adds full tensors.
      const bool src1_full = src1 == 0 ? a_full : b_full;
      if (dnnl_util::impl_name(pd).rfind("ref", 0) == 0 && !src1_full && out.layout == Layout::kPlain) {
        md[src1] = expanded(src1, ctx.input(src1));
        pd = primitive_desc();
      }
      step_.set_primitive(dnnl::binary(pd));
      for (int input : {0, 1}) {
        const int arg = input == src0 ? DNNL_ARG_SRC_0 : DNNL_ARG_SRC_1;
        const auto e = std::find_if(expansions_.begin(), expansions_.end(),
                                    [input](const Expansion& x) { return x.input == input; });
        if (constant_full[input]) {
          step_.bind_owned(arg, constant_full[input]);
        } else if (e != expansions_.end()) {
          step_.bind_scratch(arg, md[input], engine, e->offset);
        } else {
          step_.bind_input(arg, md[input], engine, input);
        }
      }
      step_.bind_output(DNNL_ARG_DST, dst_md, engine, 0);
      step_.bind_scratchpad(pd, engine, plan);
      ctx.request_scratch(plan.total());
      const bool expanded_any = !expansions_.empty() || constant_full[0] || constant_full[1];
      ctx.set_impl(expanded_any ? "plain+" + dnnl_util::impl_name(pd) : dnnl_util::impl_name(pd));
      return Status::ok();
    });
  }

  void run(RunContext& ctx) const override {
    if (gate_) {
      gate_->run(ctx.input(gated_), ctx.input(1 - gated_), ctx.output(0), ctx.scratch());
      return;
    }
    for (const Expansion& e : expansions_) {
      e.copy.run(static_cast<char*>(ctx.scratch()) + e.offset, ctx.input(e.input));
    }
    step_.run(ctx);
  }

 private:
  // Sets gate_ when this INT8 Mul is in channel_gate_int8.h's scope (see the header comment).
  bool try_channel_gate(PrepareContext& ctx, bool a_full, bool b_full, float alpha_a, float alpha_b, float alpha_y) {
    const fb::Activation* act = ctx.node().op_as_Binary()->activation();
    const bool plain_product = act == nullptr || (act->kind() == fb::ActivationKind::None && act->scale() == 1.f &&
                                                  act->shift() == 0.f);
    TensorDesc& out = ctx.output(0);
    if (!plain_product || !is_int8(out.dtype) || out.dims.size() != 4 || a_full == b_full ||
        !channel_gate_int8::available())
      return false;
    const int full = a_full ? 0 : 1;
    const TensorDesc& x = ctx.input(full);
    const std::vector<int64_t>& g = ctx.input(1 - full).dims;
    if (x.layout != Layout::kNhwc || g.size() != 4 || (g[0] != 1 && g[0] != x.dims[0]) || g[1] != x.dims[1] ||
        g[2] != 1 || g[3] != 1)
      return false;
    const channel_gate_int8::Shape shape{x.dims[0], x.dims[1], x.dims[2] * x.dims[3], g[0] != 1};
    const float x_scale = (full == 0 ? alpha_a : alpha_b) * (1.f / alpha_y);  // as oneDNN's path scales it
    gate_ = std::make_unique<channel_gate_int8::ChannelGateInt8>(shape, x.dtype, ctx.input(1 - full).dtype, out.dtype,
                                                                 x_scale, full == 0 ? alpha_b : alpha_a);
    gated_ = full;
    out.layout = Layout::kNhwc;
    ctx.request_scratch(gate_->scratch_bytes());
    ctx.set_impl("saturn_gate_int8:avx2");
    return true;
  }

  std::unique_ptr<channel_gate_int8::ChannelGateInt8> gate_;
  int gated_ = 0;  // the input gate_ scales (the other is the gate)
  // An input broadcast explicitly to the output's dims, plain, at `offset` in scratch.
  struct Expansion {
    int input;
    StridedCopy copy;
    size_t offset;
  };

  DnnlStep step_;
  std::vector<Expansion> expansions_;
};

}  // namespace

std::unique_ptr<Kernel> make_binary_kernel() { return std::make_unique<BinaryKernel>(); }

}  // namespace saturn
