#include "tools/bench/progress.h"

#include <unistd.h>

#include <cstdio>

namespace saturn::bench {

Progress::Progress() : enabled_(isatty(STDERR_FILENO) == 1) {}

void Progress::update(const std::string& label, const std::string& text, bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  std::fprintf(stderr, "\r\033[K%s: %s", label.c_str(), text.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  if (!enabled_ || !drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace saturn::bench
