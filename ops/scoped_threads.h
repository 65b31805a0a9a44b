// ScopedThreads: sets the OpenMP thread count of the calling thread for its lifetime, then restores
// the previous one. oneDNN 2.6 fixes the thread count of a convolution or matmul primitive when it
// creates it, so primitives are created under the count they will run with.
#pragma once

#include <omp.h>

namespace saturn {

class ScopedThreads {
 public:
  // threads <= 0 keeps the current count.
  explicit ScopedThreads(int threads) : saved_(omp_get_max_threads()) {
    if (threads > 0) omp_set_num_threads(threads);
  }
  ~ScopedThreads() { omp_set_num_threads(saved_); }
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int saved_;
};

}  // namespace saturn
