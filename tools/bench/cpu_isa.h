// The instruction set oneDNN dispatches to on this CPU, for saturn-bench's profile.
#pragma once

#include <string>

namespace saturn::bench {

// oneDNN's effective ISA (dnnl::get_effective_cpu_isa(), which honours ONEDNN_MAX_CPU_ISA) as
// oneDNN spells it: "avx2", "avx512_core_vnni", ...; "unknown (N)" for a value this build does not
// know.
std::string cpu_isa_name();

}  // namespace saturn::bench
