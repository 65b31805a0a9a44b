#include "converter/ir/graph.h"

#include <cmath>
#include <cstring>
#include <set>

namespace saturn::converter::ir {

size_t elem_size(ElemType t) {
  switch (t) {
    case ElemType::kFloat: case ElemType::kInt32: case ElemType::kUint32: return 4;
    case ElemType::kUint8: case ElemType::kInt8: case ElemType::kBool: return 1;
    case ElemType::kUint16: case ElemType::kInt16: case ElemType::kFloat16: return 2;
    case ElemType::kInt64: case ElemType::kDouble: case ElemType::kUint64: return 8;
    default: return 0;
  }
}

const char* elem_name(ElemType t) {
  switch (t) {
    case ElemType::kFloat: return "float";
    case ElemType::kUint8: return "uint8";
    case ElemType::kInt8: return "int8";
    case ElemType::kUint16: return "uint16";
    case ElemType::kInt16: return "int16";
    case ElemType::kInt32: return "int32";
    case ElemType::kInt64: return "int64";
    case ElemType::kString: return "string";
    case ElemType::kBool: return "bool";
    case ElemType::kFloat16: return "float16";
    case ElemType::kDouble: return "double";
    case ElemType::kUint32: return "uint32";
    case ElemType::kUint64: return "uint64";
    default: return "undefined";
  }
}

const char* attribute_kind_name(Attribute::Kind k) {
  switch (k) {
    case Attribute::Kind::kInt: return "int";
    case Attribute::Kind::kFloat: return "float";
    case Attribute::Kind::kString: return "string";
    case Attribute::Kind::kInts: return "ints";
    case Attribute::Kind::kFloats: return "floats";
    case Attribute::Kind::kStrings: return "strings";
    case Attribute::Kind::kTensor: return "tensor";
    default: return "other";
  }
}

Attribute int_attribute(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}

Attribute float_attribute(float v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloat;
  a.f = v;
  return a;
}

Node make_node(std::string op_type, std::string name, int64_t opset, std::vector<std::string> inputs,
               std::vector<std::string> outputs) {
  Node n;
  n.op_type = std::move(op_type);
  n.name = std::move(name);
  n.opset = opset;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  return n;
}

bool Tensor::is_static() const {
  if (!has_shape) return false;
  for (int64_t d : dims)
    if (d < 0) return false;
  return true;
}

int64_t Tensor::numel() const {
  if (!is_static()) return -1;
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

namespace {

float half_to_float(uint16_t h) {
  const int sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31) v = mant ? NAN : INFINITY;
  else v = std::ldexp(static_cast<float>(mant | 0x400), exp - 25);
  return sign ? -v : v;
}

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

double element_as_double(ElemType t, const uint8_t* p) {
  switch (t) {
    case ElemType::kFloat: return load<float>(p);
    case ElemType::kDouble: return load<double>(p);
    case ElemType::kFloat16: return half_to_float(load<uint16_t>(p));
    case ElemType::kInt64: return static_cast<double>(load<int64_t>(p));
    case ElemType::kInt32: return load<int32_t>(p);
    case ElemType::kInt16: return load<int16_t>(p);
    case ElemType::kInt8: return load<int8_t>(p);
    case ElemType::kUint8: case ElemType::kBool: return load<uint8_t>(p);
    case ElemType::kUint16: return load<uint16_t>(p);
    case ElemType::kUint32: return load<uint32_t>(p);
    case ElemType::kUint64: return static_cast<double>(load<uint64_t>(p));
    default: return 0;
  }
}

int64_t element_as_int64(ElemType t, const uint8_t* p) {
  switch (t) {
    case ElemType::kInt64: return load<int64_t>(p);
    case ElemType::kUint64: return static_cast<int64_t>(load<uint64_t>(p));
    case ElemType::kFloat: case ElemType::kDouble: case ElemType::kFloat16: {
      double d = element_as_double(t, p);
      if (!(d > -9.2e18 && d < 9.2e18)) return 0;
      return static_cast<int64_t>(d);  // truncation toward zero, as ONNX Cast
    }
    default: return static_cast<int64_t>(element_as_double(t, p));
  }
}

}  // namespace

std::vector<double> Tensor::as_doubles() const {
  std::vector<double> out;
  const size_t es = elem_size(dtype);
  if (!data || es == 0) return out;
  out.reserve(data->size() / es);
  for (size_t off = 0; off + es <= data->size(); off += es) out.push_back(element_as_double(dtype, data->data() + off));
  return out;
}

std::vector<int64_t> Tensor::as_int64s() const {
  std::vector<int64_t> out;
  const size_t es = elem_size(dtype);
  if (!data || es == 0) return out;
  out.reserve(data->size() / es);
  for (size_t off = 0; off + es <= data->size(); off += es) out.push_back(element_as_int64(dtype, data->data() + off));
  return out;
}

std::vector<float> as_floats(const Tensor& t) {
  if (t.dtype == ElemType::kFloat && t.data) {
    std::vector<float> out(t.data->size() / 4);
    if (!out.empty()) std::memcpy(out.data(), t.data->data(), out.size() * 4);
    return out;
  }
  std::vector<double> d = t.as_doubles();
  return std::vector<float>(d.begin(), d.end());
}

namespace {
template <typename T>
void store_all(std::vector<uint8_t>& bytes, const std::vector<double>& values) {
  bytes.resize(values.size() * sizeof(T));
  for (size_t i = 0; i < values.size(); ++i) {
    T v = static_cast<T>(values[i]);
    std::memcpy(bytes.data() + i * sizeof(T), &v, sizeof(T));
  }
}
}  // namespace

Tensor make_constant(const std::string& name, ElemType dtype, std::vector<int64_t> dims,
                     const std::vector<double>& values) {
  Tensor t;
  t.name = name;
  t.dtype = dtype;
  t.has_shape = true;
  t.dims = std::move(dims);
  std::vector<uint8_t> bytes;
  switch (dtype) {
    case ElemType::kFloat: store_all<float>(bytes, values); break;
    case ElemType::kDouble: store_all<double>(bytes, values); break;
    case ElemType::kInt64: store_all<int64_t>(bytes, values); break;
    case ElemType::kInt32: store_all<int32_t>(bytes, values); break;
    case ElemType::kInt16: store_all<int16_t>(bytes, values); break;
    case ElemType::kInt8: store_all<int8_t>(bytes, values); break;
    case ElemType::kUint8: store_all<uint8_t>(bytes, values); break;
    case ElemType::kUint16: store_all<uint16_t>(bytes, values); break;
    case ElemType::kUint32: store_all<uint32_t>(bytes, values); break;
    case ElemType::kUint64: store_all<uint64_t>(bytes, values); break;
    case ElemType::kBool: {
      bytes.resize(values.size());
      for (size_t i = 0; i < values.size(); ++i) bytes[i] = values[i] != 0 ? 1 : 0;
      break;
    }
    default: break;
  }
  t.data = std::move(bytes);
  return t;
}

Tensor make_constant_i64(const std::string& name, std::vector<int64_t> dims, const std::vector<int64_t>& values) {
  Tensor t;
  t.name = name;
  t.dtype = ElemType::kInt64;
  t.has_shape = true;
  t.dims = std::move(dims);
  std::vector<uint8_t> bytes(values.size() * 8);
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  t.data = std::move(bytes);
  return t;
}

Tensor make_constant_f32(const std::string& name, std::vector<int64_t> dims, const std::vector<float>& values) {
  Tensor t;
  t.name = name;
  t.dtype = ElemType::kFloat;
  t.has_shape = true;
  t.dims = std::move(dims);
  std::vector<uint8_t> bytes(values.size() * 4);
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  t.data = std::move(bytes);
  return t;
}

const Attribute* Node::attr(const std::string& key) const {
  auto it = attrs.find(key);
  return it == attrs.end() ? nullptr : &it->second;
}

int64_t Node::attr_int(const std::string& key, int64_t def) const {
  const Attribute* a = attr(key);
  return a ? a->i : def;
}

float Node::attr_float(const std::string& key, float def) const {
  const Attribute* a = attr(key);
  return a ? a->f : def;
}

std::string Node::attr_string(const std::string& key, const std::string& def) const {
  const Attribute* a = attr(key);
  return a ? a->s : def;
}

std::vector<int64_t> Node::attr_ints(const std::string& key, const std::vector<int64_t>& def) const {
  const Attribute* a = attr(key);
  return a ? a->ints : def;
}

Tensor* Graph::find(const std::string& name) {
  auto it = tensors.find(name);
  return it == tensors.end() ? nullptr : &it->second;
}

const Tensor* Graph::find(const std::string& name) const {
  auto it = tensors.find(name);
  return it == tensors.end() ? nullptr : &it->second;
}

const Tensor* Graph::constant(const std::string& name) const {
  const Tensor* t = find(name);
  return t && t->is_constant() ? t : nullptr;
}

bool Graph::is_graph_output(const std::string& name) const {
  for (const auto& o : outputs)
    if (o == name) return true;
  return false;
}

std::string Graph::unique_name(const std::string& base) const {
  if (!tensors.count(base)) return base;
  for (int i = 1;; ++i) {
    std::string candidate = base + "_" + std::to_string(i);
    if (!tensors.count(candidate)) return candidate;
  }
}

std::map<std::string, std::vector<size_t>> Graph::consumers() const {
  std::map<std::string, std::vector<size_t>> out;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const auto& in : nodes[i].inputs)
      if (!in.empty()) out[in].push_back(i);
  return out;
}

std::map<std::string, size_t> Graph::producers() const {
  std::map<std::string, size_t> out;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const auto& o : nodes[i].outputs)
      if (!o.empty()) out[o] = i;
  return out;
}

bool Graph::sort_topologically() {
  std::map<std::string, size_t> prod = producers();
  std::vector<int> state(nodes.size(), 0);  // 0 new, 1 visiting, 2 done
  std::vector<size_t> order;
  order.reserve(nodes.size());
  // Iterative DFS keeps deep graphs off the call stack.
  for (size_t root = 0; root < nodes.size(); ++root) {
    if (state[root]) continue;
    std::vector<std::pair<size_t, size_t>> stack{{root, 0}};
    state[root] = 1;
    while (!stack.empty()) {
      auto& [n, next] = stack.back();
      if (next < nodes[n].inputs.size()) {
        const std::string& in = nodes[n].inputs[next++];
        auto it = in.empty() ? prod.end() : prod.find(in);
        if (it == prod.end()) continue;
        if (state[it->second] == 1) return false;
        if (state[it->second] == 0) {
          state[it->second] = 1;
          stack.push_back({it->second, 0});
        }
      } else {
        state[n] = 2;
        order.push_back(n);
        stack.pop_back();
      }
    }
  }
  std::vector<Node> sorted;
  sorted.reserve(nodes.size());
  for (size_t i : order) sorted.push_back(std::move(nodes[i]));
  nodes = std::move(sorted);
  return true;
}

void Graph::erase_nodes(const std::vector<bool>& marked) {
  std::vector<Node> kept;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (!marked[i]) kept.push_back(std::move(nodes[i]));
  nodes = std::move(kept);
}

void Graph::drop_unused_tensors() {
  std::set<std::string> used(inputs.begin(), inputs.end());
  used.insert(outputs.begin(), outputs.end());
  for (const auto& n : nodes) {
    used.insert(n.inputs.begin(), n.inputs.end());
    used.insert(n.outputs.begin(), n.outputs.end());
  }
  for (auto it = tensors.begin(); it != tensors.end();) {
    if (used.count(it->first)) ++it;
    else it = tensors.erase(it);
  }
}

}  // namespace saturn::converter::ir
