// The single, explicit list of ops the runtime can execute (registry.cc). No macros, no static
// initialisers: adding an op means adding one line there.
#pragma once

#include <memory>

#include "ops/kernel.h"

namespace saturn {

// What a kernel needs of its rank-4 runtime inputs; the Session reorders them before prepare().
enum class LayoutPolicy : uint8_t {
  kPlain,      // every input Plain (plain C++ kernels, matmul, gemm, layer norm)
  kNhwc,       // every rank-4 runtime input Nhwc: input 0 and Conv's residual (conv, pool, resize)
  kFollowFirst // every rank-4 input in the layout input 0 already has (eltwise, binary, concat, ...)
};

struct OpEntry {
  fb::Op op;
  const char* name;  // the op's display name, e.g. "Conv"
  LayoutPolicy layout;
  std::unique_ptr<Kernel> (*create)();
};

// The entry for `op`, or null if the runtime has no kernel for it.
const OpEntry* find_op(fb::Op op);

}  // namespace saturn
