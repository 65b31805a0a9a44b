// ConstantPool: the memory of a session's prepared constants (weights reordered into oneDNN's
// layouts, PrepareContext::allocate_constant()), handed out 64-byte aligned from chunks of at
// least 32 MiB in 2 MiB pages (runtime/src/huge_pages.h): ResNet-50 INT8's load + prepare went
// from 149 to 116 ms (mean of 6 alternating runs each). Untouched parts of a chunk take no memory;
// the last touched 2 MiB page of each chunk is resident whole.
#pragma once

#include <cstddef>
#include <vector>

namespace saturn {

class ConstantPool {
 public:
  ConstantPool() = default;
  ~ConstantPool();
  ConstantPool(const ConstantPool&) = delete;
  ConstantPool& operator=(const ConstantPool&) = delete;

  // `bytes` bytes, 64-byte aligned, valid until the pool is destroyed. Null when out of memory.
  void* allocate(size_t bytes);

 private:
  struct Chunk {
    char* base;
    size_t size;
    size_t offset;
  };
  std::vector<Chunk> chunks_;
};

}  // namespace saturn
