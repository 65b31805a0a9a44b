// Converter rewrites that keep the FP32 result (passes.h): residual Adds fused into Convs
// (fuse_residual_adds), spatial ReduceMean as GlobalAveragePool (mean_as_global_pool), zero Pads
// into Conv and AveragePool pads (fold_pads) and ShuffleNet's channel shuffle as ChannelShuffle
// (fuse_channel_shuffles) and GELU written out in Erf as one activation (gelu_pattern.cc); the
// rewritten models compute what the ONNX graphs say (checked against plain C++ loops).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "converter/onnx_import.h"
#include "saturn/session.h"
#include "tests/converter/quant_test_util.h"
#include "tests/ops/fp32_reference.h"

namespace saturn::converter::testing {
namespace {

using saturn::testing::conv2d;
using saturn::testing::pool2d;
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

// x [1, 2, 5, 6] zero-padded by 1 row on top, 2 columns left, 2 rows below and 1 column right
// (by loops here, as ONNX Pad defines it), then a stride-2 3x3 Conv with pads of its own, and a
// 2x2 AveragePool: both run with the Pad folded into their pads.
TEST(PadFolding, ConvAndAveragePoolComputeThePaddedInput) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 5, 6}).output("y").output("z");
  const std::vector<float> w = random_values(36, 71, 0.f, 0.5f), bias = {0.25f, -0.5f};
  b.floats("w", {2, 2, 3, 3}, w).floats("b", {2}, bias).ints("pads", {8}, {0, 0, 1, 2, 0, 0, 2, 1});
  b.node("Pad", {"x", "pads"}, {"p1"});
  auto& conv = b.node("Conv", {"p1", "w", "b"}, {"y"});
  OnnxBuilder::attr(conv, "pads", std::vector<int64_t>{1, 0, 0, 1});
  OnnxBuilder::attr(conv, "strides", std::vector<int64_t>{2, 2});
  b.node("Pad", {"x", "pads"}, {"p2"});
  auto& pool = b.node("AveragePool", {"p2"}, {"z"});
  OnnxBuilder::attr(pool, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(pool, "strides", std::vector<int64_t>{2, 2});
  auto bytes = convert_onnx_file(b.save("pad_folding.onnx"), {});
  ASSERT_TRUE(bytes) << bytes.status().message();
  auto model = Model::from_bytes(bytes.value());
  ASSERT_TRUE(model) << model.status().message();
  const Int8Model m{bytes.value(), model.value(), {}};
  EXPECT_EQ(m.ops(), (std::vector<std::string>{"Conv", "Pool"}));

  const std::vector<float> x = random_values(60, 72);
  Tensor4 padded{std::vector<float>(2 * 8 * 9, 0.f), {1, 2, 8, 9}};
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t h = 0; h < 5; ++h)
      for (int64_t v = 0; v < 6; ++v) padded.data[(c * 8 + h + 1) * 9 + v + 2] = x[(c * 5 + h) * 6 + v];
  const Tensor4 want_y = conv2d(padded, w, bias, 2, 1, {{3, 3}, {2, 2}, {1, 1}, {1, 0}, {0, 1}});
  const Tensor4 want_z = pool2d(padded, false, false, false, {{2, 2}, {2, 2}, {1, 1}, {0, 0}, {0, 0}});
  ASSERT_EQ(want_y.dims, (std::vector<int64_t>{1, 2, 4, 4}));
  ASSERT_EQ(want_z.dims, (std::vector<int64_t>{1, 2, 4, 4}));

  auto session = Session::create(m.model);
  ASSERT_TRUE(session) << session.status().message();
  std::vector<float> y(want_y.data.size()), z(want_z.data.size());
  const void* in[] = {x.data()};
  void* out[] = {y.data(), z.data()};
  const Status st = session.value()->run(in, out);
  ASSERT_TRUE(st) << st.message();
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], want_y.data[i], 1e-4f) << "y at " << i;
  for (size_t i = 0; i < z.size(); ++i) EXPECT_NEAR(z[i], want_z.data[i], 1e-5f) << "z at " << i;
}

// A ShuffleNetV2 unit: x [1, 8, 4, 4] -> 1x1 conv + Relu -> shuffle (2 groups) -> channels 0-3 kept,
// channels 4-7 through a 1x1 conv + Relu -> Concat = y.
OnnxBuilder shufflenet_unit_model() {
  OnnxBuilder b(13);
  b.input("x", {1, 8, 4, 4}).output("y");
  b.floats("w1", {8, 8, 1, 1}, random_values(64, 61, 0.f, 0.5f)).floats("w2", {4, 4, 1, 1}, random_values(16, 62, 0.f, 0.5f));
  b.ints("split", {5}, {1, 2, 4, 4, 4}).ints("back", {4}, {1, 8, 4, 4});
  b.ints("c0", {1}, {0}).ints("c4", {1}, {4}).ints("c8", {1}, {8}).ints("axis1", {1}, {1});
  b.node("Conv", {"x", "w1"}, {"c"}, "conv1");
  b.node("Relu", {"c"}, {"r"});
  b.node("Reshape", {"r", "split"}, {"s"}, "shuffle");
  OnnxBuilder::attr(b.node("Transpose", {"s"}, {"t"}), "perm", std::vector<int64_t>{0, 2, 1, 3, 4});
  b.node("Reshape", {"t", "back"}, {"sh"});
  b.node("Slice", {"sh", "c0", "c4", "axis1"}, {"kept"}, "first_half");
  b.node("Slice", {"sh", "c4", "c8", "axis1"}, {"half"}, "second_half");
  b.node("Conv", {"half", "w2"}, {"c2"}, "conv2");
  b.node("Relu", {"c2"}, {"r2"});
  OnnxBuilder::attr(b.node("Concat", {"kept", "r2"}, {"y"}), "axis", int64_t{1});
  return b;
}

// y of shufflenet_unit_model() for x, by plain loops.
std::vector<float> shufflenet_unit(const std::vector<float>& x) {
  const Window2d one{{1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}};
  const Tensor4 r = relu(conv2d({x, {1, 8, 4, 4}}, random_values(64, 61, 0.f, 0.5f), {}, 8, 1, one));
  Tensor4 shuffled = r;
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 2; ++j)
      std::copy_n(r.data.begin() + (j * 4 + i) * 16, 16, shuffled.data.begin() + (i * 2 + j) * 16);
  const Tensor4 half{{shuffled.data.begin() + 64, shuffled.data.end()}, {1, 4, 4, 4}};
  const Tensor4 r2 = relu(conv2d(half, random_values(16, 62, 0.f, 0.5f), {}, 4, 1, one));
  std::vector<float> y(shuffled.data.begin(), shuffled.data.begin() + 64);
  y.insert(y.end(), r2.data.begin(), r2.data.end());
  return y;
}

// 10 log10(sum want^2 / sum (got - want)^2).
double sqnr_db(const std::vector<float>& want, const std::vector<float>& got) {
  double signal = 0, noise = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    signal += double{want[i]} * want[i];
    noise += (double{got[i]} - want[i]) * (double{got[i]} - want[i]);
  }
  return 10 * std::log10(signal / noise);
}

// The number of `op` nodes in an ONNX model.
int count_ops(const onnx::ModelProto& model, const std::string& op) {
  int n = 0;
  for (const auto& node : model.graph().node()) n += node.op_type() == op;
  return n;
}

// The model's one output (`y_size` floats) for its one input x.
std::vector<float> run_model(const Int8Model& m, const std::vector<float>& x, size_t y_size) {
  auto session = Session::create(m.model);
  EXPECT_TRUE(session) << session.status().message();
  if (!session) return {};
  std::vector<float> y(y_size);
  const void* in[] = {x.data()};
  void* out[] = {y.data()};
  const Status st = session.value()->run(in, out);
  EXPECT_TRUE(st) << st.message();
  return y;
}

TEST(ChannelShuffle, Fp32ShuffleNetUnitRunsTheShuffleAsOneOp) {
  auto bytes = convert_onnx_file(shufflenet_unit_model().save("channel_shuffle_fp32.onnx"), {});
  ASSERT_TRUE(bytes) << bytes.status().message();
  auto model = Model::from_bytes(bytes.value());
  ASSERT_TRUE(model) << model.status().message();
  const Int8Model m{bytes.value(), model.value(), {}};
  EXPECT_EQ(m.ops(), (std::vector<std::string>{"Conv", "ChannelShuffle", "Slice", "Slice", "Conv", "Concat"}));
  const std::vector<float> x = random_values(128, 63);
  const std::vector<float> want = shufflenet_unit(x), y = run_model(m, x, want.size());
  ASSERT_EQ(y.size(), want.size());
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], want[i], 1e-4f) << "at " << i;
}

// In INT8 the shuffle moves u8 data with its input's scale; the QDQ export, written before the
// fusion, keeps the standard ops.
TEST(ChannelShuffle, Int8ShuffleNetUnitShufflesU8Data) {
  const std::string onnx = shufflenet_unit_model().save("channel_shuffle_int8.onnx");
  ConvertOptions options;
  options.int8.qdq_path = ::testing::TempDir() + "channel_shuffle_qdq.onnx";
  auto m = convert_int8(onnx, {samples("x", {16, 8, 4, 4}, 64)}, options);
  ASSERT_TRUE(m) << m.status().message();
  const fb::Node* shuffle = m->node("shuffle");
  ASSERT_NE(shuffle, nullptr);
  EXPECT_EQ(shuffle->op_type(), fb::Op::ChannelShuffle);
  EXPECT_EQ(m->input(shuffle, 0)->dtype(), fb::DType::U8);
  EXPECT_EQ(m->output(shuffle)->dtype(), fb::DType::U8);
  EXPECT_EQ(scale_of(m->output(shuffle)), scale_of(m->input(shuffle, 0)));
  const std::vector<float> x = random_values(128, 63);
  const std::vector<float> want = shufflenet_unit(x), y = run_model(*m, x, want.size());
  ASSERT_EQ(y.size(), want.size());
  EXPECT_GT(sqnr_db(want, y), 30.0) << "INT8 vs FP32 SQNR in dB";
  auto qdq = read_onnx_file(options.int8.qdq_path);
  ASSERT_TRUE(qdq) << qdq.status().message();
  EXPECT_EQ(count_ops(*qdq, "Transpose"), 1);
}

// A transformer MLP on 6 tokens of 8 features: GELU (written out as x * (Erf(x / sqrt(2)) + 1) *
// 0.5) of the input, standalone, then MatMul, Add bias and GELU in torch's order (fused into the
// Add), then MatMul.
OnnxBuilder gelu_mlp_model() {
  OnnxBuilder b(13);
  b.input("x", {1, 6, 8}).output("y");
  b.floats("w1", {8, 16}, random_values(128, 71, 0.f, 0.4f)).floats("b1", {16}, random_values(16, 72, 0.f, 0.1f));
  b.floats("w2", {16, 4}, random_values(64, 73, 0.f, 0.3f));
  b.floats("sqrt2", {}, {1.41421354f}).floats("one", {}, {1.f}).floats("half", {}, {0.5f});
  auto gelu = [&b](const std::string& in, const std::string& out, bool torch_order) {
    b.node("Div", {in, "sqrt2"}, {out + "_s"}, out + "_div");
    b.node("Erf", {out + "_s"}, {out + "_e"}, out + "_erf");
    b.node("Add", {out + "_e", "one"}, {out + "_a"}, out + "_add");
    if (torch_order) {
      b.node("Mul", {in, out + "_a"}, {out + "_xa"}, out + "_mul_x");
      b.node("Mul", {out + "_xa", "half"}, {out}, out + "_mul_half");
    } else {
      b.node("Mul", {out + "_a", "half"}, {out + "_ah"}, out + "_mul_half");
      b.node("Mul", {in, out + "_ah"}, {out}, out + "_mul_x");
    }
  };
  gelu("x", "g0", false);
  b.node("MatMul", {"g0", "w1"}, {"m1"}, "fc1");
  b.node("Add", {"m1", "b1"}, {"h"}, "fc1_bias");
  gelu("h", "g1", true);
  b.node("MatMul", {"g1", "w2"}, {"y"}, "fc2");
  return b;
}

std::vector<float> gelu_mlp(const std::vector<float>& x) {
  const auto gelu = [](double v) { return static_cast<float>(v * (1 + std::erf(v / std::sqrt(2.0))) / 2); };
  const std::vector<float> w1 = random_values(128, 71, 0.f, 0.4f), b1 = random_values(16, 72, 0.f, 0.1f);
  const std::vector<float> w2 = random_values(64, 73, 0.f, 0.3f);
  std::vector<float> y(6 * 4, 0.f);
  for (int t = 0; t < 6; ++t) {
    std::vector<float> h(16);
    for (int j = 0; j < 16; ++j) {
      double s = b1[j];
      for (int i = 0; i < 8; ++i) s += double{gelu(x[t * 8 + i])} * w1[i * 16 + j];
      h[j] = gelu(s);
    }
    for (int k = 0; k < 4; ++k) {
      double s = 0;
      for (int j = 0; j < 16; ++j) s += double{h[j]} * w2[j * 4 + k];
      y[t * 4 + k] = static_cast<float>(s);
    }
  }
  return y;
}

TEST(GeluPattern, Fp32MlpRunsGeluStandaloneAndFused) {
  auto bytes = convert_onnx_file(gelu_mlp_model().save("gelu_mlp.onnx"), {});
  ASSERT_TRUE(bytes) << bytes.status().message();
  auto model = Model::from_bytes(bytes.value());
  ASSERT_TRUE(model) << model.status().message();
  const Int8Model m{bytes.value(), model.value(), {}};
  ASSERT_EQ(m.ops(), (std::vector<std::string>{"Unary", "MatMul", "Binary", "MatMul"}));
  EXPECT_EQ(m.node("g0_mul_x")->op_as_Unary()->activation()->kind(), fb::ActivationKind::Gelu);
  EXPECT_EQ(m.node("fc1_bias")->op_as_Binary()->activation()->kind(), fb::ActivationKind::Gelu);
  const std::vector<float> x = random_values(48, 74, 0.f, 1.5f);
  const std::vector<float> want = gelu_mlp(x), y = run_model(m, x, want.size());
  ASSERT_EQ(y.size(), want.size());
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], want[i], 1e-4f) << "at " << i;
}

// In INT8 both GELUs stay FP32 (the MatMuls run INT8); the QDQ export writes them out in Erf again.
TEST(GeluPattern, Int8MlpAndItsQdqExport) {
  ConvertOptions options;
  options.int8.qdq_path = ::testing::TempDir() + "gelu_mlp_qdq.onnx";
  auto m = convert_int8(gelu_mlp_model().save("gelu_mlp_int8.onnx"), {samples("x", {16, 6, 8}, 75)}, options);
  ASSERT_TRUE(m) << m.status().message();
  const std::vector<float> x = random_values(48, 74, 0.f, 1.f);
  const std::vector<float> want = gelu_mlp(x), y = run_model(*m, x, want.size());
  ASSERT_EQ(y.size(), want.size());
  EXPECT_GT(sqnr_db(want, y), 30.0) << "INT8 vs FP32 SQNR in dB";
  auto qdq = read_onnx_file(options.int8.qdq_path);
  ASSERT_TRUE(qdq) << qdq.status().message();
  EXPECT_EQ(count_ops(*qdq, "Erf"), 2);
}

}  // namespace
}  // namespace saturn::converter::testing
