#include "runtime/src/huge_pages.h"

#include <sys/mman.h>

#include <cstdlib>

namespace saturn {

void* allocate_huge_pages(size_t bytes) {
  const size_t size = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  void* p = std::aligned_alloc(kHugePageBytes, size == 0 ? kHugePageBytes : size);
  if (p != nullptr) madvise(p, size == 0 ? kHugePageBytes : size, MADV_HUGEPAGE);
  return p;
}

}  // namespace saturn
