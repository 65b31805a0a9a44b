#include "ops/conv_int8.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "ops/dnnl/dnnl_util.h"
#include "ops/int8_epilogue.h"
#include "ops/op_util.h"

namespace saturn::conv_int8 {
namespace {

using dt = dnnl::memory::data_type;

size_t scale_count(const fb::QuantParams* q) { return q == nullptr || q->scale() == nullptr ? 0 : q->scale()->size(); }

// The single (per-tensor) scale of a quantized activation tensor described by `label`.
Status single_scale(const PrepareContext& ctx, const std::string& label, const fb::QuantParams* q, float* out) {
  const size_t n = scale_count(q);
  if (n != 1) {
    return ctx.error(label + " has " + std::to_string(n) + " quant scales, expected 1 (per tensor)");
  }
  *out = q->scale()->Get(0);
  return Status::ok();
}

Status check_fp32_operands(PrepareContext& ctx, bool with_bias, int residual_input, bool residual) {
  SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 1, DType::kF32));
  if (with_bias) SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 2, DType::kF32));
  if (residual) SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, residual_input, DType::kF32));
  return Status::ok();
}

}  // namespace

Status make_plan(PrepareContext& ctx, int w_axis, int64_t out_channels, int residual_input,
                 const std::vector<int64_t>& y_dims, Plan* plan) {
  const bool with_bias = ctx.num_inputs() > 2 && ctx.has_input(2);
  plan->residual = residual_input >= 0 && ctx.num_inputs() > residual_input && ctx.has_input(residual_input);
  if (plan->residual && ctx.input(residual_input).dims != y_dims) {
    return ctx.error(op_util::input_label(ctx, residual_input) + " (residual) has dims " +
                     op_util::dims_string(ctx.input(residual_input).dims) + ", expected the output's dims " +
                     op_util::dims_string(y_dims));
  }
  const DType x = ctx.input(0).dtype;
  if (x == DType::kF32) {
    SATURN_RETURN_IF_ERROR(check_fp32_operands(ctx, with_bias, residual_input, plan->residual));
    plan->y_dtype = DType::kF32;
    ctx.output(0).dtype = DType::kF32;
    return Status::ok();
  }
  if (!is_int8(x)) {
    return ctx.error(op_util::input_label(ctx, 0) + " has dtype " + dtype_name(x) + ", expected f32, u8 or s8");
  }
  plan->int8 = true;
  plan->x_dtype = x;
  plan->weights_type = dt::s8;
  plan->bias_type = dt::s32;
  float alpha_x = 0.f;
  SATURN_RETURN_IF_ERROR(single_scale(ctx, op_util::input_label(ctx, 0), ctx.input(0).quant, &alpha_x));

  SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 1, DType::kS8));
  const fb::QuantParams* wq = ctx.input(1).quant;
  const size_t wn = scale_count(wq);
  const bool per_channel = wn == static_cast<size_t>(out_channels) && wq->axis() == w_axis;
  if (wn != 1 && !per_channel) {
    return ctx.error(op_util::input_label(ctx, 1) + " has " + std::to_string(wn) + " quant scales on axis " +
                     std::to_string(wq == nullptr ? -1 : wq->axis()) + ", expected 1 (per tensor) or " +
                     std::to_string(out_channels) + " (per output channel, on axis " + std::to_string(w_axis) + ")");
  }
  // Always per channel (mask 1 << 1), a per-tensor alpha_w repeated M times: oneDNN 2.6's
  // jit_uni_deconv with an s32 bias gives wrong results with a single (mask 0) scale.
  plan->scale_mask = 1 << 1;
  plan->output_scales.clear();
  for (int64_t m = 0; m < out_channels; ++m) {
    plan->output_scales.push_back(alpha_x * wq->scale()->Get(per_channel ? static_cast<uint32_t>(m) : 0));
  }
  if (with_bias) SATURN_RETURN_IF_ERROR(op_util::check_dtype(ctx, 2, DType::kS32));
  const auto* w = static_cast<const int8_t*>(ctx.constant(1));
  const std::vector<int64_t>& w_dims = ctx.input(1).dims;
  plan->depthwise = w_dims.size() > 2 && w_dims[1] == 1 && out_channels == ctx.input(0).dims[1];
  if (w != nullptr) scan_weights(w, ctx.input(1).elements(), plan);

  TensorDesc& y = ctx.output(0);
  if (is_int8(y.dtype)) {
    SATURN_RETURN_IF_ERROR(single_scale(ctx, op_util::output_label(ctx, 0), y.quant, &plan->y_scale));
  } else if (y.dtype != DType::kF32) {
    return ctx.error(op_util::output_label(ctx, 0) + " has dtype " + dtype_name(y.dtype) +
                     " in the model, expected u8, s8 or f32");
  }
  plan->y_dtype = y.dtype;
  if (plan->residual) {
    const TensorDesc& r = ctx.input(residual_input);
    if (r.dtype != y.dtype && !(is_int8(r.dtype) && is_int8(y.dtype))) {
      return ctx.error(op_util::input_label(ctx, residual_input) + " (residual) has dtype " + dtype_name(r.dtype) +
                       ", expected " + (is_int8(y.dtype) ? "u8 or s8 (the output is " + std::string(dtype_name(y.dtype)) + ")"
                                                         : "the output's dtype " + std::string(dtype_name(y.dtype))));
    }
    plan->residual_dtype = r.dtype;
    plan->sum_scale = 1.f;
    if (is_int8(r.dtype)) {
      SATURN_RETURN_IF_ERROR(single_scale(ctx, op_util::input_label(ctx, residual_input), r.quant, &plan->sum_scale));
    }
  }
  return Status::ok();
}

void scan_weights(const int8_t* w, int64_t count, Plan* plan) {
  // In locals: stores into *plan, which the int8_t weights may alias, kept the loop from
  // vectorizing (ResNet-50's 25 M weights took ~10 ms of its load + prepare).
  int max_abs = 0, odd_bits = 0;
  for (int64_t i = 0; i < count; ++i) {
    max_abs = std::max(max_abs, std::abs(static_cast<int>(w[i])));
    odd_bits |= w[i] & 1;
  }
  plan->max_abs_weight = max_abs;
  plan->even_weights = odd_bits == 0;
}

dnnl::primitive_attr attributes(const Plan& plan, const fb::Activation* activation) {
  dnnl::primitive_attr attr = scratchpad_attr();
  std::optional<int8_epilogue::Sum> sum;
  if (plan.residual) sum = int8_epilogue::Sum{plan.sum_scale, dnnl_util::data_type(plan.residual_dtype)};
  const int8_epilogue::Epilogue e =
      int8_epilogue::make(activation, plan.int8 ? plan.y_dtype : DType::kF32, plan.y_scale, sum);
  if (plan.int8) {
    std::vector<float> scales = plan.output_scales;
    for (float& s : scales) s /= e.divisor;
    attr.set_output_scales(plan.scale_mask, scales);
  }
  attr.set_post_ops(e.ops);
  return attr;
}

bool cpu_has_vnni() {
  using isa = dnnl::cpu_isa;
  const isa found = dnnl::get_effective_cpu_isa();
  return found == isa::avx2_vnni || found == isa::avx512_core_vnni || found == isa::avx512_core_bf16 ||
         found == isa::avx512_core_amx;
}

namespace {

// True when oneDNN's INT8 implementation `impl` computes sum(x_q * w_q) exactly on a CPU without
// VNNI for plan.x_dtype (U8 or S8) and weights with the plan's properties (conv_int8.h).
bool exact_without_vnni(const std::string& impl, const Plan& plan) {
  if (impl.rfind("ref", 0) == 0) return true;
  const bool gemm = impl.find("gemm") != std::string::npos;
  // Depthwise kernels multiply in 32 bits (no pair sums) but halve the weights for an S8 X.
  if (!gemm && (plan.depthwise || impl.find("dw") != std::string::npos))
    return plan.x_dtype == DType::kU8 || plan.even_weights;
  if (plan.x_dtype == DType::kU8 || gemm) return plan.max_abs_weight <= 64;
  return plan.even_weights && plan.max_abs_weight <= 126;
}

}  // namespace

bool select_exact_impl(const Plan& plan, dnnl::primitive_desc& pd, const std::vector<std::string>& refused) {
  if (!plan.int8) return true;
  const bool vnni = cpu_has_vnni();

  do {
    const std::string name = dnnl_util::impl_name(pd);
    const auto starts_name = [&name](const std::string& prefix) { return name.rfind(prefix, 0) == 0; };
    if (std::any_of(refused.begin(), refused.end(), starts_name)) continue;
    if (vnni || exact_without_vnni(name, plan)) return true;
  } while (pd.next_impl());
  return false;
}

void ResidualCopy::prepare(PrepareContext& ctx, int input, ScratchPlan& scratch) {
  input_ = input;
  const TensorDesc& r = ctx.input(input);
  const TensorDesc& y = ctx.output(0);
  bytes_ = y.bytes();
  reorder_ = r.layout != y.layout;
  if (!reorder_) {
    ctx.output_may_reuse_input(input);  // when the Session takes it up, run() copies nothing
    return;
  }
  const dnnl::memory::desc r_md = dnnl_util::memory_desc(r);
  TensorDesc y_as_r = y;  // Y's layout, R's type: the bytes are copied, not converted
  y_as_r.dtype = r.dtype;
  const dnnl::memory::desc y_md = dnnl_util::memory_desc(y_as_r);
  const dnnl::reorder::primitive_desc pd(ctx.engine(), r_md, ctx.engine(), y_md, scratchpad_attr());
  step_.set_primitive(dnnl::reorder(pd));
  step_.bind_input(DNNL_ARG_FROM, r_md, ctx.engine(), input);
  step_.bind_output(DNNL_ARG_TO, y_md, ctx.engine(), 0);
  step_.bind_scratchpad(pd, ctx.engine(), scratch);
}

void ResidualCopy::run(RunContext& ctx) const {
  if (reorder_) {
    step_.run(ctx);
    return;
  }
  const void* r = ctx.input(input_);
  void* y = ctx.output(0);
  if (r != y) std::memcpy(y, r, bytes_);
}

}  // namespace saturn::conv_int8
