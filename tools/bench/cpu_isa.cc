#include "tools/bench/cpu_isa.h"

#include <oneapi/dnnl/dnnl.hpp>

namespace saturn::bench {

std::string cpu_isa_name() {
  using isa = dnnl::cpu_isa;
  const isa found = dnnl::get_effective_cpu_isa();
  switch (found) {
    case isa::all: return "all";
    case isa::sse41: return "sse41";
    case isa::avx: return "avx";
    case isa::avx2: return "avx2";
    case isa::avx2_vnni: return "avx2_vnni";
    case isa::avx512_mic: return "avx512_mic";
    case isa::avx512_mic_4ops: return "avx512_mic_4ops";
    case isa::avx512_core: return "avx512_core";
    case isa::avx512_core_vnni: return "avx512_core_vnni";
    case isa::avx512_core_bf16: return "avx512_core_bf16";
    case isa::avx512_core_amx: return "avx512_core_amx";
  }
  return "unknown (" + std::to_string(static_cast<int>(found)) + ")";
}

}  // namespace saturn::bench
