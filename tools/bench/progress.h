// A one-line progress indicator on stderr for saturn-bench. It draws only when stderr is a
// terminal (isatty), at most every 100 ms, and erases itself in finish(); otherwise it writes
// nothing at all.
#pragma once

#include <chrono>
#include <string>

namespace saturn::bench {

class Progress {
 public:
  Progress();  // decides once whether stderr is a terminal
  // Shows "label: text" (carriage return, no newline), rate-limited unless `force`.
  void update(const std::string& label, const std::string& text, bool force = false);
  void finish();  // clears the line

 private:
  bool enabled_ = false;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace saturn::bench
