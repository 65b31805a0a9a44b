// The process's peak resident set size, for saturn-bench's report.
#pragma once

#include <cstdint>

namespace saturn::bench {

// Peak RSS of this process so far, in bytes: /proc/self/status VmHWM when readable, else
// getrusage(RUSAGE_SELF).ru_maxrss (kilobytes on Linux). 0 when neither is available.
// It is process-wide: with two models loaded it covers both.
uint64_t peak_rss_bytes();

}  // namespace saturn::bench
