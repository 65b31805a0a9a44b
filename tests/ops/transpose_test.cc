#include <gtest/gtest.h>

#include <numeric>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

OpFn transpose(std::vector<int> perm) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::Transpose, fb::CreateTranspose(b, b.CreateVector(perm)).Union());
  };
}

// out[i_0, ..., i_r-1] = in[j] with j[perm[k]] = i_k, row-major.
template <typename T>
std::vector<T> reference(const std::vector<T>& x, const std::vector<int64_t>& dims,
                         const std::vector<int>& perm, std::vector<int64_t>& out_dims) {
  const size_t r = dims.size();
  out_dims.resize(r);
  for (size_t k = 0; k < r; ++k) out_dims[k] = dims[perm[k]];
  std::vector<T> y(x.size());
  std::vector<int64_t> idx(r, 0), in_idx(r);
  for (size_t o = 0; o < y.size(); ++o) {
    int64_t rem = static_cast<int64_t>(o);
    for (int k = static_cast<int>(r) - 1; k >= 0; --k) {
      in_idx[perm[k]] = rem % out_dims[k];
      rem /= out_dims[k];
    }
    int64_t i = 0;
    for (size_t d = 0; d < r; ++d) i = i * dims[d] + in_idx[d];
    y[o] = x[i];
  }
  return y;
}

template <typename T>
void check(const std::vector<int64_t>& dims, const std::vector<int>& perm, DType dtype) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  std::vector<T> x(n);
  std::iota(x.begin(), x.end(), T{1});
  std::vector<int64_t> out_dims;
  const std::vector<T> want = reference(x, dims, perm, out_dims);
  KernelHarness h(transpose(perm));
  h.add_input(desc(dims, dtype), bytes_of(x));
  h.add_output();
  auto kernel = make_transpose_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(h.output_desc(0).dims, out_dims);
  EXPECT_EQ(h.output_desc(0).dtype, dtype);
  h.run();
  EXPECT_EQ(h.output<T>(0), want);
}

TEST(Transpose, Permutations) {
  check<float>({2, 3, 4, 5}, {0, 2, 3, 1}, DType::kF32);
  check<float>({2, 3, 4, 5}, {0, 3, 1, 2}, DType::kF32);
  check<float>({2, 3, 4, 5}, {3, 2, 1, 0}, DType::kF32);
  check<float>({2, 3, 4, 5}, {0, 1, 2, 3}, DType::kF32);
  check<float>({1, 3, 1, 5}, {2, 3, 0, 1}, DType::kF32);
  check<int8_t>({3, 7}, {1, 0}, DType::kS8);
  check<int64_t>({2, 3, 4}, {1, 0, 2}, DType::kS64);
  check<int32_t>({2, 3, 2, 3, 2}, {4, 2, 0, 3, 1}, DType::kS32);
  check<uint8_t>({6}, {0}, DType::kU8);
}

// An Nhwc input is read in its own layout; Y is written Nhwc when its readers want it. To and from
// channels-last (ConvNeXt's Transposes), and a perm that moves every dim.
TEST(Transpose, NhwcInputAndOutput) {
  const std::vector<int64_t> dims = {2, 3, 4, 5};
  std::vector<float> x(120);
  std::iota(x.begin(), x.end(), 1.f);
  for (const std::vector<int>& perm :
       {std::vector<int>{0, 2, 3, 1}, std::vector<int>{0, 3, 1, 2}, std::vector<int>{3, 2, 1, 0}}) {
    for (const Layout in_layout : {Layout::kPlain, Layout::kNhwc}) {
      for (const Layout readers : {Layout::kPlain, Layout::kNhwc}) {
        SCOPED_TRACE(std::string(layout_name(in_layout)) + " -> readers " + layout_name(readers) + ", perm " +
                     std::to_string(perm[1]) + std::to_string(perm[2]) + std::to_string(perm[3]));
        std::vector<int64_t> out_dims;
        const std::vector<float> want = reference(x, dims, perm, out_dims);
        KernelHarness h(transpose(perm));
        h.set_readers_layout(readers);
        h.add_input(desc(dims, DType::kF32, in_layout),
                    bytes_of(in_layout == Layout::kNhwc ? to_nhwc(x, dims) : x));
        h.add_output();
        auto kernel = make_transpose_kernel();
        const Status s = h.prepare(*kernel);
        ASSERT_TRUE(s.is_ok()) << s.message();
        EXPECT_EQ(h.output_desc(0).dims, out_dims);
        EXPECT_EQ(h.output_desc(0).layout, readers);
        h.run();
        const std::vector<float> got = h.output<float>(0);
        EXPECT_EQ(readers == Layout::kNhwc ? from_nhwc(got, out_dims) : got, want);
      }
    }
  }
}

TEST(Transpose, RejectsInvalidPerm) {
  KernelHarness h(transpose({0, 0, 1}), "t");
  h.add_input(desc({2, 3, 4}, DType::kF32, Layout::kPlain, "x"), bytes_of(std::vector<float>(24)));
  h.add_output();
  auto kernel = make_transpose_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(),
            "node 't' (Transpose): perm [0, 0, 1] is not a permutation of the 3 dims of input 0 'x'");
}

}  // namespace
}  // namespace saturn::testing
