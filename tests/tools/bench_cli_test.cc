// Runs the saturn-bench executable as a user would, on a small conv model converted in-process to
// FP32 and to INT8, and checks exit codes, messages and the --json file (parsed by Python's json
// module). Timings are never asserted, only that they are there and positive.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "tests/tools/run_command.h"
#include "tools/common/npy.h"
#include "tests/converter/onnx_builder.h"

namespace saturn::tools {
namespace {

using testing::Ran;
using testing::run;

const std::string kBench = testing::tool_path("saturn-bench");

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<float> pattern(size_t n, float scale) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * static_cast<float>(static_cast<int>((i * 37) % 17) - 8) / 8.f;
  return v;
}

class BenchCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One folder per test and process: ctest runs the tests of this binary in parallel.
    dir_ = ::testing::TempDir() + "/saturn_bench_cli_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" + std::to_string(getpid());
    ASSERT_EQ(run("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "'").code, 0);
    // x [2, 8, 12, 12] -> Conv 3x3 (16, pad 1) -> Relu -> Conv 1x1 (8) -> y: batch 2.
    converter::testing::OnnxBuilder b;
    b.input("x", {2, 8, 12, 12}).output("y");
    b.floats("w1", {16, 8, 3, 3}, pattern(16 * 8 * 9, 0.2f)).floats("b1", {16}, pattern(16, 0.1f));
    b.floats("w2", {8, 16, 1, 1}, pattern(8 * 16, 0.3f)).floats("b2", {8}, pattern(8, 0.1f));
    auto& c1 = b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1");
    converter::testing::OnnxBuilder::attr(c1, "pads", std::vector<int64_t>{1, 1, 1, 1});
    b.node("Relu", {"c1"}, {"r1"}, "relu1");
    b.node("Conv", {"r1", "w2", "b2"}, {"y"}, "conv2");
    const std::string onnx_path = dir_ + "/m.onnx";
    {
      std::ofstream f(onnx_path, std::ios::binary);
      ASSERT_TRUE(b.model().SerializeToOstream(&f));
    }
    auto fp32 = converter::convert_onnx_file(onnx_path, {});
    ASSERT_TRUE(fp32) << fp32.status().message();
    fp32_ = dir_ + "/m.saturn";
    write(fp32_, *fp32);

    converter::ConvertOptions o;
    o.int8.enabled = true;
    o.int8.load_calibration = []() -> Result<std::vector<calibrate::CalibrationInput>> {
      std::vector<calibrate::CalibrationInput> data;
      for (int s = 0; s < 2; ++s) data.push_back({"x", {2, 8, 12, 12}, pattern(2 * 8 * 12 * 12, 1.f + s)});
      return data;
    };
    auto int8 = converter::convert_onnx_file(onnx_path, o);
    ASSERT_TRUE(int8) << int8.status().message();
    int8_ = dir_ + "/m.int8.saturn";
    write(int8_, *int8);
  }
  void TearDown() override { run("rm -rf '" + dir_ + "'"); }
  static void write(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  std::string dir_, fp32_, int8_;
};

TEST_F(BenchCliTest, ReportsLatencyThroughputAndMemory) {
  Ran r = run(kBench + " " + fp32_ + " --threads 1 --warmup 1 --iters 3");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* expected : {"threads 1, oneDNN ISA ", "1 warmup + 3 timed runs per model", "A: " , "batch 2, ",
                               "load+prepare ", "arena ", "peak RSS ", "latency over 3 runs: p50 ", " p90 ", " p99 ",
                               "samples/s (batch / p50)"}) {
    EXPECT_TRUE(contains(r.output, expected)) << "missing '" << expected << "' in:\n" << r.output;
  }
  EXPECT_FALSE(contains(r.output, "\r")) << "progress drawn although stderr is not a terminal:\n" << r.output;
  EXPECT_FALSE(contains(r.output, "per-step profile")) << r.output;

  Ran timed = run(kBench + " " + fp32_ + " --warmup 0 --min-time 0.05");
  ASSERT_EQ(timed.code, 0) << timed.output;
  EXPECT_TRUE(contains(timed.output, "0 warmup + ")) << timed.output;
}

TEST_F(BenchCliTest, VsProfileAndJson) {
  const std::string json = dir_ + "/out.json";
  Ran r = run(kBench + " " + int8_ + " --vs " + fp32_ + " --threads 1 --warmup 1 --iters 4 --profile --json " + json);
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* expected : {"A and B interleaved (A B A B ...)", "A: ", "B: ", "× faster than ",
                               "median(B) / median(A) = ", "p10–p90 of the 4 per-pair ratios B/A", "profile of A (",
                               "profile of B (", "per-step profile (", "conv1", "conv2", "reorders: ",
                               "quantize/dequantize: ", "MACs in INT8: ", "of run() wall time", "top ",
                               "oneDNN ISA: ", "wrote "}) {
    EXPECT_TRUE(contains(r.output, expected)) << "missing '" << expected << "' in:\n" << r.output;
  }
  // The INT8 model runs its convolutions in INT8, the FP32 one in f32.
  EXPECT_TRUE(contains(r.output, "MACs in INT8: 100.00%")) << r.output;
  EXPECT_TRUE(contains(r.output, "MACs in INT8: 0.00%")) << r.output;

  const std::string check = R"PY(
import json, sys
d = json.load(open(sys.argv[1]))
def pos(x, what):
    assert isinstance(x, (int, float)) and x > 0, what + " = " + repr(x)
assert d["tool"] == "saturn-bench" and isinstance(d["isa"], str) and d["isa"]
assert d["threads"] == 1 and d["profiled"] is True
assert len(d["models"]) == 2
for m in d["models"]:
    for k in ["p50_ms", "p90_ms", "p99_ms", "throughput", "load_ms", "arena_bytes", "peak_rss_bytes"]:
        pos(m[k], k)
    assert m["batch"] == 2 and m["iterations"] == 4 and len(m["samples_ms"]) == 4
    for s in m["samples_ms"]: pos(s, "sample")
    assert m["p50_ms"] <= m["p90_ms"] <= m["p99_ms"]
assert d["models"][0]["int8_steps"] > 0 and d["models"][1]["int8_steps"] == 0
r = d["ratio"]
pos(r["median_ratio"], "ratio"); pos(r["pair_p10"], "p10"); pos(r["pair_p90"], "p90")
assert r["pairs"] == 4 and r["pair_p10"] <= r["pair_p90"] and r["a"].endswith("m.int8.saturn")
rows = d["profile"]
assert {row["model"] for row in rows} == {0, 1}
for row in rows:
    for k in ["index", "name", "op", "impl", "dtype", "macs", "median_ms", "share", "gmacs"]: assert k in row, k
    assert 0 <= row["share"] <= 1 and row["median_ms"] >= 0
convs = [row for row in rows if row["op"] == "Conv"]
assert len(convs) == 4
for row in convs: pos(row["macs"], "macs"); pos(row["gmacs"], "gmacs")
assert {row["dtype"] for row in convs if row["model"] == 0} <= {"u8", "s8"}
assert {row["dtype"] for row in convs if row["model"] == 1} == {"f32"}
assert len(d["profile_summary"]) == 2
s0, s1 = d["profile_summary"]
assert s0["int8_mac_share"] == 1 and s1["int8_mac_share"] == 0 and s0["qdq_steps"] >= 1, (s0, s1)
for s in (s0, s1): pos(s["coverage"], "coverage"); pos(s["wall_ms"], "wall"); assert 1 <= len(s["top"]) <= 10
print("JSON OK")
)PY";
  {
    std::ofstream(dir_ + "/check.py") << check;
  }
  Ran parsed = run("/usr/bin/python3 " + dir_ + "/check.py " + json);
  EXPECT_EQ(parsed.code, 0) << parsed.output;
  EXPECT_TRUE(contains(parsed.output, "JSON OK")) << parsed.output;
}

TEST_F(BenchCliTest, WarnsAboutSaturationWithoutVnni) {
  // ONEDNN_MAX_CPU_ISA=AVX2 makes oneDNN dispatch as on a CPU without VNNI.
  Ran r = run("ONEDNN_MAX_CPU_ISA=AVX2 " + kBench + " " + int8_ + " --warmup 0 --iters 1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "oneDNN ISA avx2 (VNNI no)")) << r.output;
  for (const char* expected : {"warning: A (", "has no VNNI", "can saturate at 16 bits", "exact kernels only",
                               "INT8 MAC steps run on a \"ref\" kernel"}) {
    EXPECT_TRUE(contains(r.output, expected)) << "missing '" << expected << "' in:\n" << r.output;
  }
  Ran fp32 = run("ONEDNN_MAX_CPU_ISA=AVX2 " + kBench + " " + fp32_ + " --warmup 0 --iters 1");
  ASSERT_EQ(fp32.code, 0) << fp32.output;
  EXPECT_FALSE(contains(fp32.output, "warning")) << fp32.output;
}

TEST_F(BenchCliTest, BatchMustMatchTheConvertedModel) {
  Ran wrong = run(kBench + " " + fp32_ + " --batch 1 --iters 1");
  EXPECT_EQ(wrong.code, 2) << wrong.output;
  EXPECT_TRUE(contains(wrong.output, "was converted for batch 2 (its first input 'x' has dims [2, 8, 12, 12])"))
      << wrong.output;
  EXPECT_TRUE(contains(wrong.output, "Saturn models have fixed shapes")) << wrong.output;
  Ran right = run(kBench + " " + fp32_ + " --batch 2 --warmup 0 --iters 1");
  EXPECT_EQ(right.code, 0) << right.output;
}

TEST_F(BenchCliTest, UsageErrorsExitTwoAndLoadErrorsOne) {
  EXPECT_EQ(run(kBench).code, 2);
  EXPECT_EQ(run(kBench + " --help").code, 0);
  Ran both = run(kBench + " " + fp32_ + " --iters 3 --min-time 1");
  EXPECT_EQ(both.code, 2);
  EXPECT_TRUE(contains(both.output, "not both")) << both.output;
  EXPECT_TRUE(contains(both.output, "usage: saturn-bench")) << both.output;
  EXPECT_EQ(run(kBench + " " + fp32_ + " --bogus").code, 2);
  EXPECT_EQ(run(kBench + " " + fp32_ + " --threads many").code, 2);
  EXPECT_EQ(run(kBench + " " + fp32_ + " --iters 0").code, 2);
  EXPECT_EQ(run(kBench + " " + fp32_ + " --min-time -1").code, 2);
  EXPECT_EQ(run(kBench + " " + fp32_ + " --vs").code, 2);
  EXPECT_EQ(run(kBench + " " + fp32_ + " extra.saturn").code, 2);

  Ran missing = run(kBench + " " + dir_ + "/nope.saturn --iters 1");
  EXPECT_EQ(missing.code, 1);
  EXPECT_TRUE(contains(missing.output, "nope.saturn")) << missing.output;
  Ran missing_b = run(kBench + " " + fp32_ + " --vs " + dir_ + "/nope_b.saturn --iters 1");
  EXPECT_EQ(missing_b.code, 1);
  EXPECT_TRUE(contains(missing_b.output, "nope_b.saturn")) << missing_b.output;
  Ran unwritable = run(kBench + " " + fp32_ + " --warmup 0 --iters 1 --json " + dir_ + "/no/such/dir/out.json");
  EXPECT_EQ(unwritable.code, 1);
  EXPECT_TRUE(contains(unwritable.output, "cannot write")) << unwritable.output;
}

// The same model through saturn-convert's INT8 products: --weight-range, --report and --emit-qdq
// write what they say, and a report without calibration data is a usage error.
TEST_F(BenchCliTest, ConvertWritesReportAndQdqExport) {
  ASSERT_TRUE(npy::write(dir_ + "/calib.npy", npy::Array::from_floats({4, 8, 12, 12}, pattern(4 * 8 * 12 * 12, 1.f))).is_ok());
  const std::string convert = testing::tool_path("saturn-convert") + " " + dir_ + "/m.onnx -o " + dir_ + "/q.saturn";
  Ran r = run(convert + " --int8 --calib " + dir_ + "/calib.npy --weight-range reduced --report " + dir_ +
              "/r.html --emit-qdq " + dir_ + "/q.onnx");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "weights: reduced range (7 bits)")) << r.output;
  EXPECT_TRUE(contains(r.output, "check: output 'y' on the calibration data: INT8 vs FP32 SQNR ")) << r.output;
  std::ifstream html(dir_ + "/r.html");
  const std::string page((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(contains(page, "<svg")) << "no histogram in the report";
  EXPECT_TRUE(contains(page, "r1")) << "the Relu output is not in the report";
  EXPECT_TRUE(std::ifstream(dir_ + "/q.onnx").good());
  Ran bad = run(convert + " --int8 --calib-cache " + dir_ + "/none.cache --report " + dir_ + "/r2.html");
  EXPECT_EQ(bad.code, 2) << bad.output;
  EXPECT_TRUE(contains(bad.output, "--report")) << bad.output;
  Ran range = run(convert + " --int8 --calib " + dir_ + "/calib.npy --weight-range half");
  EXPECT_EQ(range.code, 2) << range.output;
  EXPECT_TRUE(contains(range.output, "bad --weight-range 'half'")) << range.output;
}

}  // namespace
}  // namespace saturn::tools
