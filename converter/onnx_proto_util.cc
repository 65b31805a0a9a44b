#include "converter/onnx_proto_util.h"

#include <cstring>

namespace saturn::converter {

namespace {
template <typename Src, typename Dst>
void append_as(std::vector<uint8_t>& bytes, Src v) {
  Dst d = static_cast<Dst>(v);
  const size_t off = bytes.size();
  bytes.resize(off + sizeof(Dst));
  std::memcpy(bytes.data() + off, &d, sizeof(Dst));
}
}  // namespace

Result<ir::Tensor> tensor_from_proto(const onnx::TensorProto& proto, const std::string& what) {
  ir::Tensor t;
  t.name = proto.name();
  t.dtype = static_cast<ir::ElemType>(proto.data_type());
  t.has_shape = true;
  int64_t n = 1;
  for (int64_t d : proto.dims()) {
    if (d < 0) return Status::error(what + " '" + proto.name() + "' has a negative dim " + std::to_string(d));
    t.dims.push_back(d);
    n *= d;
  }
  if (proto.data_location() == onnx::TensorProto::EXTERNAL || proto.external_data_size() > 0)
    return Status::error("unsupported: " + what + " '" + proto.name() +
                         "' stores its data externally; external data is not supported");
  const size_t es = ir::elem_size(t.dtype);
  if (es == 0)
    return Status::error("unsupported: " + what + " '" + proto.name() + "' has element type " +
                         ir::elem_name(t.dtype) + " (" + std::to_string(proto.data_type()) + ")");
  std::vector<uint8_t> bytes;
  if (proto.has_raw_data()) {
    bytes.assign(proto.raw_data().begin(), proto.raw_data().end());
  } else {
    switch (t.dtype) {
      case ir::ElemType::kFloat:
        for (float v : proto.float_data()) append_as<float, float>(bytes, v);
        break;
      case ir::ElemType::kDouble:
        for (double v : proto.double_data()) append_as<double, double>(bytes, v);
        break;
      case ir::ElemType::kInt64:
        for (int64_t v : proto.int64_data()) append_as<int64_t, int64_t>(bytes, v);
        break;
      case ir::ElemType::kUint32:
        for (uint64_t v : proto.uint64_data()) append_as<uint64_t, uint32_t>(bytes, v);
        break;
      case ir::ElemType::kUint64:
        for (uint64_t v : proto.uint64_data()) append_as<uint64_t, uint64_t>(bytes, v);
        break;
      case ir::ElemType::kInt32:
        for (int32_t v : proto.int32_data()) append_as<int32_t, int32_t>(bytes, v);
        break;
      case ir::ElemType::kInt16:
        for (int32_t v : proto.int32_data()) append_as<int32_t, int16_t>(bytes, v);
        break;
      case ir::ElemType::kUint16: case ir::ElemType::kFloat16:
        for (int32_t v : proto.int32_data()) append_as<int32_t, uint16_t>(bytes, v);
        break;
      case ir::ElemType::kInt8:
        for (int32_t v : proto.int32_data()) append_as<int32_t, int8_t>(bytes, v);
        break;
      case ir::ElemType::kUint8: case ir::ElemType::kBool:
        for (int32_t v : proto.int32_data()) append_as<int32_t, uint8_t>(bytes, v);
        break;
      default: break;
    }
  }
  if (bytes.size() != static_cast<size_t>(n) * es)
    return Status::error(what + " '" + proto.name() + "' holds " + std::to_string(bytes.size()) +
                         " bytes, expected " + std::to_string(n * es) + " for its dims and type " +
                         ir::elem_name(t.dtype));
  t.data = std::move(bytes);
  return t;
}

void tensor_to_proto(const ir::Tensor& t, onnx::TensorProto* proto) {
  proto->set_name(t.name);
  proto->set_data_type(static_cast<int32_t>(t.dtype));
  for (int64_t d : t.dims) proto->add_dims(d);
  if (t.data) proto->set_raw_data(t.data->data(), t.data->size());
}

Result<ir::Attribute> attribute_from_proto(const onnx::AttributeProto& p, const std::string& node_name) {
  ir::Attribute a;
  switch (p.type()) {
    case onnx::AttributeProto::INT: a.kind = ir::Attribute::Kind::kInt; a.i = p.i(); break;
    case onnx::AttributeProto::FLOAT: a.kind = ir::Attribute::Kind::kFloat; a.f = p.f(); break;
    case onnx::AttributeProto::STRING: a.kind = ir::Attribute::Kind::kString; a.s = p.s(); break;
    case onnx::AttributeProto::INTS:
      a.kind = ir::Attribute::Kind::kInts;
      a.ints.assign(p.ints().begin(), p.ints().end());
      break;
    case onnx::AttributeProto::FLOATS:
      a.kind = ir::Attribute::Kind::kFloats;
      a.floats.assign(p.floats().begin(), p.floats().end());
      break;
    case onnx::AttributeProto::STRINGS:
      a.kind = ir::Attribute::Kind::kStrings;
      a.strings.assign(p.strings().begin(), p.strings().end());
      break;
    case onnx::AttributeProto::TENSOR: {
      Result<ir::Tensor> t = tensor_from_proto(p.t(), "attribute '" + p.name() + "' of node '" + node_name + "'");
      if (!t) return t.status();
      a.kind = ir::Attribute::Kind::kTensor;
      a.t = std::make_shared<ir::Tensor>(std::move(t.value()));
      break;
    }
    default: a.kind = ir::Attribute::Kind::kOther; break;
  }
  return a;
}

bool attribute_to_proto(const std::string& name, const ir::Attribute& a, onnx::AttributeProto* p) {
  p->set_name(name);
  switch (a.kind) {
    case ir::Attribute::Kind::kInt: p->set_type(onnx::AttributeProto::INT); p->set_i(a.i); return true;
    case ir::Attribute::Kind::kFloat: p->set_type(onnx::AttributeProto::FLOAT); p->set_f(a.f); return true;
    case ir::Attribute::Kind::kString: p->set_type(onnx::AttributeProto::STRING); p->set_s(a.s); return true;
    case ir::Attribute::Kind::kInts:
      p->set_type(onnx::AttributeProto::INTS);
      for (int64_t v : a.ints) p->add_ints(v);
      return true;
    case ir::Attribute::Kind::kFloats:
      p->set_type(onnx::AttributeProto::FLOATS);
      for (float v : a.floats) p->add_floats(v);
      return true;
    case ir::Attribute::Kind::kStrings:
      p->set_type(onnx::AttributeProto::STRINGS);
      for (const auto& v : a.strings) p->add_strings(v);
      return true;
    case ir::Attribute::Kind::kTensor:
      p->set_type(onnx::AttributeProto::TENSOR);
      tensor_to_proto(*a.t, p->mutable_t());
      return true;
    default: return false;
  }
}

void read_value_info(const onnx::ValueInfoProto& vi, ir::Tensor* t) {
  if (!vi.type().has_tensor_type()) return;
  const auto& tt = vi.type().tensor_type();
  if (tt.elem_type() != 0) t->dtype = static_cast<ir::ElemType>(tt.elem_type());
  if (!tt.has_shape()) return;
  std::vector<int64_t> dims;
  for (const auto& d : tt.shape().dim()) dims.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : -1);
  t->has_shape = true;
  t->dims = std::move(dims);
}

void write_value_info(const ir::Tensor& t, onnx::ValueInfoProto* vi) {
  vi->set_name(t.name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(static_cast<int32_t>(t.dtype));
  if (!t.has_shape) return;
  auto* shape = tt->mutable_shape();
  for (int64_t d : t.dims) {
    auto* dim = shape->add_dim();
    if (d >= 0) dim->set_dim_value(d);
  }
}

}  // namespace saturn::converter
