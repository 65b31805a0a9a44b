#include "tests/conformance/onnx_tensor.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace saturn::conformance {
namespace {

bool dtype_of(int onnx_type, DType* out) {
  switch (onnx_type) {
    case onnx::TensorProto::FLOAT: *out = DType::kF32; return true;
    case onnx::TensorProto::INT8: *out = DType::kS8; return true;
    case onnx::TensorProto::UINT8: *out = DType::kU8; return true;
    case onnx::TensorProto::INT32: *out = DType::kS32; return true;
    case onnx::TensorProto::INT64: *out = DType::kS64; return true;
    default: return false;
  }
}

template <typename Dst, typename Field>
void copy_field(const Field& field, std::vector<uint8_t>& data) {
  for (int i = 0; i < field.size(); ++i) {
    Dst v = static_cast<Dst>(field.Get(i));
    std::memcpy(data.data() + static_cast<size_t>(i) * sizeof(Dst), &v, sizeof(Dst));
  }
}

double value_at(const npy::Array& a, int64_t i) {
  const uint8_t* p = a.data.data();
  switch (a.dtype) {
    case DType::kF32: { float v; std::memcpy(&v, p + i * 4, 4); return v; }
    case DType::kS8: return static_cast<int8_t>(p[i]);
    case DType::kU8: return p[i];
    case DType::kS32: { int32_t v; std::memcpy(&v, p + i * 4, 4); return v; }
    case DType::kS64: { int64_t v; std::memcpy(&v, p + i * 8, 8); return static_cast<double>(v); }
  }
  return 0;
}

std::string index_string(const std::vector<int64_t>& dims, int64_t flat) {
  std::vector<int64_t> idx(dims.size());
  for (size_t d = dims.size(); d-- > 0;) {
    idx[d] = flat % dims[d];
    flat /= dims[d];
  }
  return npy::dims_string(idx);
}

}  // namespace

Result<npy::Array> tensor_proto_to_array(const onnx::TensorProto& t, const std::string& origin) {
  npy::Array a;
  if (!dtype_of(t.data_type(), &a.dtype)) {
    return Status::error("tensor '" + t.name() + "' in " + origin + ": ONNX data type " +
                         onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(t.data_type())) +
                         " has no Saturn dtype (f32, s8, u8, s32, s64)");
  }
  int64_t count = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || (d > 0 && count > (int64_t{1} << 31) / d)) {
      return Status::error("tensor '" + t.name() + "' in " + origin + ": dims are negative or too large");
    }
    count *= d;
    a.dims.push_back(d);
  }
  size_t bytes = static_cast<size_t>(a.elements()) * dtype_size(a.dtype);
  if (t.has_raw_data()) {
    if (t.raw_data().size() != bytes) {
      return Status::error("tensor '" + t.name() + "' in " + origin + ": raw_data has " +
                           std::to_string(t.raw_data().size()) + " bytes, dims " + npy::dims_string(a.dims) +
                           " need " + std::to_string(bytes));
    }
    a.data.assign(t.raw_data().begin(), t.raw_data().end());
    return a;
  }
  a.data.resize(bytes);
  int64_t n = a.elements();
  int found = -1;
  switch (a.dtype) {
    case DType::kF32: found = t.float_data_size(); if (found == n) copy_field<float>(t.float_data(), a.data); break;
    case DType::kS64: found = t.int64_data_size(); if (found == n) copy_field<int64_t>(t.int64_data(), a.data); break;
    case DType::kS32: found = t.int32_data_size(); if (found == n) copy_field<int32_t>(t.int32_data(), a.data); break;
    case DType::kS8: found = t.int32_data_size(); if (found == n) copy_field<int8_t>(t.int32_data(), a.data); break;
    case DType::kU8: found = t.int32_data_size(); if (found == n) copy_field<uint8_t>(t.int32_data(), a.data); break;
  }
  if (found != n) {
    return Status::error("tensor '" + t.name() + "' in " + origin + ": " + std::to_string(found) +
                         " values, dims " + npy::dims_string(a.dims) + " need " + std::to_string(n));
  }
  return a;
}

Result<npy::Array> read_tensor_proto(const std::string& path, std::string* name) {
  std::ifstream in(path, std::ios::binary);
  onnx::TensorProto t;
  if (!in || !t.ParseFromIstream(&in)) return Status::error("cannot parse an onnx.TensorProto from '" + path + "'");
  if (name != nullptr) *name = t.name();
  return tensor_proto_to_array(t, path);
}

Status compare_outputs(const std::string& what, const npy::Array& out, const npy::Array& ref, double rtol, double atol) {
  if (out.dtype != ref.dtype) {
    return Status::error(what + ": dtype " + dtype_name(out.dtype) + ", expected " + dtype_name(ref.dtype));
  }
  if (out.dims != ref.dims) {
    return Status::error(what + ": dims " + npy::dims_string(out.dims) + ", expected " + npy::dims_string(ref.dims));
  }
  int64_t worst = -1, bad = 0;
  double worst_excess = 0;
  for (int64_t i = 0; i < ref.elements(); ++i) {
    double o = value_at(out, i), r = value_at(ref, i);
    if (std::isnan(o) && std::isnan(r)) continue;
    if (std::isinf(r) && o == r) continue;
    double diff = std::fabs(o - r), allowed = atol + rtol * std::fabs(r);
    if (diff <= allowed) continue;  // false for NaN, so a NaN against a number fails
    ++bad;
    double excess = std::isnan(diff) ? INFINITY : diff - allowed;
    if (worst < 0 || excess > worst_excess) worst = i, worst_excess = excess;
  }
  if (worst < 0) return Status::ok();
  double o = value_at(out, worst), r = value_at(ref, worst);
  std::ostringstream s;
  s.precision(9);
  s << what << ": " << bad << " of " << ref.elements() << " elements differ; worst at " << index_string(ref.dims, worst)
    << ": got " << o << ", expected " << r << ", |diff| " << std::fabs(o - r) << " > allowed " << atol + rtol * std::fabs(r);
  return Status::error(s.str());
}

}  // namespace saturn::conformance
