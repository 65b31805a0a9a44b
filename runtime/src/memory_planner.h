// MemoryPlanner: places buffers with known lifetimes in one arena (in the style of TFLite Micro's
// greedy memory planner).
//
// Usage:
//   MemoryPlanner planner;
//   int a = planner.add_buffer(bytes, first_step, last_step);   // once per buffer
//   planner.plan();                                              // once, after every add_buffer
//   planner.offset(a); planner.arena_bytes(); planner.lower_bound();
//
// Lifetimes are inclusive step ranges [first_step, last_step]: a buffer is live at every step from
// the one that writes it to the last one that reads it. Two buffers whose ranges share a step never
// overlap in the arena; buffers with disjoint ranges may share bytes.
//
// plan() is greedy by size: buffers are placed largest first (ties: earlier first_step, then lower
// id), each at the lowest offset that is a multiple of kAlignment and does not overlap any
// already-placed buffer with an overlapping lifetime. Buffers of size 0 get offset 0 and occupy
// nothing. The result is deterministic.
//
// Units are bytes. The caller guarantees that the sum of all sizes (each rounded up to kAlignment)
// fits in size_t; the Session checks this before planning.
#pragma once

#include <cstddef>
#include <vector>

namespace saturn {

class MemoryPlanner {
 public:
  static constexpr size_t kAlignment = 64;

  // Adds a buffer of `size` bytes live from `first_step` to `last_step` (inclusive) and returns its
  // id (0, 1, 2, ... in call order). A `last_step` below `first_step` is taken as `first_step`.
  int add_buffer(size_t size, int first_step, int last_step);

  // Assigns every buffer its offset. Call after the last add_buffer(); calling it again re-plans.
  void plan();

  int num_buffers() const { return static_cast<int>(buffers_.size()); }
  // The buffer's offset in the arena, a multiple of kAlignment. Valid after plan().
  size_t offset(int id) const { return buffers_[id].offset; }
  // The arena size that plan() needs: the largest buffer end, rounded up to kAlignment.
  size_t arena_bytes() const { return arena_bytes_; }
  // The largest sum of (unrounded) sizes of buffers live at one step: no placement can use less.
  size_t lower_bound() const;

 private:
  struct Buffer {
    size_t size;
    int first_step;
    int last_step;
    size_t offset = 0;
  };
  std::vector<Buffer> buffers_;
  size_t arena_bytes_ = 0;
};

}  // namespace saturn
