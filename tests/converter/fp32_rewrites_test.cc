// Converter rewrites that keep the FP32 result (passes.h): residual Adds fused into Convs
// (fuse_residual_adds) and spatial ReduceMean as GlobalAveragePool (mean_as_global_pool); the
// rewritten models compute what the ONNX graphs say (checked against plain C++ loops).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "saturn/session.h"
#include "tests/converter/quant_test_util.h"
#include "tests/ops/fp32_reference.h"

namespace saturn::converter::testing {
namespace {

using saturn::testing::conv2d;
using saturn::testing::Tensor4;
using saturn::testing::Window2d;

Tensor4 relu(Tensor4 t) {
  for (float& v : t.data) v = std::max(v, 0.f);
  return t;
}

TEST(ResidualFusion, Fp32ModelFusesTheAddIntoTheConv) {
  const std::string onnx = residual_block_model().save("residual_fusion_fp32.onnx");
  auto bytes = convert_onnx_file(onnx, {});
  ASSERT_TRUE(bytes) << bytes.status().message();
  auto model = Model::from_bytes(bytes.value());
  ASSERT_TRUE(model) << model.status().message();
  Int8Model m{bytes.value(), model.value(), {}};
  EXPECT_EQ(m.ops(), (std::vector<std::string>{"Conv", "Conv", "Conv"}));
  const fb::Node* fused = m.node("conv2");
  ASSERT_NE(fused, nullptr);
  ASSERT_EQ(fused->inputs()->size(), 4u);
  EXPECT_EQ(m.input(fused, 3)->name()->str(), "r1");
  EXPECT_EQ(fused->op_as_Conv()->activation()->kind(), fb::ActivationKind::Relu);

  // The weights as residual_block_model() makes them.
  const std::vector<float> x = random_values(64, 41);
  const std::vector<float> w1 = random_values(144, 7, 0.f, 0.2f), w2 = random_values(16, 8, 0.f, 0.5f);
  const std::vector<float> b2 = {0.1f, 0.2f, 0.3f, 0.4f}, w3 = random_values(8, 9, 0.f, 0.5f);
  const Window2d three{{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, one{{1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}};
  const Tensor4 r1 = relu(conv2d({x, {1, 4, 4, 4}}, w1, {}, 4, 1, three));
  Tensor4 s = conv2d(r1, w2, b2, 4, 1, one);
  for (size_t i = 0; i < s.data.size(); ++i) s.data[i] += r1.data[i];
  const Tensor4 want = conv2d(relu(s), w3, {}, 2, 1, one);

  auto session = Session::create(m.model);
  ASSERT_TRUE(session) << session.status().message();
  std::vector<float> y(want.data.size());
  const void* in[] = {x.data()};
  void* out[] = {y.data()};
  const Status st = session.value()->run(in, out);
  ASSERT_TRUE(st) << st.message();
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], want.data[i], 1e-4f) << "at " << i;
}

// ReduceMean over dims 2, 3 of a rank-4 tensor runs as GlobalAveragePool (+ Flatten without
// keepdims); over another axis it stays a ReduceMean.
TEST(MeanAsGlobalPool, SpatialMeanBecomesGlobalAveragePool) {
  for (const int64_t keepdims : {0, 1}) {
    OnnxBuilder b(13);
    b.input("x", {2, 3, 4, 5}).output("y").output("z");
    auto& spatial = b.node("ReduceMean", {"x"}, {"y"}, "spatial_mean");
    OnnxBuilder::attr(spatial, "axes", std::vector<int64_t>{-1, 2});
    OnnxBuilder::attr(spatial, "keepdims", keepdims);
    OnnxBuilder::attr(b.node("ReduceMean", {"x"}, {"z"}, "channel_mean"), "axes", std::vector<int64_t>{1});
    auto bytes = convert_onnx_file(b.save("mean_as_global_pool.onnx"), {});
    ASSERT_TRUE(bytes) << bytes.status().message();
    auto model = Model::from_bytes(bytes.value());
    ASSERT_TRUE(model) << model.status().message();
    const Int8Model m{bytes.value(), model.value(), {}};
    EXPECT_EQ(m.ops(), keepdims ? (std::vector<std::string>{"GlobalPool", "ReduceMean"})
                                : (std::vector<std::string>{"GlobalPool", "Flatten", "ReduceMean"}));

    const std::vector<float> x = random_values(120, 51);
    auto session = Session::create(m.model);
    ASSERT_TRUE(session) << session.status().message();
    std::vector<float> y(6), z(40);
    const void* in[] = {x.data()};
    void* out[] = {y.data(), z.data()};
    ASSERT_TRUE(session.value()->run(in, out));
    EXPECT_EQ(session.value()->outputs()[0].dims, keepdims ? (std::vector<int64_t>{2, 3, 1, 1}) : (std::vector<int64_t>{2, 3}));
    for (size_t nc = 0; nc < 6; ++nc) {
      double sum = 0;
      for (size_t i = 0; i < 20; ++i) sum += x[nc * 20 + i];
      EXPECT_NEAR(y[nc], sum / 20, 1e-5) << "at " << nc;
    }
  }
}

}  // namespace
}  // namespace saturn::converter::testing
