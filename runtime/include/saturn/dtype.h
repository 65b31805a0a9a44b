// Element types. The numeric values equal schema/saturn.fbs DType.
#pragma once

#include <cstddef>
#include <cstdint>

namespace saturn {

enum class DType : uint8_t { kF32 = 0, kS8 = 1, kU8 = 2, kS32 = 3, kS64 = 4 };

inline constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::kF32: return 4;
    case DType::kS8: return 1;
    case DType::kU8: return 1;
    case DType::kS32: return 4;
    case DType::kS64: return 8;
  }
  return 0;
}

inline constexpr bool is_int8(DType t) { return t == DType::kU8 || t == DType::kS8; }

inline constexpr const char* dtype_name(DType t) {
  switch (t) {
    case DType::kF32: return "f32";
    case DType::kS8: return "s8";
    case DType::kU8: return "u8";
    case DType::kS32: return "s32";
    case DType::kS64: return "s64";
  }
  return "?";
}

}  // namespace saturn
