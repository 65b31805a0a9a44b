// Runs a command line through the shell for the CLI tests: exit code and combined output.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace saturn::tools::testing {

struct Ran {
  int code = -1;        // the exit status; -1 when the command did not exit normally
  std::string output;   // stdout and stderr
};

inline Ran run(const std::string& command) {
  Ran r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The path of a built tool, e.g. tool_path("saturn-run").
inline std::string tool_path(const std::string& name) { return std::string(SATURN_BINARY_DIR) + "/tools/" + name; }

}  // namespace saturn::tools::testing
