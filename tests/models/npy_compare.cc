// saturn_npy_compare OUT.npy REF.npy REL_TOL
// Passes when max|out - ref| <= REL_TOL * max|ref| (dims must match; both are compared as float).
// Prints both numbers. Exit 0 pass, 1 mismatch or error, 2 usage.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tools/common/npy.h"

int main(int argc, char** argv) {
  using namespace saturn;
  if (argc != 4) {
    std::fprintf(stderr, "usage: saturn_npy_compare OUT.npy REF.npy REL_TOL\n");
    return 2;
  }
  auto out = npy::read(argv[1]);
  auto ref = npy::read(argv[2]);
  if (!out || !ref) {
    std::fprintf(stderr, "error: %s\n", (!out ? out : ref).status().message().c_str());
    return 1;
  }
  if (out->dims != ref->dims) {
    std::fprintf(stderr, "error: %s has dims %s, the reference %s has %s\n", argv[1], npy::dims_string(out->dims).c_str(),
                 argv[2], npy::dims_string(ref->dims).c_str());
    return 1;
  }
  const double rel = std::strtod(argv[3], nullptr);
  std::vector<float> o = npy::to_floats(*out), r = npy::to_floats(*ref);
  double max_diff = 0, max_ref = 0;
  size_t worst = 0;
  bool finite = true;
  for (size_t i = 0; i < r.size(); ++i) {
    double d = std::fabs(static_cast<double>(o[i]) - r[i]);
    if (!std::isfinite(o[i])) finite = false;
    if (d > max_diff || std::isnan(d)) max_diff = std::isnan(d) ? INFINITY : d, worst = i;
    max_ref = std::fmax(max_ref, std::fabs(static_cast<double>(r[i])));
  }
  const double bound = rel * max_ref;
  const bool ok = finite && max_diff <= bound;
  std::printf("max|saturn - ref| = %.6g, max|ref| = %.6g, bound %g * max|ref| = %.6g (worst element %zu: saturn %.8g, ref %.8g): %s\n",
              max_diff, max_ref, rel, bound, worst, r.empty() ? 0.0 : o[worst], r.empty() ? 0.0 : r[worst],
              ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
