#include "ops/registry.h"

#include <gtest/gtest.h>

namespace saturn {
namespace {

struct Expected {
  fb::Op op;
  const char* name;
  LayoutPolicy layout;
};

TEST(Registry, ListsTheFp32AndDataMovementOps) {
  const Expected expected[] = {
      {fb::Op::Unary, "Unary", LayoutPolicy::kFollowFirst},
      {fb::Op::Binary, "Binary", LayoutPolicy::kFollowFirst},
      {fb::Op::Softmax, "Softmax", LayoutPolicy::kFollowFirst},
      {fb::Op::Concat, "Concat", LayoutPolicy::kFollowFirst},
      {fb::Op::ReduceMean, "ReduceMean", LayoutPolicy::kFollowFirst},
      {fb::Op::LayerNorm, "LayerNorm", LayoutPolicy::kPlain},
      {fb::Op::Identity, "Identity", LayoutPolicy::kPlain},
      {fb::Op::Reshape, "Reshape", LayoutPolicy::kPlain},
      {fb::Op::Flatten, "Flatten", LayoutPolicy::kPlain},
      {fb::Op::Squeeze, "Squeeze", LayoutPolicy::kPlain},
      {fb::Op::Unsqueeze, "Unsqueeze", LayoutPolicy::kPlain},
      {fb::Op::Transpose, "Transpose", LayoutPolicy::kFollowFirst},
      {fb::Op::Slice, "Slice", LayoutPolicy::kFollowFirst},
      {fb::Op::Pad, "Pad", LayoutPolicy::kFollowFirst},
      {fb::Op::Gather, "Gather", LayoutPolicy::kPlain},
      {fb::Op::ChannelShuffle, "ChannelShuffle", LayoutPolicy::kFollowFirst},
  };
  for (const Expected& e : expected) {
    const OpEntry* entry = find_op(e.op);
    ASSERT_NE(entry, nullptr) << e.name;
    EXPECT_EQ(entry->op, e.op);
    EXPECT_STREQ(entry->name, e.name);
    EXPECT_EQ(entry->layout, e.layout) << e.name;
    EXPECT_NE(entry->create(), nullptr) << e.name;
  }
}

TEST(Registry, UnknownOpHasNoEntry) { EXPECT_EQ(find_op(fb::Op::NONE), nullptr); }

}  // namespace
}  // namespace saturn
