// What Saturn's own AVX2 kernels share about the CPU (depthwise_int8, pointwise_int8, winograd_int8,
// winograd_f32, channel_gate_int8): the target attributes of their AVX2 functions, and whether this
// CPU runs them. Only functions marked so use AVX2 and FMA; callers check the CPU first.
#pragma once

#define SATURN_AVX2 __attribute__((target("avx2,fma")))
// The same plus PREFETCHW, which executes as a no-op on the AVX2 CPUs that predate it (Intel
// before Broadwell).
#define SATURN_AVX2_PREFETCHW __attribute__((target("avx2,fma,prfchw")))

namespace saturn::avx2 {

// True when the CPU has AVX2 and FMA.
bool cpu_has_avx2();

// True when the CPU has AVX2 and FMA and oneDNN's best ISA here is AVX2 (no AVX-512, where
// oneDNN's own kernels were not measured against Saturn's convolutions).
bool available();

// True when the CPU has AVX2 and FMA and oneDNN's best ISA here is AVX2 or above (AVX-512
// included): for a kernel measured faster than oneDNN's AVX-512 ones as well (winograd_f32).
bool available_at_avx2_or_above();

}  // namespace saturn::avx2
