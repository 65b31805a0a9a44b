// NumPy .npy files: read and write dense arrays for the CLI tools and the tests.
//
// Supported: format versions 1.0 and 2.0, C order, and the dtypes Saturn knows, all little-endian:
//   '<f4' (F32), '<i8' (S64), '<i4' (S32), '|i1' (S8), '|u1' (U8).
// Anything else (Fortran order, big-endian, other dtypes, version 3.0, a data size that does not match
// the shape) is rejected with an error naming the file, what was found and what is supported.
// write() produces version 1.0 (2.0 when the header does not fit), padded to a 64-byte boundary,
// which numpy.load reads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "saturn/dtype.h"
#include "saturn/status.h"

namespace saturn::npy {

// A dense row-major array. data holds elements() * dtype_size(dtype) bytes.
struct Array {
  DType dtype = DType::kF32;
  std::vector<int64_t> dims;  // empty = a scalar (one element)
  std::vector<uint8_t> data;

  int64_t elements() const;
  // A float32 array of the given dims and values (values.size() must equal the product of dims).
  static Array from_floats(std::vector<int64_t> dims, std::span<const float> values);
};

// The .npy descr string of a dtype, e.g. "<f4".
const char* descr(DType dtype);

// Parses the bytes of a .npy file. `origin` names the file in errors.
Result<Array> parse(std::span<const uint8_t> bytes, const std::string& origin);
Result<Array> read(const std::string& path);

std::vector<uint8_t> serialize(const Array& array);
Status write(const std::string& path, const Array& array);

// Every element converted to float (S64/S32 values beyond 2^24 lose precision).
std::vector<float> to_floats(const Array& array);
// The same array as F32 (a copy when it already is).
Array to_f32(const Array& array);

// "[1, 3, 224, 224]"
std::string dims_string(std::span<const int64_t> dims);

}  // namespace saturn::npy
