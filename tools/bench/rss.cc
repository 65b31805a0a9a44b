#include "tools/bench/rss.h"

#include <sys/resource.h>

#include <fstream>
#include <sstream>
#include <string>

namespace saturn::bench {

uint64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    uint64_t kb = 0;
    std::string unit;
    if (fields >> kb >> unit && unit == "kB") return kb * 1024;
  }
  struct rusage usage {};
  if (getrusage(RUSAGE_SELF, &usage) == 0 && usage.ru_maxrss > 0) return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
  return 0;
}

}  // namespace saturn::bench
