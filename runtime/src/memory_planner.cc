#include "runtime/src/memory_planner.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace saturn {

namespace {

size_t round_up(size_t n) { return (n + MemoryPlanner::kAlignment - 1) / MemoryPlanner::kAlignment * MemoryPlanner::kAlignment; }

}  // namespace

int MemoryPlanner::add_buffer(size_t size, int first_step, int last_step) {
  buffers_.push_back({size, first_step, std::max(first_step, last_step)});
  return static_cast<int>(buffers_.size()) - 1;
}

void MemoryPlanner::plan() {
  std::vector<int> order(buffers_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [this](int a, int b) {
    const Buffer& x = buffers_[a];
    const Buffer& y = buffers_[b];
    if (x.size != y.size) return x.size > y.size;
    return x.first_step < y.first_step;
  });

  std::vector<int> placed;                         // ids already placed
  std::vector<std::pair<size_t, size_t>> conflicts;  // (offset, end) of placed, lifetime-overlapping
  arena_bytes_ = 0;
  for (int id : order) {
    Buffer& b = buffers_[id];
    b.offset = 0;
    if (b.size == 0) continue;
    conflicts.clear();
    for (int other : placed) {
      const Buffer& o = buffers_[other];
      if (o.first_step <= b.last_step && b.first_step <= o.last_step) conflicts.emplace_back(o.offset, o.offset + o.size);
    }
    std::sort(conflicts.begin(), conflicts.end());
    size_t candidate = 0;
    for (const auto& [begin, end] : conflicts) {
      if (candidate + b.size <= begin) break;  // fits in the gap before this one
      candidate = std::max(candidate, round_up(end));
    }
    b.offset = candidate;
    arena_bytes_ = std::max(arena_bytes_, round_up(candidate + b.size));
    placed.push_back(id);
  }
}

size_t MemoryPlanner::lower_bound() const {
  // Sweep over lifetime events: +size at first_step, -size after last_step.
  std::vector<std::pair<long long, long long>> events;  // (step, signed size)
  events.reserve(buffers_.size() * 2);
  for (const Buffer& b : buffers_) {
    if (b.size == 0) continue;
    events.emplace_back(b.first_step, static_cast<long long>(b.size));
    events.emplace_back(static_cast<long long>(b.last_step) + 1, -static_cast<long long>(b.size));
  }
  std::sort(events.begin(), events.end());
  size_t live = 0;
  size_t best = 0;
  for (size_t i = 0; i < events.size();) {
    const long long step = events[i].first;
    for (; i < events.size() && events[i].first == step; ++i) live += static_cast<size_t>(events[i].second);
    best = std::max(best, live);
  }
  return best;
}

}  // namespace saturn
