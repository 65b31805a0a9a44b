#include "runtime/src/memory_planner.h"

#include <random>

#include <gtest/gtest.h>

namespace saturn {
namespace {

struct Spec {
  size_t size;
  int first;
  int last;
};

// Asserts the planner's invariants: alignment, no overlap between lifetime-overlapping buffers,
// every buffer inside the arena, and lower_bound <= arena_bytes.
void expect_valid_plan(const MemoryPlanner& planner, const std::vector<Spec>& specs) {
  for (size_t i = 0; i < specs.size(); ++i) {
    EXPECT_EQ(planner.offset(static_cast<int>(i)) % MemoryPlanner::kAlignment, 0u) << "buffer " << i;
    EXPECT_LE(planner.offset(static_cast<int>(i)) + specs[i].size, planner.arena_bytes()) << "buffer " << i;
    for (size_t j = i + 1; j < specs.size(); ++j) {
      const bool live_together = specs[i].first <= specs[j].last && specs[j].first <= specs[i].last;
      if (!live_together || specs[i].size == 0 || specs[j].size == 0) continue;
      const size_t a = planner.offset(static_cast<int>(i)), b = planner.offset(static_cast<int>(j));
      const bool disjoint = a + specs[i].size <= b || b + specs[j].size <= a;
      EXPECT_TRUE(disjoint) << "buffers " << i << " and " << j << " overlap";
    }
  }
  EXPECT_LE(planner.lower_bound(), planner.arena_bytes());
  EXPECT_EQ(planner.arena_bytes() % MemoryPlanner::kAlignment, 0u);
}

TEST(MemoryPlanner, EmptyPlanHasZeroArena) {
  MemoryPlanner planner;
  planner.plan();
  EXPECT_EQ(planner.arena_bytes(), 0u);
  EXPECT_EQ(planner.lower_bound(), 0u);
}

TEST(MemoryPlanner, ChainReusesMemory) {
  // A chain a -> b -> c: a and c never live together, so c can take a's place.
  MemoryPlanner planner;
  const int a = planner.add_buffer(1000, 0, 1);
  const int b = planner.add_buffer(1000, 1, 2);
  const int c = planner.add_buffer(1000, 2, 3);
  planner.plan();
  EXPECT_EQ(planner.offset(a), 0u);
  EXPECT_EQ(planner.offset(b), 1024u);  // 1000 rounded up to 64
  EXPECT_EQ(planner.offset(c), 0u);
  EXPECT_EQ(planner.arena_bytes(), 2048u);
  EXPECT_EQ(planner.lower_bound(), 2000u);
  expect_valid_plan(planner, {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}});
}

TEST(MemoryPlanner, LargestFirstAndLowestGap) {
  MemoryPlanner planner;
  const int small = planner.add_buffer(64, 0, 0);
  const int big = planner.add_buffer(4096, 0, 2);
  const int mid = planner.add_buffer(128, 1, 1);
  planner.plan();
  EXPECT_EQ(planner.offset(big), 0u);
  EXPECT_EQ(planner.offset(mid), 4096u);
  EXPECT_EQ(planner.offset(small), 4096u);  // lives at step 0 only: shares mid's bytes
  EXPECT_EQ(planner.arena_bytes(), 4096u + 128u);
  EXPECT_EQ(planner.lower_bound(), 4096u + 128u);
}

TEST(MemoryPlanner, PlacesAfterConflictsAtAlignedOffsets) {
  MemoryPlanner planner;
  const int x = planner.add_buffer(100, 0, 1);  // placed first: [0, 100)
  const int w = planner.add_buffer(90, 0, 0);   // conflicts with x: 128 (100 rounded up)
  const int z = planner.add_buffer(80, 1, 1);   // conflicts with x only (w is dead): 128
  const int y = planner.add_buffer(10, 0, 0);   // conflicts with x and w: 256
  planner.plan();
  EXPECT_EQ(planner.offset(x), 0u);
  EXPECT_EQ(planner.offset(w), 128u);
  EXPECT_EQ(planner.offset(z), 128u);
  EXPECT_EQ(planner.offset(y), 256u);
  EXPECT_EQ(planner.arena_bytes(), 320u);
  expect_valid_plan(planner, {{100, 0, 1}, {90, 0, 0}, {80, 1, 1}, {10, 0, 0}});
}

TEST(MemoryPlanner, FillsGapBelowALaterBuffer) {
  MemoryPlanner planner;
  const int a = planner.add_buffer(500, 0, 0);  // [0, 500)
  const int b = planner.add_buffer(400, 0, 1);  // [512, 912)
  const int c = planner.add_buffer(100, 1, 1);  // a is dead at step 1: the gap [0, 512) takes it
  planner.plan();
  EXPECT_EQ(planner.offset(a), 0u);
  EXPECT_EQ(planner.offset(b), 512u);
  EXPECT_EQ(planner.offset(c), 0u);
  EXPECT_EQ(planner.arena_bytes(), 960u);
  EXPECT_EQ(planner.lower_bound(), 900u);
}

TEST(MemoryPlanner, ZeroSizedBuffersOccupyNothing) {
  MemoryPlanner planner;
  const int z = planner.add_buffer(0, 0, 5);
  const int a = planner.add_buffer(10, 0, 5);
  planner.plan();
  EXPECT_EQ(planner.offset(z), 0u);
  EXPECT_EQ(planner.offset(a), 0u);
  EXPECT_EQ(planner.arena_bytes(), 64u);
  EXPECT_EQ(planner.lower_bound(), 10u);
}

TEST(MemoryPlanner, LowerBoundIsPeakLiveSum) {
  MemoryPlanner planner;
  planner.add_buffer(100, 0, 2);
  planner.add_buffer(200, 1, 1);
  planner.add_buffer(300, 2, 3);
  planner.add_buffer(50, 3, 3);
  planner.plan();
  // step 0: 100, step 1: 300, step 2: 400, step 3: 350
  EXPECT_EQ(planner.lower_bound(), 400u);
}

TEST(MemoryPlanner, ReversedLifetimeIsOneStep) {
  MemoryPlanner planner;
  const int a = planner.add_buffer(64, 3, 1);  // taken as [3, 3]
  const int b = planner.add_buffer(64, 2, 2);
  planner.plan();
  EXPECT_EQ(planner.offset(a), planner.offset(b));  // disjoint lifetimes share bytes
}

TEST(MemoryPlanner, RandomPlansAreValid) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 50; ++trial) {
    MemoryPlanner planner;
    std::vector<Spec> specs;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      const int first = static_cast<int>(rng() % 20);
      const int last = first + static_cast<int>(rng() % 6);
      const size_t size = rng() % 5000;
      specs.push_back({size, first, last});
      EXPECT_EQ(planner.add_buffer(size, first, last), i);
    }
    planner.plan();
    expect_valid_plan(planner, specs);
    // Every step's live set fits: the arena is at least the peak and at most the sum of all sizes.
    size_t total = 0;
    for (const Spec& s : specs) total += (s.size + 63) / 64 * 64;
    EXPECT_LE(planner.arena_bytes(), total);
  }
}

}  // namespace
}  // namespace saturn
