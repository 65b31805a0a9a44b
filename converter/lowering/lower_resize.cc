// Lowering of Resize (opset 10: scales input; opset 11+: roi, scales, sizes inputs, all constant)
// and Upsample (opset 9). Output sizes and per-dim scales are both resolved: from scales,
// sizes = floor(in * scale); from sizes, scale = size / in.
// Upsample and Resize-10 are the asymmetric transform; their nearest mode rounds down (floor).
#include <cmath>

#include "converter/lowering/lowering.h"
#include "converter/shape_rules.h"

namespace saturn::converter {

namespace {

struct ResizeSpec {
  fb::ResizeMode mode = fb::ResizeMode::Nearest;
  fb::CoordinateTransform transform = fb::CoordinateTransform::Asymmetric;
  fb::NearestRounding rounding = fb::NearestRounding::Floor;
  std::vector<float> scales;
  std::vector<int64_t> sizes;
};

Status resolve_sizes(const LowerContext& c, const std::vector<int64_t>& in, const ir::Tensor* scales,
                     const ir::Tensor* sizes, ResizeSpec* spec) {
  const size_t rank = in.size();
  const bool have_scales = scales && scales->numel() > 0, have_sizes = sizes && sizes->numel() > 0;
  if (have_scales == have_sizes) return c.invalid("exactly one of scales and sizes must be given");
  if (have_scales) {
    std::vector<double> s = scales->as_doubles();
    if (s.size() != rank) return c.invalid("scales has " + std::to_string(s.size()) + " values for rank " + std::to_string(rank));
    for (size_t d = 0; d < rank; ++d) {
      if (!(s[d] > 0)) return c.invalid("scales must be positive");
      spec->scales.push_back(static_cast<float>(s[d]));
      spec->sizes.push_back(static_cast<int64_t>(std::floor(in[d] * static_cast<double>(static_cast<float>(s[d])))));
    }
  } else {
    std::vector<int64_t> z = sizes->as_int64s();
    if (z.size() != rank) return c.invalid("sizes has " + std::to_string(z.size()) + " values for rank " + std::to_string(rank));
    for (size_t d = 0; d < rank; ++d) {
      if (z[d] <= 0) return c.invalid("sizes must be positive");
      spec->sizes.push_back(z[d]);
      spec->scales.push_back(static_cast<float>(static_cast<double>(z[d]) / static_cast<double>(in[d])));
    }
  }
  Result<const ir::Tensor*> out = c.output(0);
  if (!out) return out.status();
  if ((*out)->dims != spec->sizes)
    return c.invalid("output '" + (*out)->name + "' has dims " + dims_to_string((*out)->dims) + ", the scales give " +
                     dims_to_string(spec->sizes));
  return Status::ok();
}

Result<fb::ResizeMode> read_mode(const LowerContext& c, bool allow_bilinear) {
  const std::string mode = c.node.attr_string("mode", "nearest");
  if (mode == "nearest") return fb::ResizeMode::Nearest;
  if (mode == "linear" || (allow_bilinear && mode == "bilinear")) return fb::ResizeMode::Linear;
  return c.unsupported("attribute mode='" + mode + "'");
}

LoweredNode finish(LowerContext& c, const ResizeSpec& s) {
  auto opt = fb::CreateResizeDirect(c.fbb, s.mode, s.transform, s.rounding, &s.scales, &s.sizes);
  return make_lowered(fb::Op::Resize, opt.Union(), {c.node.input(0)});
}

}  // namespace

Result<LoweredNode> lower_upsample(LowerContext& c) {
  SATURN_RETURN_IF_ERROR(c.check_attrs({"mode"}));
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  Result<const ir::Tensor*> scales = c.constant_input(1, "scales");
  if (!scales) return scales.status();
  if (!*scales) return c.invalid("the scales input is missing");
  ResizeSpec s;
  Result<fb::ResizeMode> mode = read_mode(c, true);
  if (!mode) return mode.status();
  s.mode = *mode;
  SATURN_RETURN_IF_ERROR(resolve_sizes(c, (*x)->dims, *scales, nullptr, &s));
  return finish(c, s);
}

Result<LoweredNode> lower_resize(LowerContext& c) {
  Result<const ir::Tensor*> x = c.input(0);
  if (!x) return x.status();
  ResizeSpec s;
  if (c.node.opset < 11) {
    SATURN_RETURN_IF_ERROR(c.check_attrs({"mode"}));
    Result<fb::ResizeMode> mode = read_mode(c, false);
    if (!mode) return mode.status();
    s.mode = *mode;
    Result<const ir::Tensor*> scales = c.constant_input(1, "scales");
    if (!scales) return scales.status();
    SATURN_RETURN_IF_ERROR(resolve_sizes(c, (*x)->dims, *scales, nullptr, &s));
    return finish(c, s);
  }
  SATURN_RETURN_IF_ERROR(c.check_attrs({"antialias", "axes", "coordinate_transformation_mode", "cubic_coeff_a",
                                        "exclude_outside", "extrapolation_value", "keep_aspect_ratio_policy", "mode",
                                        "nearest_mode"}));
  if (c.node.attr_int("antialias", 0) != 0) return c.unsupported("attribute antialias=1");
  if (c.node.attr_int("exclude_outside", 0) != 0)
    return c.unsupported("attribute exclude_outside=" + std::to_string(c.node.attr_int("exclude_outside", 0)));
  if (c.node.attr("axes")) return c.unsupported("attribute axes");
  if (c.node.attr("keep_aspect_ratio_policy") && c.node.attr_string("keep_aspect_ratio_policy", "stretch") != "stretch")
    return c.unsupported("attribute keep_aspect_ratio_policy='" + c.node.attr_string("keep_aspect_ratio_policy", "") + "'");
  const std::string mode = c.node.attr_string("mode", "nearest");
  if (mode == "nearest") s.mode = fb::ResizeMode::Nearest;
  else if (mode == "linear") s.mode = fb::ResizeMode::Linear;
  else return c.unsupported("attribute mode='" + mode + "'");
  const std::string ct = c.node.attr_string("coordinate_transformation_mode", "half_pixel");
  if (ct == "half_pixel") s.transform = fb::CoordinateTransform::HalfPixel;
  else if (ct == "asymmetric") s.transform = fb::CoordinateTransform::Asymmetric;
  else if (ct == "align_corners") s.transform = fb::CoordinateTransform::AlignCorners;
  else if (ct == "pytorch_half_pixel") s.transform = fb::CoordinateTransform::PytorchHalfPixel;
  else if (ct == "tf_half_pixel_for_nearest") s.transform = fb::CoordinateTransform::TfHalfPixelForNearest;
  else return c.unsupported("attribute coordinate_transformation_mode='" + ct + "'");
  const std::string nm = c.node.attr_string("nearest_mode", "round_prefer_floor");
  if (nm == "round_prefer_floor") s.rounding = fb::NearestRounding::RoundPreferFloor;
  else if (nm == "round_prefer_ceil") s.rounding = fb::NearestRounding::RoundPreferCeil;
  else if (nm == "floor") s.rounding = fb::NearestRounding::Floor;
  else if (nm == "ceil") s.rounding = fb::NearestRounding::Ceil;
  else return c.unsupported("attribute nearest_mode='" + nm + "'");
  // roi only matters for tf_crop_and_resize (rejected above), but it must still be a constant.
  Result<const ir::Tensor*> roi = c.constant_input(1, "roi");
  if (!roi) return roi.status();
  Result<const ir::Tensor*> scales = c.constant_input(2, "scales");
  if (!scales) return scales.status();
  Result<const ir::Tensor*> sizes = c.constant_input(3, "sizes");
  if (!sizes) return sizes.status();
  SATURN_RETURN_IF_ERROR(resolve_sizes(c, (*x)->dims, *scales, *sizes, &s));
  return finish(c, s);
}

}  // namespace saturn::converter
