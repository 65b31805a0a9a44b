// GuardedBuffer: `bytes` bytes that end exactly where an inaccessible page begins, for the buffers
// a test hands Session::run() (which reads the inputs and writes the outputs in place): a kernel
// that reads or writes past the end of a caller's buffer then faults instead of silently touching
// the neighbouring memory. seal() makes the bytes read-only, so that a kernel writing into a
// caller's input faults too. Header-only; any test area may include it.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <new>

namespace saturn::testing {

class GuardedBuffer {
 public:
  explicit GuardedBuffer(size_t bytes) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    readable_ = (bytes + page - 1) / page * page;
    size_ = readable_ + page;
    void* base = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    base_ = static_cast<char*>(base);
    mprotect(base_ + readable_, page, PROT_NONE);
    data_ = base_ + readable_ - bytes;
  }
  // Copies `bytes` bytes of `from` in, then seals.
  GuardedBuffer(const void* from, size_t bytes) : GuardedBuffer(bytes) {
    if (bytes > 0) std::memcpy(data_, from, bytes);
    seal();
  }
  ~GuardedBuffer() { munmap(base_, size_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  void* data() { return data_; }
  const void* data() const { return data_; }
  void seal() { mprotect(base_, readable_, PROT_READ); }

 private:
  char* base_ = nullptr;
  char* data_ = nullptr;
  size_t readable_ = 0;
  size_t size_ = 0;
};

}  // namespace saturn::testing
