// Calibration through the runtime: batch invariance, NaN/Inf errors, the calibration cache.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "converter/calibrate/calib_cache.h"
#include "converter/sha256.h"
#include "tests/converter/quant_test_util.h"

namespace saturn::converter::testing {
namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// x [B,3,8,8] -> Conv 3x3 (4 ch, Relu) -> Conv 1x1 (4 ch) -> Add(conv2, relu1) -> GlobalAveragePool
// -> Flatten -> Gemm (2) -> y. The batch dim is dynamic, fixed by --input-shape.
std::string small_cnn(const std::string& file) {
  OnnxBuilder b(13);
  b.input("x", {-1, 3, 8, 8}).output("y");
  b.floats("w1", {4, 3, 3, 3}, random_values(4 * 27, 1, 0.f, 0.3f)).floats("b1", {4}, {0.1f, -0.2f, 0.f, 0.3f});
  b.floats("w2", {4, 4, 1, 1}, random_values(16, 2, 0.f, 0.5f)).floats("b2", {4}, {0.f, 0.1f, 0.f, -0.1f});
  b.floats("fc", {4, 2}, random_values(8, 3)).floats("fcb", {2}, {0.5f, -0.5f});
  auto& c1 = b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1");
  OnnxBuilder::attr(c1, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  b.node("Conv", {"r1", "w2", "b2"}, {"c2"}, "conv2");
  b.node("Add", {"c2", "r1"}, {"s"}, "add");
  b.node("GlobalAveragePool", {"s"}, {"g"}, "gap");
  b.node("Flatten", {"g"}, {"f"}, "flatten");
  b.node("Gemm", {"f", "fc", "fcb"}, {"y"}, "fc");
  return b.save(file);
}

ConvertOptions with_batch(int64_t batch) {
  ConvertOptions o;
  o.input_shapes["x"] = {batch, 3, 8, 8};
  return o;
}

TEST(Calibration, Batch1AndBatch32GiveIdenticalRanges) {
  const std::string onnx = small_cnn("calib_batch.onnx");
  const calibrate::CalibrationInput data{"x", {64, 3, 8, 8}, random_values(64 * 3 * 64, 11)};
  std::string caches[2];
  const int64_t batches[2] = {1, 32};
  for (int i = 0; i < 2; ++i) {
    ConvertOptions o = with_batch(batches[i]);
    caches[i] = ::testing::TempDir() + "/calib_batch_" + std::to_string(batches[i]) + ".cache";
    std::remove(caches[i].c_str());
    o.int8.cache_path = caches[i];
    int64_t last_total = 0;
    o.int8.progress = [&](int64_t, int64_t total) { last_total = total; };
    auto m = convert_int8(onnx, {data}, o);
    ASSERT_TRUE(m) << m.status().message();
    EXPECT_TRUE(m->report.cache_written);
    EXPECT_EQ(last_total, 64 / batches[i]);
  }
  const std::string a = read_text(caches[0]), b = read_text(caches[1]);
  ASSERT_FALSE(a.empty());
  // The histograms do not depend on the batching, so the thresholds are identical. min and max are
  // the exact extremes of what the runtime computed, and oneDNN's FP32 Gemm sums in a different
  // order for M = 1 than for M = 32, so they may differ in the last bits (seen: 1 ulp on 'y').
  calibrate::CacheKey key{"", {}};
  {
    std::ifstream f(caches[0]);
    std::string line;
    std::getline(f, line);
    std::getline(f, line);
    key.source_sha256 = line.substr(line.find(' ') + 1);
  }
  auto r1 = calibrate::read_cache(caches[0], key), r32 = calibrate::read_cache(caches[1], key);
  ASSERT_TRUE(r1 && r32);
  ASSERT_EQ(r1->size(), r32->size());
  EXPECT_EQ(r1->size(), 7u);  // x, c2, r1, s, g, f, y
  for (const auto& [name, r] : r1.value()) {
    ASSERT_TRUE(r32->count(name)) << name;
    const calibrate::TensorRange& q = r32->at(name);
    EXPECT_EQ(r.t_s8, q.t_s8) << name;
    EXPECT_EQ(r.t_u8, q.t_u8) << name;
    EXPECT_NEAR(r.min, q.min, 1e-6f * std::fabs(r.min)) << name;
    EXPECT_NEAR(r.max, q.max, 1e-6f * std::fabs(r.max)) << name;
    EXPECT_GT(r.t_s8, 0.f) << name;
  }
  // The names in the cache are the IR's ONNX names.
  EXPECT_TRUE(contains(a, " x\n"));
  EXPECT_TRUE(contains(a, " y\n"));
  EXPECT_TRUE(contains(a, " s\n"));
}

TEST(Calibration, PartialLastBatchIsAnError) {
  const std::string onnx = small_cnn("calib_partial.onnx");
  auto m = convert_int8(onnx, {{"x", {40, 3, 8, 8}, random_values(40 * 192, 5)}}, with_batch(32));
  ASSERT_FALSE(m);
  EXPECT_TRUE(contains(m.status().message(), "40 samples is not a multiple of the model's batch size 32"))
      << m.status().message();
}

TEST(Calibration, NanInCalibrationInputNamesInputAndBatch) {
  const std::string onnx = small_cnn("calib_nan.onnx");
  std::vector<float> v = random_values(64 * 192, 5);
  v[3 * 8 * 192 + 17] = std::nanf("");  // sample 24: batch 1 at batch size 16
  auto m = convert_int8(onnx, {{"x", {64, 3, 8, 8}, v}}, with_batch(16));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.status().message(), "calibration batch 1 (samples 16..31): graph input 'x' holds NaN or Inf");
}

TEST(Calibration, InfInsideTheModelNamesTensorNodeAndBatch) {
  OnnxBuilder b(13);
  b.input("x", {2, 4}).output("y");
  b.floats("zero", {1}, {0.f}).floats("w", {4, 4}, random_values(16, 9));
  b.node("MatMul", {"x", "w"}, {"m"}, "mm");
  b.node("Div", {"m", "zero"}, {"y"}, "div");
  auto m = convert_int8(b.save("calib_inf.onnx"), {{"x", {4, 4}, random_values(16, 2)}}, {});
  ASSERT_FALSE(m);
  EXPECT_EQ(m.status().message(),
            "calibration batch 0 (samples 0..1): tensor 'y' (produced by node 'div' (Div)) holds NaN or Inf");
}

TEST(CalibrationCache, RoundTripSkipsTheCalibrationRuns) {
  const std::string onnx = small_cnn("calib_cache.onnx");
  const std::string cache = ::testing::TempDir() + "/calib_cache_rt.cache";
  std::remove(cache.c_str());
  ConvertOptions o = with_batch(8);
  o.int8.cache_path = cache;
  auto first = convert_int8(onnx, {{"x", {16, 3, 8, 8}, random_values(16 * 192, 21)}}, o);
  ASSERT_TRUE(first) << first.status().message();
  EXPECT_TRUE(first->report.cache_written);
  EXPECT_FALSE(first->report.ranges_from_cache);
  // Second run: no calibration data at all; the ranges come from the cache.
  o.int8.load_calibration = []() -> Result<std::vector<calibrate::CalibrationInput>> {
    return Status::error("calibration data must not be loaded when the cache exists");
  };
  auto second = convert_int8(onnx, {}, o);
  ASSERT_TRUE(second) << second.status().message();
  EXPECT_TRUE(second->report.ranges_from_cache);
  EXPECT_EQ(first->bytes, second->bytes);

  // The cache's values read back exactly.
  std::ifstream f(onnx, std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  calibrate::CacheKey key{sha256_hex({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()}), {}};
  auto ranges = calibrate::read_cache(cache, key);
  ASSERT_TRUE(ranges) << ranges.status().message();
  const std::string copy = ::testing::TempDir() + "/calib_cache_copy.cache";
  ASSERT_TRUE(calibrate::write_cache(copy, key, ranges.value()));
  EXPECT_EQ(read_text(copy), read_text(cache));
  EXPECT_GT(ranges->at("x").t_s8, 0.f);
  EXPECT_LT(ranges->at("x").min, 0.f);
}

TEST(CalibrationCache, RefusesAnotherModelOrMethod) {
  const std::string onnx = small_cnn("calib_cache_a.onnx");
  const std::string cache = ::testing::TempDir() + "/calib_cache_mismatch.cache";
  std::remove(cache.c_str());
  ConvertOptions o = with_batch(4);
  o.int8.cache_path = cache;
  const calibrate::CalibrationInput data{"x", {8, 3, 8, 8}, random_values(8 * 192, 4)};
  ASSERT_TRUE(convert_int8(onnx, {data}, o));

  // Another model (one weight differs): different sha256.
  OnnxBuilder b(13);
  b.input("x", {-1, 3, 8, 8}).output("y");
  b.floats("w", {2, 3, 1, 1}, {1, 2, 3, 4, 5, 6});
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  auto other = convert_int8(b.save("calib_cache_b.onnx"), {data}, o);
  ASSERT_FALSE(other);
  EXPECT_TRUE(contains(other.status().message(), "was made for a different model: its source sha256 is"))
      << other.status().message();

  o.int8.ranges.method = calibrate::Method::kMax;
  auto method = convert_int8(onnx, {data}, o);
  ASSERT_FALSE(method);
  EXPECT_TRUE(contains(method.status().message(), "was made with calibration method 'entropy', this run uses 'max'"))
      << method.status().message();
}

}  // namespace
}  // namespace saturn::converter::testing
