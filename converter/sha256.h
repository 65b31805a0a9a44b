// SHA-256 (FIPS 180-4) of a byte string, as 64 lowercase hex digits.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace saturn::converter {

std::string sha256_hex(std::span<const uint8_t> data);

}  // namespace saturn::converter
