#include "runtime/src/huge_pages.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>

namespace saturn {

void* allocate_huge_pages(size_t bytes) {
  const size_t size = std::max(kHugePageBytes, (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes);
  void* p = std::aligned_alloc(kHugePageBytes, size);
  if (p != nullptr) madvise(p, size, MADV_HUGEPAGE);
  return p;
}

}  // namespace saturn
