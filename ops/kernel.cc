// Out-of-line members declared in ops/kernel.h.
#include "ops/kernel.h"

namespace saturn {

const char* layout_name(Layout layout) {
  switch (layout) {
    case Layout::kPlain: return "plain";
    case Layout::kNhwc: return "nhwc";
  }
  return "?";
}

int64_t TensorDesc::elements() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

}  // namespace saturn
