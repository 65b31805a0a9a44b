// Lowering of the spatial ops: Conv, ConvTranspose, MaxPool, AveragePool, GlobalAveragePool,
// GlobalMaxPool. auto_pad is resolved into explicit pads; every list attribute is explicit, one
// entry per spatial dim (pads: begins then ends).
#include "converter/lowering/lowering.h"
#include "converter/shape_rules.h"

namespace saturn::converter {

namespace {

struct Window {
  std::vector<int64_t> kernel, strides, dilations, pads;
};

// Reads kernel_shape/strides/dilations/pads/auto_pad for `spatial` dims of input `in`.
// `kernel_from_weight` is used when kernel_shape is absent (Conv); pools require kernel_shape.
Result<Window> read_window(const LowerContext& c, const std::vector<int64_t>& in, size_t spatial,
                           const std::vector<int64_t>* kernel_from_weight) {
  Window w;
  const auto& n = c.node;
  w.kernel = n.attr_ints("kernel_shape", kernel_from_weight ? *kernel_from_weight : std::vector<int64_t>{});
  if (w.kernel.size() != spatial)
    return c.invalid("kernel_shape " + dims_to_string(w.kernel) + " does not have " + std::to_string(spatial) +
                     " spatial dims");
  if (kernel_from_weight && w.kernel != *kernel_from_weight)
    return c.invalid("kernel_shape " + dims_to_string(w.kernel) + " does not match the weight's kernel " +
                     dims_to_string(*kernel_from_weight));
  w.strides = n.attr_ints("strides", std::vector<int64_t>(spatial, 1));
  w.dilations = n.attr_ints("dilations", std::vector<int64_t>(spatial, 1));
  w.pads = n.attr_ints("pads", std::vector<int64_t>(2 * spatial, 0));
  if (w.strides.size() != spatial || w.dilations.size() != spatial || w.pads.size() != 2 * spatial)
    return c.invalid("strides/dilations/pads have the wrong length for " + std::to_string(spatial) + " spatial dims");
  for (size_t i = 0; i < spatial; ++i)
    if (w.kernel[i] <= 0 || w.strides[i] <= 0 || w.dilations[i] <= 0)
      return c.invalid("kernel, strides and dilations must be positive");
  for (int64_t p : w.pads)
    if (p < 0) return c.unsupported("negative pads " + dims_to_string(w.pads));
  const std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
  if (auto_pad == "VALID") {
    w.pads.assign(2 * spatial, 0);
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t i = 0; i < spatial; ++i) {
      const int64_t x = in[2 + i], s = w.strides[i];
      const int64_t out = (x + s - 1) / s;
      const int64_t extent = (w.kernel[i] - 1) * w.dilations[i] + 1;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + extent - x);
      const int64_t small = total / 2, big = total - small;
      w.pads[i] = auto_pad == "SAME_UPPER" ? small : big;
      w.pads[spatial + i] = auto_pad == "SAME_UPPER" ? big : small;
    }
  } else if (auto_pad != "NOTSET") {
    return c.unsupported("attribute auto_pad='" + auto_pad + "'");
  }
  return w;
}

Status check_output(const LowerContext& c, const std::vector<int64_t>& expected) {
  Result<const ir::Tensor*> out = c.output(0);
  if (!out) return out.status();
  if ((*out)->dims != expected)
    return c.invalid("output '" + (*out)->name + "' has dims " + dims_to_string((*out)->dims) + ", the attributes give " +
                     dims_to_string(expected));
  return Status::ok();
}

}  // namespace

Result<LoweredNode> lower_conv(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  Result<const ir::Tensor*> w = c.constant_input(1, "weight");
  if (!w) return w.status();
  if (!*w) return c.invalid("weight input is missing");
  Result<const ir::Tensor*> b = c.constant_input(2, "bias");
  if (!b) return b.status();
  const auto& in = (*x)->dims;
  const auto& wd = (*w)->dims;
  if (in.size() < 3 || wd.size() != in.size())
    return c.invalid("input dims " + dims_to_string(in) + " and weight dims " + dims_to_string(wd) +
                     " must have the same rank >= 3");
  const size_t spatial = in.size() - 2;
  const int64_t group = c.node.attr_int("group", 1);
  if (group <= 0 || in[1] % group != 0 || wd[1] * group != in[1] || wd[0] % group != 0)
    return c.invalid("group " + std::to_string(group) + " does not fit input channels " + std::to_string(in[1]) +
                     " and weight dims " + dims_to_string(wd));
  if (*b && (*b)->numel() != wd[0])
    return c.invalid("bias has " + std::to_string((*b)->numel()) + " elements, expected " + std::to_string(wd[0]));
  const std::vector<int64_t> kernel(wd.begin() + 2, wd.end());
  Result<Window> win = read_window(c, in, spatial, &kernel);
  if (!win) return win.status();
  std::vector<int64_t> expected{in[0], wd[0]};
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t extent = (kernel[i] - 1) * win->dilations[i] + 1;
    expected.push_back((in[2 + i] + win->pads[i] + win->pads[spatial + i] - extent) / win->strides[i] + 1);
  }
  SATURN_RETURN_IF_ERROR(check_output(c, expected));
  std::vector<std::string> inputs{c.node.input(0), c.node.input(1), c.node.input(2)};
  if (!c.node.input(3).empty()) {  // residual R
    Result<const ir::Tensor*> r = c.input(3);
    if (!r) return r.status();
    if ((*r)->is_constant() || (*r)->dims != expected)
      return c.invalid("residual input '" + (*r)->name + "' must be a runtime tensor with the output's dims " +
                       dims_to_string(expected) + ", found " + dims_to_string((*r)->dims));
    inputs.push_back(c.node.input(3));
  }
  auto act = c.fused_activation();
  auto k = to_int32(win->kernel), s = to_int32(win->strides), d = to_int32(win->dilations), p = to_int32(win->pads);
  auto opt = fb::CreateConvDirect(c.fbb, &k, &s, &d, &p, static_cast<int32_t>(group), act);
  return make_lowered(fb::Op::Conv, opt.Union(), std::move(inputs));
}

Result<LoweredNode> lower_conv_transpose(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({"auto_pad", "dilations", "group", "kernel_shape", "output_padding",
                                        "output_shape", "pads", "strides"}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  Result<const ir::Tensor*> w = c.constant_input(1, "weight");
  if (!w) return w.status();
  if (!*w) return c.invalid("weight input is missing");
  Result<const ir::Tensor*> b = c.constant_input(2, "bias");
  if (!b) return b.status();
  const auto& in = (*x)->dims;
  const auto& wd = (*w)->dims;
  if (in.size() < 3 || wd.size() != in.size())
    return c.invalid("input dims " + dims_to_string(in) + " and weight dims " + dims_to_string(wd) +
                     " must have the same rank >= 3");
  const size_t spatial = in.size() - 2;
  const int64_t group = c.node.attr_int("group", 1);
  if (group <= 0 || wd[0] != in[1] || in[1] % group != 0)
    return c.invalid("group " + std::to_string(group) + " does not fit input channels " + std::to_string(in[1]) +
                     " and weight dims " + dims_to_string(wd));
  const int64_t out_c = wd[1] * group;
  if (*b && (*b)->numel() != out_c)
    return c.invalid("bias has " + std::to_string((*b)->numel()) + " elements, expected " + std::to_string(out_c));
  const std::vector<int64_t> kernel(wd.begin() + 2, wd.end());
  // auto_pad is resolved below from the output shape; read the window with explicit pads first.
  ir::Node plain = c.node;
  const std::string auto_pad = plain.attr_string("auto_pad", "NOTSET");
  plain.attrs.erase("auto_pad");
  LowerContext pc(c.graph, plain, c.fbb);
  Result<Window> win = read_window(pc, in, spatial, &kernel);
  if (!win) return win.status();
  std::vector<int64_t> out_pad = c.node.attr_ints("output_padding", std::vector<int64_t>(spatial, 0));
  if (out_pad.size() != spatial) return c.invalid("output_padding " + dims_to_string(out_pad) + " has the wrong length");
  for (size_t i = 0; i < spatial; ++i)
    if (out_pad[i] < 0 || (out_pad[i] >= win->strides[i] && out_pad[i] >= win->dilations[i]))
      return c.invalid("output_padding " + dims_to_string(out_pad) + " must be smaller than the stride or dilation");
  std::vector<int64_t> out_shape = c.node.attr_ints("output_shape", {});
  if (out_shape.size() == in.size()) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
  if (!out_shape.empty() && out_shape.size() != spatial)
    return c.invalid("output_shape " + dims_to_string(out_shape) + " has the wrong length");
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER")
    return c.unsupported("attribute auto_pad='" + auto_pad + "'");
  if (out_shape.empty() && (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER"))
    for (size_t i = 0; i < spatial; ++i) out_shape.push_back(in[2 + i] * win->strides[i]);
  if (auto_pad == "VALID") win->pads.assign(2 * spatial, 0);
  if (!out_shape.empty()) {
    for (size_t i = 0; i < spatial; ++i) {
      const int64_t total = win->strides[i] * (in[2 + i] - 1) + out_pad[i] +
                            (kernel[i] - 1) * win->dilations[i] + 1 - out_shape[i];
      if (total < 0)
        return c.unsupported("output_shape " + dims_to_string(out_shape) +
                             " needs negative total padding on spatial dim " + std::to_string(i));
      const int64_t small = total / 2, big = total - small;
      // ONNX: SAME_UPPER puts the smaller half first; every other auto_pad the larger half.
      const bool upper = auto_pad == "SAME_UPPER";
      win->pads[i] = upper ? small : big;
      win->pads[spatial + i] = upper ? big : small;
    }
  }
  std::vector<int64_t> expected{in[0], out_c};
  for (size_t i = 0; i < spatial; ++i)
    expected.push_back(win->strides[i] * (in[2 + i] - 1) + out_pad[i] + (kernel[i] - 1) * win->dilations[i] + 1 -
                       win->pads[i] - win->pads[spatial + i]);
  SATURN_RETURN_IF_ERROR(check_output(c, expected));
  auto act = c.fused_activation();
  auto k = to_int32(win->kernel), s = to_int32(win->strides), d = to_int32(win->dilations), p = to_int32(win->pads),
       op = to_int32(out_pad);
  auto opt = fb::CreateConvTransposeDirect(c.fbb, &k, &s, &d, &p, &op, static_cast<int32_t>(group), act);
  return make_lowered(fb::Op::ConvTranspose, opt.Union(), {c.node.input(0), c.node.input(1), c.node.input(2)});
}

Result<LoweredNode> lower_pool(LowerContext& c) {
  const bool is_max = c.node.op_type == "MaxPool";
  if (is_max) {
    SATURN_RETURN_IF_ERROR(c.check_attrs({"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order",
                                          "strides"}));
    if (c.node.outputs.size() > 1 && !c.node.outputs[1].empty())
      return c.unsupported("the second output (Indices) is not supported");
    if (c.node.attr_int("storage_order", 0) != 0) return c.unsupported("attribute storage_order=1");
  } else {
    SATURN_RETURN_IF_ERROR(c.check_attrs({"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape",
                                          "pads", "strides"}));
  }
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  const auto& in = (*x)->dims;
  if (in.size() < 3) return c.invalid("input dims " + dims_to_string(in) + " need rank >= 3");
  const size_t spatial = in.size() - 2;
  Result<Window> win = read_window(c, in, spatial, nullptr);
  if (!win) return win.status();
  const int64_t ceil_mode = c.node.attr_int("ceil_mode", 0);
  const int64_t count_include_pad = c.node.attr_int("count_include_pad", 0);
  if ((ceil_mode != 0 && ceil_mode != 1) || (count_include_pad != 0 && count_include_pad != 1))
    return c.invalid("ceil_mode and count_include_pad must be 0 or 1");
  std::vector<int64_t> expected{in[0], in[1]};
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t extent = (win->kernel[i] - 1) * win->dilations[i] + 1;
    const int64_t span = in[2 + i] + win->pads[i] + win->pads[spatial + i] - extent;
    expected.push_back((ceil_mode ? (span + win->strides[i] - 1) / win->strides[i] : span / win->strides[i]) + 1);
  }
  SATURN_RETURN_IF_ERROR(check_output(c, expected));
  auto k = to_int32(win->kernel), s = to_int32(win->strides), d = to_int32(win->dilations), p = to_int32(win->pads);
  auto opt = fb::CreatePoolDirect(c.fbb, is_max ? fb::PoolKind::Max : fb::PoolKind::Average, &k, &s, &d, &p,
                                  ceil_mode != 0, count_include_pad != 0);
  return make_lowered(fb::Op::Pool, opt.Union(), {c.node.input(0)});
}

Result<LoweredNode> lower_global_pool(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  if ((*x)->dims.size() < 3) return c.invalid("input dims " + dims_to_string((*x)->dims) + " need rank >= 3");
  const bool is_max = c.node.op_type == "GlobalMaxPool";
  auto opt = fb::CreateGlobalPool(c.fbb, is_max ? fb::PoolKind::Max : fb::PoolKind::Average);
  return make_lowered(fb::Op::GlobalPool, opt.Union(), {c.node.input(0)});
}

}  // namespace saturn::converter
