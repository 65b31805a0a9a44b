// Versions of the Saturn library and of the model format it reads and writes.
#pragma once

#include <cstdint>

namespace saturn {

inline constexpr const char* kVersion = "0.1.0";

// Model format version (schema/saturn.fbs history). Files with a newer version are refused.
inline constexpr uint32_t kSchemaVersion = 6;

}  // namespace saturn
