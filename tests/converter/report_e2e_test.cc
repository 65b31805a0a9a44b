// The --report path end to end: a small CNN converted to INT8 with a report, the page's contents,
// and the comparison's numbers checked against independent runs of the written models.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "converter/calibrate/collector.h"
#include "converter/calibrate/ranges.h"
#include "converter/onnx_import.h"
#include "converter/passes/passes.h"
#include "converter/report/compare.h"
#include "converter/writer.h"
#include "saturn/session.h"
#include "tests/converter/quant_test_util.h"

namespace saturn::converter::testing {
namespace {

// x [4,3,8,8] -> Conv 3x3 (8) -> Relu -> MaxPool 2x2 = p (also a graph output) -> Conv 1x1 (8)
// -> Add(., p) -> Relu -> GlobalAveragePool -> Flatten -> Gemm (5) = y
std::string small_cnn(const std::string& file) {
  OnnxBuilder b(13);
  b.input("x", {4, 3, 8, 8}).output("y").output("p");
  b.floats("w1", {8, 3, 3, 3}, random_values(8 * 27, 11, 0.f, 0.3f)).floats("b1", {8}, random_values(8, 12, 0.f, 0.1f));
  b.floats("w2", {8, 8, 1, 1}, random_values(64, 13, 0.f, 0.3f)).floats("b2", {8}, random_values(8, 14, 0.f, 0.1f));
  b.floats("fc", {5, 8}, random_values(40, 15, 0.f, 0.5f)).floats("fcb", {5}, random_values(5, 16, 0.f, 0.1f));
  OnnxBuilder::attr(b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1"), "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  auto& mp = b.node("MaxPool", {"r1"}, {"p"}, "pool");
  OnnxBuilder::attr(mp, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(mp, "strides", std::vector<int64_t>{2, 2});
  b.node("Conv", {"p", "w2", "b2"}, {"c2"}, "conv2");
  b.node("Add", {"c2", "p"}, {"s"}, "add");
  b.node("Relu", {"s"}, {"sr"}, "relu2");
  b.node("GlobalAveragePool", {"sr"}, {"g"}, "gap");
  OnnxBuilder::attr(b.node("Flatten", {"g"}, {"f"}, "flatten"), "axis", int64_t{1});
  OnnxBuilder::attr(b.node("Gemm", {"f", "fc", "fcb"}, {"y"}, "fc"), "transB", int64_t{1});
  return b.save(file);
}

constexpr int64_t kSamples = 16;
std::vector<calibrate::CalibrationInput> calibration_data() {
  return {{"x", {kSamples, 3, 8, 8}, random_values(kSamples * 192, 77)}};
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The converter's INT8 path, step by step, so a test can see each stage: `onnx` imported and
// simplified (fp32), calibrated on `data` with `ranges`, quantized (int8, quant), and compared.
struct Compared {
  ir::Graph fp32, int8;
  QuantMap quant;
  report::Comparison comparison;
};

void quantize_and_compare(const std::string& onnx, const std::vector<calibrate::CalibrationInput>& data,
                          const calibrate::RangeOptions& ranges, Compared& out) {
  auto model = read_onnx_file(onnx);
  ASSERT_TRUE(model) << model.status().message();
  auto graph = import_onnx_model(std::move(model.value()), ConvertOptions{}, onnx);
  ASSERT_TRUE(graph) << graph.status().message();
  ASSERT_TRUE(run_passes(*graph));
  auto hist = calibrate::collect_histograms(*graph, data, {});
  ASSERT_TRUE(hist) << hist.status().message();
  out.fp32 = *graph;
  out.int8 = std::move(*graph);
  auto q = quantize_graph(out.int8, calibrate::compute_ranges(hist.value(), ranges), {});
  ASSERT_TRUE(q) << q.status().message();
  out.quant = std::move(q->quant);
  auto c = report::compare_int8_with_fp32(out.fp32, out.int8, out.quant, data);
  ASSERT_TRUE(c) << c.status().message();
  out.comparison = std::move(c.value());
}

// SQNR in dB of `values` against their s8 quantization with scale alpha (rounding to nearest).
double rounding_sqnr_db(const std::vector<float>& values, float alpha) {
  double signal = 0, noise = 0;
  for (float v : values) {
    const double r = alpha * std::clamp(std::nearbyint(v / alpha), -127.f, 127.f);
    signal += double(v) * v;
    noise += (v - r) * (v - r);
  }
  return 10 * std::log10(signal / noise);
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) ++n;
  return n;
}

// Runs `bytes` over the data in batches of 4 and returns output `name` of every batch, concatenated.
std::vector<float> run_all(const std::vector<uint8_t>& bytes, const std::vector<float>& x, const std::string& name) {
  auto model = Model::from_bytes(bytes);
  EXPECT_TRUE(model) << model.status().message();
  auto session = Session::create(model.value());
  EXPECT_TRUE(session) << session.status().message();
  Session& s = *session.value();
  std::vector<std::vector<float>> outs;
  std::vector<void*> ptrs;
  size_t index = 0;
  for (size_t i = 0; i < s.outputs().size(); ++i) {
    outs.emplace_back(s.outputs()[i].bytes() / sizeof(float));
    ptrs.push_back(outs.back().data());
    if (s.outputs()[i].name == name) index = i;
  }
  std::vector<float> all;
  const size_t per_batch = x.size() / (kSamples / 4);
  for (int64_t b = 0; b < kSamples / 4; ++b) {
    const void* in[] = {x.data() + b * per_batch};
    Status st = s.run(in, ptrs);
    EXPECT_TRUE(st) << st.message();
    all.insert(all.end(), outs[index].begin(), outs[index].end());
  }
  return all;
}

TEST(ReportEndToEnd, ConvertWritesThePage) {
  const std::string onnx = small_cnn("report_e2e.onnx");
  const std::string page_path = ::testing::TempDir() + "/report_e2e.html";
  std::filesystem::remove(page_path);
  ConvertOptions options;
  options.int8.report_path = page_path;
  auto m = convert_int8(onnx, calibration_data(), options);
  ASSERT_TRUE(m) << m.status().message();
  ASSERT_TRUE(std::filesystem::exists(page_path));
  const std::string page = read_text(page_path);
  // One section per quantized activation tensor of the written model (S8/U8 runtime tensors).
  size_t activations = 0;
  for (const auto* t : *m->graph().tensors())
    activations += t->buffer() == 0 && (t->dtype() == fb::DType::S8 || t->dtype() == fb::DType::U8);
  ASSERT_GT(activations, 4u);
  EXPECT_EQ(count(page, "<section class=\"tensor"), activations);
  EXPECT_EQ(count(page, "<svg"), activations);  // every one has a calibration histogram
  EXPECT_EQ(count(page, "<section class=\"tensor worst\""), 5u);
  const size_t list = page.find("<ol class=\"worst-list\">");
  ASSERT_NE(list, std::string::npos);
  EXPECT_EQ(count(page.substr(list, page.find("</ol>", list) - list), "<li"), 5u);
  EXPECT_NE(page.find("<code>y</code>"), std::string::npos);
  EXPECT_NE(page.find("<code>p</code>"), std::string::npos);
  EXPECT_EQ(count(page, "no FP32 counterpart"), 0u);
  EXPECT_EQ(count(page, "n/a"), 0u);
  // The report does not change the model.
  auto plain = convert_int8(onnx, calibration_data(), {});
  ASSERT_TRUE(plain) << plain.status().message();
  EXPECT_EQ(plain->bytes, m->bytes);
}

TEST(ReportEndToEnd, ComparisonMatchesIndependentRuns) {
  const std::string onnx = small_cnn("report_compare.onnx");
  const auto data = calibration_data();
  calibrate::RangeOptions ro;
  ro.max_method_tensors = {"x"};
  Compared r;
  ASSERT_NO_FATAL_FAILURE(quantize_and_compare(onnx, data, ro, r));
  const report::Comparison* c = &r.comparison;
  EXPECT_EQ(c->samples, kSamples);
  EXPECT_EQ(c->batch, 4);

  // Every quantized activation found its FP32 counterpart: the Quantize output of x, the renamed
  // graph output p ("p_int8" read by a Dequantize) and the Conv with the fused Add and Relu, which
  // produces "sr" (the Relu's output once fused into the Add).
  const auto names = report::quantized_activations(r.int8, r.quant);
  EXPECT_EQ(c->tensors.size(), names.size());
  std::map<std::string, std::string> fp32_of;
  for (const auto& [n, tc] : c->tensors) fp32_of[tc.fp32_name] = n;
  ASSERT_TRUE(fp32_of.count("x"));
  ASSERT_TRUE(fp32_of.count("p"));
  EXPECT_EQ(fp32_of["p"], "p_int8");
  EXPECT_EQ(fp32_of["sr"], "sr");

  // x's Quantize: T = max|x| (no clipping), so the noise is the rounding error alone; a
  // half-way tie may round either way in the kernel (1 LSB), which moves the result by far less
  // than 0.01 dB here.
  const double x_db = rounding_sqnr_db(data[0].values, r.quant.at(fp32_of["x"]).scale[0]);
  EXPECT_NEAR(c->tensors.at(fp32_of["x"]).sqnr.db(), x_db, 0.01);
  EXPECT_GT(x_db, 30.0);  // 8-bit rounding of a Gaussian at T = max|x|: about 36 dB

  // Graph outputs: the same SQNR as the FP32 and INT8 models run on their own.
  auto fp32_bytes = convert_onnx_file(onnx, {});
  ASSERT_TRUE(fp32_bytes) << fp32_bytes.status().message();
  auto int8_bytes = write_saturn_model(r.int8, "", &r.quant);
  ASSERT_TRUE(int8_bytes) << int8_bytes.status().message();
  ASSERT_EQ(c->outputs.size(), 2u);
  for (const auto& oc : c->outputs) {
    const auto ref = run_all(fp32_bytes.value(), data[0].values, oc.name);
    const auto got = run_all(int8_bytes.value(), data[0].values, oc.name);
    ASSERT_EQ(ref.size(), got.size());
    report::SqnrAccumulator own;
    own.add(ref, got);
    EXPECT_NEAR(oc.sqnr.db(), own.db(), 1e-9) << oc.name;
    EXPECT_EQ(oc.sqnr.count(), ref.size());
    const int64_t last = oc.dims.back();
    EXPECT_EQ(oc.top1.rows(), ref.size() / last) << oc.name;
    std::printf("output %s: SQNR %.2f dB, top-1 agreement %.1f%%\n", oc.name.c_str(), oc.sqnr.db(), 100 * oc.top1.rate());
  }
  for (const auto& [n, tc] : c->tensors) {
    std::printf("tensor %s (fp32 %s): %.2f dB\n", n.c_str(), tc.fp32_name.c_str(), tc.sqnr.db());
    EXPECT_TRUE(std::isfinite(tc.sqnr.db())) << n;
  }
}

TEST(ReportEndToEnd, NeedsCalibrationDataAlsoWithACache) {
  const std::string onnx = small_cnn("report_cache.onnx");
  const std::string cache = ::testing::TempDir() + "/report_cache.txt";
  const std::string page_path = ::testing::TempDir() + "/report_cache.html";
  std::filesystem::remove(cache);
  std::filesystem::remove(page_path);
  ConvertOptions options;
  options.int8.cache_path = cache;
  auto first = convert_int8(onnx, calibration_data(), options);  // writes the cache
  ASSERT_TRUE(first) << first.status().message();
  ASSERT_TRUE(first->report.cache_written);

  // Cache and calibration data: the ranges come from the cache, the report from the data.
  options.int8.report_path = page_path;
  auto second = convert_int8(onnx, calibration_data(), options);
  ASSERT_TRUE(second) << second.status().message();
  EXPECT_TRUE(second->report.ranges_from_cache);
  EXPECT_GT(count(read_text(page_path), "<section class=\"tensor"), 0u);

  // Cache only: a clear error.
  options.int8.enabled = true;
  auto third = convert_onnx_file(onnx, options);
  ASSERT_FALSE(third);
  EXPECT_NE(third.status().message().find("--report needs calibration data (--calib)"), std::string::npos)
      << third.status().message();
}

}  // namespace
}  // namespace saturn::converter::testing

namespace saturn::converter::testing {
namespace {

// A Quantize whose output has H = 1 (as PP-OCR rec's pooled [1, 480, 1, 40] feature map): its
// SQNR must be the rounding SQNR of the data at T = max|x|.
TEST(ReportEndToEnd, QuantizeOfAFlatFeatureMap) {
  OnnxBuilder b(13);
  b.input("x", {1, 16, 3, 80}).output("y");
  b.floats("w", {8, 16, 1, 1}, random_values(128, 21, 0.f, 0.3f));
  auto& ap = b.node("AveragePool", {"x"}, {"a"}, "pool");
  OnnxBuilder::attr(ap, "kernel_shape", std::vector<int64_t>{3, 2});
  OnnxBuilder::attr(ap, "strides", std::vector<int64_t>{3, 2});
  b.node("Tanh", {"a"}, {"s"}, "sig");  // FP32, so the Conv reads s through a Quantize
  b.node("Conv", {"s", "w"}, {"y"}, "conv");
  const std::string onnx = b.save("report_flat.onnx");
  const std::vector<calibrate::CalibrationInput> data = {{"x", {4, 16, 3, 80}, random_values(4 * 16 * 240, 31)}};
  calibrate::RangeOptions ro;
  ro.method = calibrate::Method::kMax;
  Compared r;
  ASSERT_NO_FATAL_FAILURE(quantize_and_compare(onnx, data, ro, r));
  const report::Comparison* c = &r.comparison;
  ASSERT_TRUE(c->tensors.count("s_quantized"));
  const float alpha = r.quant.at("s_quantized").scale[0];
  // The FP32 values of s, from the FP32 model with s as its output.
  ir::Graph fs = r.fp32;
  fs.outputs = {"s"};
  auto bytes = write_saturn_model(fs, "");
  ASSERT_TRUE(bytes);
  std::vector<float> s_all;
  for (int64_t i = 0; i < 4; ++i) {
    auto m = Model::from_bytes(bytes.value());
    auto session = Session::create(m.value());
    std::vector<float> out(16 * 40);
    const void* in[] = {data[0].values.data() + i * 16 * 240};
    void* outs[] = {out.data()};
    ASSERT_TRUE(session.value()->run(in, outs));
    s_all.insert(s_all.end(), out.begin(), out.end());
  }
  EXPECT_EQ(r.int8.find("s_quantized")->dtype, ir::ElemType::kInt8);
  EXPECT_NEAR(c->tensors.at("s_quantized").sqnr.db(), rounding_sqnr_db(s_all, alpha), 0.01);
}

}  // namespace
}  // namespace saturn::converter::testing
