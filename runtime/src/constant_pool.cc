#include "runtime/src/constant_pool.h"

#include <algorithm>
#include <cstdlib>

#include "runtime/src/huge_pages.h"

namespace saturn {
namespace {

constexpr size_t kMinChunk = size_t{32} << 20;
constexpr size_t kAlign = 64;

}  // namespace

ConstantPool::~ConstantPool() {
  for (const Chunk& c : chunks_) std::free(c.base);
}

void* ConstantPool::allocate(size_t bytes) {
  const size_t size = (bytes + kAlign - 1) / kAlign * kAlign;
  if (chunks_.empty() || chunks_.back().size - chunks_.back().offset < size) {
    const size_t chunk = std::max(kMinChunk, size);
    void* base = allocate_huge_pages(chunk);
    if (base == nullptr) return nullptr;
    chunks_.push_back({static_cast<char*>(base), chunk, 0});
  }
  Chunk& c = chunks_.back();
  void* p = c.base + c.offset;
  c.offset += size;
  return p;
}

}  // namespace saturn
