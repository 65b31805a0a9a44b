#include "tools/common/npy.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>

namespace saturn::npy {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

struct DTypeDescr {
  DType dtype;
  const char* descr;
};
constexpr DTypeDescr kDescrs[] = {
    {DType::kF32, "<f4"}, {DType::kS64, "<i8"}, {DType::kS32, "<i4"},
    {DType::kS8, "|i1"},  {DType::kU8, "|u1"},
};

std::optional<DType> dtype_of(const std::string& d) {
  for (const auto& e : kDescrs) {
    if (d == e.descr) return e.dtype;
  }
  // numpy spells single-byte types with '|', but '<' and '=' mean the same for them.
  if (d == "<i1" || d == "=i1") return DType::kS8;
  if (d == "<u1" || d == "=u1") return DType::kU8;
  return std::nullopt;
}

// A parser for the header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }
class HeaderParser {
 public:
  explicit HeaderParser(std::string text) : s_(std::move(text)) {}

  // Fills descr, fortran_order and shape; returns an error description or "".
  std::string parse(std::string& descr, bool& fortran, std::vector<int64_t>& shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    if (!eat('{')) return "header is not a dict";
    while (true) {
      skip_ws();
      if (eat('}')) break;
      std::string key;
      if (!quoted(key)) return "expected a quoted key in the header dict";
      if (!eat(':')) return "expected ':' after key '" + key + "'";
      if (key == "descr") {
        if (!quoted(descr)) return "'descr' is not a string";
        have_descr = true;
      } else if (key == "fortran_order") {
        skip_ws();
        if (s_.compare(pos_, 4, "True") == 0) {
          fortran = true, pos_ += 4;
        } else if (s_.compare(pos_, 5, "False") == 0) {
          fortran = false, pos_ += 5;
        } else {
          return "'fortran_order' is not True or False";
        }
        have_fortran = true;
      } else if (key == "shape") {
        std::string err = tuple(shape);
        if (!err.empty()) return err;
        have_shape = true;
      } else {
        return "unexpected key '" + key + "' in the header";
      }
      skip_ws();
      if (eat(',')) continue;
      if (eat('}')) break;
      return "expected ',' or '}' in the header dict";
    }
    if (!have_descr || !have_fortran || !have_shape) {
      return "header lacks one of 'descr', 'fortran_order', 'shape'";
    }
    return "";
  }

 private:
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n')) ++pos_;
  }
  bool eat(char c) {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool quoted(std::string& out) {
    skip_ws();
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) return false;
    char q = s_[pos_++];
    size_t end = s_.find(q, pos_);
    if (end == std::string::npos) return false;
    out = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return true;
  }
  std::string tuple(std::vector<int64_t>& out) {
    out.clear();
    if (!eat('(')) return "'shape' is not a tuple";
    while (true) {
      skip_ws();
      if (eat(')')) return "";
      size_t start = pos_;
      int64_t v = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) return "'shape' dim overflows";
        v = v * 10 + (s_[pos_++] - '0');
      }
      if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;  // Python 2 longs
      if (pos_ == start) return "'shape' holds something other than non-negative integers";
      out.push_back(v);
      if (eat(',')) continue;
      if (eat(')')) return "";
      return "expected ',' or ')' in 'shape'";
    }
  }

  std::string s_;
  size_t pos_ = 0;
};

uint32_t read_le(const uint8_t* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

template <typename T>
void cast_to_floats(const uint8_t* src, int64_t n, float* dst) {
  for (int64_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, src + i * sizeof(T), sizeof(T));
    dst[i] = static_cast<float>(v);
  }
}

}  // namespace

int64_t Array::elements() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

Array Array::from_floats(std::vector<int64_t> dims, std::span<const float> values) {
  Array a;
  a.dtype = DType::kF32;
  a.dims = std::move(dims);
  a.data.resize(values.size() * sizeof(float));
  if (!values.empty()) std::memcpy(a.data.data(), values.data(), a.data.size());
  return a;
}

const char* descr(DType dtype) {
  for (const auto& e : kDescrs) {
    if (e.dtype == dtype) return e.descr;
  }
  return "?";
}

std::string dims_string(std::span<const int64_t> dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

Result<Array> parse(std::span<const uint8_t> bytes, const std::string& origin) {
  auto fail = [&](const std::string& what) { return Status::error("npy file '" + origin + "': " + what); };
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, kMagicSize) != 0) {
    return fail("not a .npy file (missing the \\x93NUMPY magic)");
  }
  int major = bytes[6], minor = bytes[7];
  size_t prefix;
  if (major == 1) {
    prefix = 10;
  } else if (major == 2) {
    prefix = 12;
    if (bytes.size() < prefix) return fail("truncated header");
  } else {
    return fail("format version " + std::to_string(major) + "." + std::to_string(minor) +
                " is not supported (expected 1.0 or 2.0)");
  }
  size_t header_len = read_le(bytes.data() + 8, major == 1 ? 2 : 4);
  if (bytes.size() < prefix + header_len) return fail("truncated header");
  std::string header(reinterpret_cast<const char*>(bytes.data() + prefix), header_len);

  std::string d;
  bool fortran = false;
  Array a;
  std::string err = HeaderParser(header).parse(d, fortran, a.dims);
  if (!err.empty()) return fail(err);
  if (fortran) return fail("fortran_order is True; only C-order arrays are supported");
  std::optional<DType> dtype = dtype_of(d);
  if (!dtype) {
    return fail("dtype '" + d + "' is not supported (expected one of '<f4', '<i8', '<i4', '|i1', '|u1')");
  }
  a.dtype = *dtype;

  size_t elements = 1;
  for (int64_t dim : a.dims) {
    if (dim != 0 && elements > std::numeric_limits<size_t>::max() / 16 / static_cast<size_t>(dim)) {
      return fail("shape " + dims_string(a.dims) + " is too large");
    }
    elements *= static_cast<size_t>(dim);
  }
  size_t expected = elements * dtype_size(a.dtype);
  size_t found = bytes.size() - prefix - header_len;
  if (found != expected) {
    return fail("shape " + dims_string(a.dims) + " of '" + d + "' needs " + std::to_string(expected) +
                " data bytes, found " + std::to_string(found));
  }
  a.data.assign(bytes.begin() + prefix + header_len, bytes.end());
  return a;
}

Result<Array> read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("npy file '" + path + "': cannot open for reading");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::error("npy file '" + path + "': read error");
  return parse(bytes, path);
}

std::vector<uint8_t> serialize(const Array& array) {
  std::string header = std::string("{'descr': '") + descr(array.dtype) + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < array.dims.size(); ++i) header += std::to_string(array.dims[i]) + ", ";
  if (array.dims.size() > 1) header.resize(header.size() - 2);  // (3,) keeps its comma
  if (array.dims.size() == 1) header.resize(header.size() - 1);
  header += "), }";
  // Pad with spaces so that magic + version + length + header + '\n' is a multiple of 64.
  bool v2 = header.size() + 1 + 10 > 65535;
  size_t prefix = v2 ? 12 : 10;
  size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  std::vector<uint8_t> out(kMagic, kMagic + kMagicSize);
  out.push_back(v2 ? 2 : 1);
  out.push_back(0);
  uint32_t len = static_cast<uint32_t>(header.size());
  for (int i = 0; i < (v2 ? 4 : 2); ++i) out.push_back(static_cast<uint8_t>(len >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), array.data.begin(), array.data.end());
  return out;
}

Status write(const std::string& path, const Array& array) {
  size_t expected = static_cast<size_t>(array.elements()) * dtype_size(array.dtype);
  if (array.data.size() != expected) {
    return Status::error("npy file '" + path + "': array of shape " + dims_string(array.dims) + " needs " +
                         std::to_string(expected) + " bytes, has " + std::to_string(array.data.size()));
  }
  std::vector<uint8_t> bytes = serialize(array);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::error("npy file '" + path + "': cannot open for writing");
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status::error("npy file '" + path + "': write error");
  return Status::ok();
}

std::vector<float> to_floats(const Array& array) {
  int64_t n = array.elements();
  std::vector<float> out(static_cast<size_t>(n));
  const uint8_t* src = array.data.data();
  switch (array.dtype) {
    case DType::kF32: cast_to_floats<float>(src, n, out.data()); break;
    case DType::kS8: cast_to_floats<int8_t>(src, n, out.data()); break;
    case DType::kU8: cast_to_floats<uint8_t>(src, n, out.data()); break;
    case DType::kS32: cast_to_floats<int32_t>(src, n, out.data()); break;
    case DType::kS64: cast_to_floats<int64_t>(src, n, out.data()); break;
  }
  return out;
}

Array to_f32(const Array& array) {
  if (array.dtype == DType::kF32) return array;
  std::vector<float> values = to_floats(array);
  return Array::from_floats(array.dims, values);
}

}  // namespace saturn::npy
