#include "ops/avx512_vnni.h"

#include <oneapi/dnnl/dnnl.hpp>

#include "ops/avx2.h"

namespace saturn::avx512_vnni {

bool available() {
  const auto vnni = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_vnni);  // every ISA above has its bits
  static const bool yes = avx2::cpu_has_avx2() && __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                          __builtin_cpu_supports("avx512vnni") &&
                          (static_cast<unsigned>(dnnl::get_effective_cpu_isa()) & vnni) == vnni;
  return yes;
}

}  // namespace saturn::avx512_vnni
