#include "ops/avx2.h"

#include <oneapi/dnnl/dnnl.hpp>

namespace saturn::avx2 {

bool cpu_has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

bool available() {
  static const bool yes = cpu_has_avx2() && dnnl::get_effective_cpu_isa() == dnnl::cpu_isa::avx2;
  return yes;
}

bool available_at_avx2_or_above() {
  const auto avx2 = static_cast<unsigned>(dnnl::cpu_isa::avx2);  // every ISA above has its bits
  static const bool yes =
      cpu_has_avx2() && (static_cast<unsigned>(dnnl::get_effective_cpu_isa()) & avx2) == avx2;
  return yes;
}

}  // namespace saturn::avx2
