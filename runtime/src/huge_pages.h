// Memory that the OS is asked to back with 2 MiB pages (madvise MADV_HUGEPAGE; a no-op where
// transparent huge pages are off), for the large buffers a session writes or reads once while it
// is created: the model's bytes (Model::load) and the reordered weights (ConstantPool).
//
// Why: every first touch of a 4 KiB page is a page fault, and in the VM measured (AMD EPYC Zen 5,
// 2 vCPUs) one cost ~11 µs: touching 25 MiB, ResNet-50 INT8's weights, took 73-77 ms in 4 KiB pages
// and 5 ms in 2 MiB pages.
#pragma once

#include <cstddef>

namespace saturn {

constexpr size_t kHugePageBytes = size_t{2} << 20;

// At least `bytes` bytes (rounded up to 2 MiB), 2 MiB aligned; free with std::free. Null when out of
// memory. Untouched 2 MiB pages take no memory.
void* allocate_huge_pages(size_t bytes);

}  // namespace saturn
