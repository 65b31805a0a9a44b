// ChannelShuffle against its definition (schema/saturn.fbs): channel i * groups + j of Y is channel
// j * (C / groups) + i of X, on Plain and Nhwc data, for one-byte and four-byte elements, with the
// 16-byte interleave of two groups (full vectors and a tail) and the plain loop of other groups.
#include <gtest/gtest.h>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"

namespace saturn::testing {
namespace {

OpFn channel_shuffle(int groups) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::ChannelShuffle, fb::CreateChannelShuffle(b, groups).Union());
  };
}

// Y of X [N, C, H, W] (Plain, logical order) by the definition.
template <typename T>
std::vector<T> shuffled(const std::vector<T>& x, const std::vector<int64_t>& d, int64_t groups) {
  const int64_t c = d[1], plane = d[2] * d[3], per_group = c / groups;
  std::vector<T> y(x.size());
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t i = 0; i < per_group; ++i)
      for (int64_t j = 0; j < groups; ++j)
        for (int64_t p = 0; p < plane; ++p)
          y[(n * c + i * groups + j) * plane + p] = x[(n * c + j * per_group + i) * plane + p];
  return y;
}

template <typename T>
void check(const std::vector<int64_t>& dims, int groups, Layout layout, DType dtype) {
  SCOPED_TRACE("dims " + std::to_string(dims[1]) + " groups " + std::to_string(groups) + " " + layout_name(layout) +
               " " + dtype_name(dtype));
  std::vector<T> x(static_cast<size_t>(dims[0] * dims[1] * dims[2] * dims[3]));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<T>(i % 251);
  const bool nhwc = layout == Layout::kNhwc;
  KernelHarness h(channel_shuffle(groups));
  h.add_input(desc(dims, dtype, layout), bytes_of(nhwc ? to_nhwc(x, dims) : x));
  h.add_output("y", nullptr, dtype);
  auto kernel = make_channel_shuffle_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(h.output_desc(0).dims, dims);
  EXPECT_EQ(h.output_desc(0).layout, layout);
  h.run();
  const std::vector<T> got = h.output<T>(0);
  EXPECT_EQ(nhwc ? from_nhwc(got, dims) : got, shuffled(x, dims, groups));
}

TEST(ChannelShuffle, MatchesTheDefinition) {
  for (Layout layout : {Layout::kPlain, Layout::kNhwc}) {
    for (const auto& [dims, groups] : std::vector<std::pair<std::vector<int64_t>, int>>{
             {{2, 58, 3, 2}, 2}, {{1, 116, 2, 2}, 2}, {{1, 12, 2, 3}, 3}, {{1, 6, 1, 1}, 1}, {{1, 8, 2, 2}, 8}}) {
      check<uint8_t>(dims, groups, layout, DType::kU8);
      check<float>(dims, groups, layout, DType::kF32);
    }
  }
}

TEST(ChannelShuffle, RejectsGroupsThatDoNotDivideTheChannels) {
  KernelHarness h(channel_shuffle(4), "shuffle");
  h.add_input(desc({1, 6, 2, 2}, DType::kF32, Layout::kPlain, "x"), bytes_of(std::vector<float>(24)));
  h.add_output();
  auto kernel = make_channel_shuffle_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(), "node 'shuffle' (ChannelShuffle): groups 4 must be >= 1 and divide the 6 channels of input 0 'x'");
}

}  // namespace
}  // namespace saturn::testing
