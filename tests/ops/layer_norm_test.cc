#include <gtest/gtest.h>

#include <cmath>

#include "ops/ops.h"
#include "tests/ops/kernel_harness.h"
#include "tests/ops/test_util.h"

namespace saturn::testing {
namespace {

OpFn layer_norm(int axis, float epsilon) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::Op::LayerNorm, fb::CreateLayerNorm(b, axis, epsilon).Union());
  };
}

int64_t count(const std::vector<int64_t>& d, size_t begin = 0) {
  int64_t n = 1;
  for (size_t i = begin; i < d.size(); ++i) n *= d[i];
  return n;
}

// Value of a parameter of `pdims` (row-major) broadcast to norm dims, at flat normalized index k.
float param_at(const std::vector<float>& p, const std::vector<int64_t>& pdims,
               const std::vector<int64_t>& norm_dims, int64_t k) {
  int64_t off = 0, stride = 1;
  for (int d = static_cast<int>(norm_dims.size()) - 1; d >= 0; --d) {
    const int64_t idx = k % norm_dims[d];
    k /= norm_dims[d];
    const int pd = d - static_cast<int>(norm_dims.size() - pdims.size());
    if (pd >= 0) {
      if (pdims[pd] != 1) off += idx * stride;
      stride *= pdims[pd];
    }
  }
  return p[off];
}

struct Case {
  std::vector<int64_t> dims;
  int axis;
  std::vector<int64_t> scale_dims, bias_dims;  // empty bias_dims: no bias
  bool constant_params;
};

void check(const Case& c) {
  SCOPED_TRACE("axis " + std::to_string(c.axis) + (c.constant_params ? " constant" : " runtime") + " params");
  const float eps = 1e-5f;
  const std::vector<float> x = random_floats(count(c.dims), -2.f, 3.f, 5);
  const std::vector<float> scale = random_floats(count(c.scale_dims), 0.5f, 1.5f, 6);
  const std::vector<float> bias = random_floats(count(c.bias_dims), -1.f, 1.f, 8);
  const bool has_bias = !c.bias_dims.empty();
  const std::vector<int64_t> norm_dims(c.dims.begin() + c.axis, c.dims.end());
  const int64_t n = count(norm_dims), outer = count(c.dims) / n;
  std::vector<float> want(x.size());
  for (int64_t o = 0; o < outer; ++o) {
    double mean = 0, var = 0;
    for (int64_t k = 0; k < n; ++k) mean += x[o * n + k];
    mean /= n;
    for (int64_t k = 0; k < n; ++k) var += (x[o * n + k] - mean) * (x[o * n + k] - mean);
    var /= n;
    for (int64_t k = 0; k < n; ++k) {
      const double y =
          (x[o * n + k] - mean) / std::sqrt(var + eps) * param_at(scale, c.scale_dims, norm_dims, k) +
          (has_bias ? param_at(bias, c.bias_dims, norm_dims, k) : 0.f);
      want[o * n + k] = static_cast<float>(y);
    }
  }
  KernelHarness h(layer_norm(c.axis, eps));
  h.add_input(desc(c.dims), bytes_of(x));
  h.add_input(desc(c.scale_dims), bytes_of(scale), c.constant_params);
  if (has_bias) h.add_input(desc(c.bias_dims), bytes_of(bias), c.constant_params);
  h.add_output();
  auto kernel = make_layer_norm_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(h.output_desc(0).dims, c.dims);
  EXPECT_EQ(h.output_desc(0).layout, Layout::kPlain);
  h.run();
  expect_close(h.output<float>(0), want);
}

TEST(LayerNorm, LastAxis) {
  for (bool constant : {true, false}) {
    check({{2, 5, 16}, 2, {16}, {16}, constant});
    check({{2, 5, 16}, 2, {1, 1, 16}, {16}, constant});
    check({{3, 16}, 1, {16}, {}, constant});
  }
}

TEST(LayerNorm, TrailingDimsCollapsed) {
  for (bool constant : {true, false}) {
    check({{2, 3, 4, 5}, 1, {3, 4, 5}, {3, 4, 5}, constant});
    check({{2, 6, 8}, 1, {6, 8}, {}, constant});
    check({{4, 6, 8}, 0, {4, 6, 8}, {4, 6, 8}, constant});
  }
}

TEST(LayerNorm, BroadcastParameters) {
  for (bool constant : {true, false}) {
    check({{2, 3, 4, 5}, 1, {5}, {4, 1}, constant});
    check({{2, 6, 8}, 1, {1}, {6, 1}, constant});
    check({{2, 6, 8}, 1, {8}, {8}, constant});
  }
}

TEST(LayerNorm, RejectsParameterNotBroadcastable) {
  KernelHarness h(layer_norm(2, 1e-5f), "ln");
  h.add_input(desc({2, 3, 4}, DType::kF32, Layout::kPlain, "x"), bytes_of(std::vector<float>(24)));
  h.add_input(desc({3}, DType::kF32, Layout::kPlain, "gamma"), bytes_of(std::vector<float>(3)), true);
  h.add_output();
  auto kernel = make_layer_norm_kernel();
  const Status s = h.prepare(*kernel);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(),
            "node 'ln' (LayerNorm): input 1 'gamma' has dims [3], expected dims broadcastable to the "
            "normalized dims [4]");
}

}  // namespace
}  // namespace saturn::testing
