// node_options_string (declared in model_printer.h): one line of key options per op.
#include <sstream>
#include <string>

#include "saturn/schema/saturn_generated.h"
#include "tools/common/model_printer.h"

namespace saturn::tools {
namespace {

template <typename T>
std::string list(const flatbuffers::Vector<T>* v) {
  std::string s = "[";
  if (v != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < v->size(); ++i) {
      std::ostringstream e;
      e << +v->Get(i);
      if (i > 0) s += ",";
      s += e.str();
    }
  }
  return s + "]";
}

// " act=Kind[(params)][*scale][+shift]" (the affine tail only when not 1 / 0), e.g.
// " act=HardSwish*0.5+0.1"; empty without an activation.
std::string activation(const fb::Activation* a) {
  const bool tail = a != nullptr && (a->scale() != 1.f || a->shift() != 0.f);
  if (a == nullptr || (a->kind() == fb::ActivationKind::None && !tail)) return "";
  std::ostringstream s;
  s << " act=" << fb::EnumNameActivationKind(a->kind());
  switch (a->kind()) {
    case fb::ActivationKind::Clip:
    case fb::ActivationKind::HardSigmoid: s << "(" << a->alpha() << "," << a->beta() << ")"; break;
    case fb::ActivationKind::LeakyRelu: s << "(" << a->alpha() << ")"; break;
    default: break;
  }
  if (a->scale() != 1.f) s << "*" << a->scale();
  if (a->shift() > 0.f) s << "+" << a->shift();
  if (a->shift() < 0.f) s << a->shift();
  return s.str();
}

}  // namespace

std::string node_options_string(const fb::Node& node) {
  std::ostringstream s;
  switch (node.op_type()) {
    case fb::Op::Conv: {
      auto* o = node.op_as_Conv();
      s << "kernel=" << list(o->kernel()) << " strides=" << list(o->strides()) << " dilations="
        << list(o->dilations()) << " pads=" << list(o->pads()) << " group=" << o->group() << activation(o->activation());
      break;
    }
    case fb::Op::ConvTranspose: {
      auto* o = node.op_as_ConvTranspose();
      s << "kernel=" << list(o->kernel()) << " strides=" << list(o->strides()) << " dilations="
        << list(o->dilations()) << " pads=" << list(o->pads()) << " output_padding=" << list(o->output_padding())
        << " group=" << o->group() << activation(o->activation());
      break;
    }
    case fb::Op::Gemm: {
      auto* o = node.op_as_Gemm();
      s << "alpha=" << o->alpha() << " beta=" << o->beta() << " trans_a=" << o->trans_a()
        << " trans_b=" << o->trans_b() << activation(o->activation());
      break;
    }
    case fb::Op::MatMul: s << activation(node.op_as_MatMul()->activation()); break;
    case fb::Op::Pool: {
      auto* o = node.op_as_Pool();
      s << fb::EnumNamePoolKind(o->kind()) << " kernel=" << list(o->kernel()) << " strides=" << list(o->strides())
        << " dilations=" << list(o->dilations()) << " pads=" << list(o->pads()) << " ceil_mode=" << o->ceil_mode()
        << " count_include_pad=" << o->count_include_pad();
      break;
    }
    case fb::Op::GlobalPool: s << fb::EnumNamePoolKind(node.op_as_GlobalPool()->kind()); break;
    case fb::Op::Unary: s << activation(node.op_as_Unary()->activation()); break;
    case fb::Op::Binary: {
      auto* o = node.op_as_Binary();
      s << fb::EnumNameBinaryKind(o->kind()) << activation(o->activation());
      break;
    }
    case fb::Op::Softmax: {
      auto* o = node.op_as_Softmax();
      s << "axis=" << o->axis() << " coerce_2d=" << o->coerce_2d();
      break;
    }
    case fb::Op::Concat: s << "axis=" << node.op_as_Concat()->axis(); break;
    case fb::Op::ReduceMean: {
      auto* o = node.op_as_ReduceMean();
      s << "axes=" << list(o->axes()) << " keepdims=" << o->keepdims();
      break;
    }
    case fb::Op::LayerNorm: {
      auto* o = node.op_as_LayerNorm();
      s << "axis=" << o->axis() << " epsilon=" << o->epsilon();
      break;
    }
    case fb::Op::Resize: {
      auto* o = node.op_as_Resize();
      s << fb::EnumNameResizeMode(o->mode()) << " " << fb::EnumNameCoordinateTransform(o->coordinate_transform());
      if (o->mode() == fb::ResizeMode::Nearest) s << " " << fb::EnumNameNearestRounding(o->nearest_rounding());
      s << " scales=" << list(o->scales()) << " sizes=" << list(o->sizes());
      break;
    }
    case fb::Op::Reshape: s << "shape=" << list(node.op_as_Reshape()->shape()); break;
    case fb::Op::Flatten: s << "axis=" << node.op_as_Flatten()->axis(); break;
    case fb::Op::Transpose: s << "perm=" << list(node.op_as_Transpose()->perm()); break;
    case fb::Op::Squeeze: s << "axes=" << list(node.op_as_Squeeze()->axes()); break;
    case fb::Op::Unsqueeze: s << "axes=" << list(node.op_as_Unsqueeze()->axes()); break;
    case fb::Op::Slice: {
      auto* o = node.op_as_Slice();
      s << "starts=" << list(o->starts()) << " ends=" << list(o->ends()) << " steps=" << list(o->steps());
      break;
    }
    case fb::Op::Pad: {
      auto* o = node.op_as_Pad();
      s << fb::EnumNamePadMode(o->mode()) << " pads=" << list(o->pads()) << " value=" << o->value();
      break;
    }
    case fb::Op::Gather: s << "axis=" << node.op_as_Gather()->axis(); break;
    default: break;
  }
  std::string r = s.str();
  if (!r.empty() && r[0] == ' ') r.erase(0, 1);
  return r;
}

}  // namespace saturn::tools
