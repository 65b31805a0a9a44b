// The instruction set oneDNN dispatches to on this CPU, for saturn-bench's profile and its VNNI
// warning.
#pragma once

#include <string>

namespace saturn::bench {

// oneDNN's effective ISA (dnnl::get_effective_cpu_isa(), which honours ONEDNN_MAX_CPU_ISA) as
// oneDNN spells it: "avx2", "avx512_core_vnni", ...; "unknown (N)" for a value this build does not
// know.
std::string cpu_isa_name();

// True when oneDNN's INT8 kernels have VNNI here (saturn::conv_int8::cpu_has_vnni()).
bool cpu_has_vnni();

}  // namespace saturn::bench
