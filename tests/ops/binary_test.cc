#include <gtest/gtest.h>

#include <algorithm>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

OpFn binary(fb::BinaryKind kind, fb::ActivationKind act = fb::ActivationKind::None) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    flatbuffers::Offset<fb::Activation> a;
    if (act != fb::ActivationKind::None) a = fb::CreateActivation(b, act, 0.f, 0.f);
    return std::make_pair(fb::Op::Binary, fb::CreateBinary(b, kind, a).Union());
  };
}

float apply(fb::BinaryKind kind, float a, float b) {
  switch (kind) {
    case fb::BinaryKind::Add: return a + b;
    case fb::BinaryKind::Sub: return a - b;
    case fb::BinaryKind::Mul: return a * b;
    case fb::BinaryKind::Div: return a / b;
  }
  return 0.f;
}

// Plain numpy-broadcasting reference over row-major data.
std::vector<float> reference(fb::BinaryKind kind, const std::vector<float>& a, std::vector<int64_t> ad,
                             const std::vector<float>& b, std::vector<int64_t> bd,
                             std::vector<int64_t>& out_dims) {
  const size_t rank = std::max(ad.size(), bd.size());
  ad.insert(ad.begin(), rank - ad.size(), 1);
  bd.insert(bd.begin(), rank - bd.size(), 1);
  out_dims.assign(rank, 1);
  int64_t n = 1;
  for (size_t d = 0; d < rank; ++d) {
    out_dims[d] = std::max(ad[d], bd[d]);
    n *= out_dims[d];
  }
  std::vector<float> out(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i, ai = 0, bi = 0, as = 1, bs = 1;
    for (int d = static_cast<int>(rank) - 1; d >= 0; --d) {
      const int64_t idx = rem % out_dims[d];
      rem /= out_dims[d];
      if (ad[d] != 1) ai += idx * as;
      if (bd[d] != 1) bi += idx * bs;
      as *= ad[d];
      bs *= bd[d];
    }
    out[i] = apply(kind, a[ai], b[bi]);
  }
  return out;
}

int64_t count(const std::vector<int64_t>& d) {
  int64_t n = 1;
  for (int64_t x : d) n *= x;
  return n;
}

// Divisors away from zero: |x| in [0.5, 2], both signs.
std::vector<float> operand(const std::vector<int64_t>& dims, uint32_t seed) {
  std::vector<float> v = random_floats(count(dims), 0.5f, 2.f, seed);
  for (size_t i = 0; i < v.size(); i += 3) v[i] = -v[i];
  return v;
}

struct Pattern {
  std::vector<int64_t> a, b;
  Layout a_layout = Layout::kPlain, b_layout = Layout::kPlain;
  bool b_constant = false;
};

// Runs the pattern against the reference; returns the implementation the kernel chose.
std::string check(fb::BinaryKind kind, const Pattern& p) {
  SCOPED_TRACE("kind " + std::to_string(static_cast<int>(kind)) + " a " + std::to_string(p.a.size()) + "-d " +
               layout_name(p.a_layout) + ", b " + std::to_string(p.b.size()) + "-d " +
               layout_name(p.b_layout));
  const std::vector<float> a = operand(p.a, 1), b = operand(p.b, 2);
  std::vector<int64_t> out_dims;
  const std::vector<float> want = reference(kind, a, p.a, b, p.b, out_dims);

  KernelHarness h(binary(kind));
  h.add_input(desc(p.a, DType::kF32, p.a_layout),
              bytes_of(p.a_layout == Layout::kNhwc ? to_nhwc(a, p.a) : a));
  h.add_input(desc(p.b, DType::kF32, p.b_layout), bytes_of(p.b_layout == Layout::kNhwc ? to_nhwc(b, p.b) : b),
              p.b_constant);
  h.add_output();
  auto kernel = make_binary_kernel();
  const Status s = h.prepare(*kernel);
  EXPECT_TRUE(s.is_ok()) << s.message();
  if (!s.is_ok()) return "";
  EXPECT_EQ(h.output_desc(0).dims, out_dims);
  h.run();
  std::vector<float> got = h.output<float>(0);
  if (h.output_desc(0).layout == Layout::kNhwc) got = from_nhwc(got, out_dims);
  expect_close(got, want);
  return h.impl();
}

const fb::BinaryKind kKinds[] = {fb::BinaryKind::Add, fb::BinaryKind::Sub, fb::BinaryKind::Mul,
                                 fb::BinaryKind::Div};

TEST(Binary, SameShape) {
  for (fb::BinaryKind k : kKinds) check(k, {{2, 3, 4, 5}, {2, 3, 4, 5}});
  for (fb::BinaryKind k : kKinds) check(k, {{2, 3, 4, 5}, {2, 3, 4, 5}, Layout::kNhwc, Layout::kNhwc});
}

TEST(Binary, ChannelOperandWithNhwcInput) {
  for (fb::BinaryKind k : kKinds) check(k, {{2, 3, 4, 5}, {1, 3, 1, 1}, Layout::kNhwc, Layout::kPlain, true});
  for (fb::BinaryKind k : kKinds) check(k, {{2, 3, 4, 5}, {3, 1, 1}, Layout::kNhwc, Layout::kPlain, true});
}

TEST(Binary, BroadcastFirstOperand) {
  // Add/Mul swap, Sub negates, Div expands input 0.
  for (fb::BinaryKind k : kKinds) check(k, {{1, 3, 1, 1}, {2, 3, 4, 5}, Layout::kNhwc, Layout::kNhwc});
  for (fb::BinaryKind k : kKinds) check(k, {{4, 1}, {2, 3, 4, 5}});
  for (fb::BinaryKind k : kKinds) check(k, {{5}, {3, 5}});
}

TEST(Binary, BothOperandsBroadcast) {
  for (fb::BinaryKind k : kKinds) check(k, {{2, 1, 4}, {3, 1}});
  for (fb::BinaryKind k : kKinds) check(k, {{2, 3, 1, 5}, {1, 1, 4, 1}, Layout::kNhwc, Layout::kNhwc});
}

// oneDNN broadcasts src1 fast only per tensor, per channel or along trailing dims; a broadcast in
// the middle (Swin's window mask) is expanded explicitly instead of running its reference kernel.
TEST(Binary, MiddleDimBroadcastAvoidsTheReferenceKernel) {
  for (fb::BinaryKind k : kKinds) {
    for (bool constant : {true, false}) {
      const std::string impl = check(k, {{1, 4, 3, 5, 6}, {1, 4, 1, 5, 6}, Layout::kPlain, Layout::kPlain, constant});
      EXPECT_EQ(impl.rfind("plain+", 0), 0u) << impl;
      EXPECT_EQ(impl.find("ref"), std::string::npos) << impl;
    }
    const std::string both = check(k, {{2, 1, 5, 6}, {2, 3, 1, 6}});
    EXPECT_EQ(both.find("ref"), std::string::npos) << both;
  }
}

TEST(Binary, Scalars) {
  for (fb::BinaryKind k : kKinds) check(k, {{2, 3}, {}, Layout::kPlain, Layout::kPlain, true});
  for (fb::BinaryKind k : kKinds) check(k, {{}, {2, 3}});
  for (fb::BinaryKind k : kKinds) check(k, {{}, {}});
  for (fb::BinaryKind k : kKinds) check(k, {{2, 3, 4, 5}, {1}, Layout::kNhwc});
}

TEST(Binary, LayoutFollowsFullOperand) {
  KernelHarness h(binary(fb::BinaryKind::Mul));
  h.add_input(desc({1, 3, 1, 1}, DType::kF32, Layout::kNhwc), bytes_of(std::vector<float>(3, 1.f)));
  h.add_input(desc({2, 3, 4, 5}, DType::kF32, Layout::kNhwc), bytes_of(std::vector<float>(120, 1.f)));
  h.add_output();
  auto kernel = make_binary_kernel();
  ASSERT_TRUE(h.prepare(*kernel).is_ok());
  EXPECT_EQ(h.output_desc(0).layout, Layout::kNhwc);

  KernelHarness p(binary(fb::BinaryKind::Mul));
  p.add_input(desc({2, 3, 1, 5}, DType::kF32, Layout::kNhwc), bytes_of(std::vector<float>(30, 1.f)));
  p.add_input(desc({1, 1, 4, 1}, DType::kF32, Layout::kNhwc), bytes_of(std::vector<float>(4, 1.f)));
  p.add_output();
  auto k2 = make_binary_kernel();
  ASSERT_TRUE(p.prepare(*k2).is_ok());
  EXPECT_EQ(p.output_desc(0).dims, (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(p.output_desc(0).layout, Layout::kPlain);
}

TEST(Binary, FusedActivationAppliesAfterTheOp) {
  // relu(a - b) with a broadcast: computed as relu(-(b - a)).
  const std::vector<float> a = {1.f, -1.f};
  const std::vector<float> b = {0.f, 2.f, -3.f, 0.5f, 1.f, 4.f};  // [3, 2]
  KernelHarness h(binary(fb::BinaryKind::Sub, fb::ActivationKind::Relu));
  h.add_input(desc({2}), bytes_of(a));
  h.add_input(desc({3, 2}), bytes_of(b));
  h.add_output();
  auto kernel = make_binary_kernel();
  ASSERT_TRUE(h.prepare(*kernel).is_ok());
  h.run();
  expect_close(h.output<float>(0), {1.f, 0.f, 4.f, 0.f, 0.f, 0.f});
}

TEST(Binary, RejectsIncompatibleShapes) {
  KernelHarness h(binary(fb::BinaryKind::Add), "add1");
  h.add_input(desc({2, 3}, DType::kF32, Layout::kPlain, "a"), bytes_of(std::vector<float>(6)));
  h.add_input(desc({4}, DType::kF32, Layout::kPlain, "b"), bytes_of(std::vector<float>(4)));
  h.add_output();
  auto kernel = make_binary_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(),
            "node 'add1' (Binary): input 0 'a' dims [2, 3] and input 1 'b' dims [4] do not broadcast");
}

}  // namespace
}  // namespace saturn::testing
