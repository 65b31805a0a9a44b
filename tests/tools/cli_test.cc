// Runs the saturn-run and saturn-inspect executables as a user would, on ONNX's test_add model
// converted in-process, and checks their exit codes, messages and files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "tests/tools/run_command.h"
#include "saturn/version.h"
#include "tools/common/npy.h"

namespace saturn::tools {
namespace {

using testing::Ran;
using testing::run;

std::string tool(const char* name) { return testing::tool_path(name); }

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One folder per test and process: ctest runs the tests of this binary in parallel.
    dir_ = ::testing::TempDir() + "/saturn_cli_test_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" + std::to_string(getpid());
    ASSERT_EQ(run("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "'").code, 0);
    auto bytes = converter::convert_onnx_file("/usr/share/libonnx-testdata/data/node/test_add/model.onnx", {});
    ASSERT_TRUE(bytes) << bytes.status().message();
    model_ = dir_ + "/add.saturn";
    std::ofstream(model_, std::ios::binary).write(reinterpret_cast<const char*>(bytes->data()),
                                                  static_cast<std::streamsize>(bytes->size()));
    std::vector<float> x(60), y(60);
    for (size_t i = 0; i < 60; ++i) x[i] = static_cast<float>(i), y[i] = 0.5f;
    ASSERT_TRUE(npy::write(dir_ + "/x.npy", npy::Array::from_floats({3, 4, 5}, x)).is_ok());
    ASSERT_TRUE(npy::write(dir_ + "/y.npy", npy::Array::from_floats({3, 4, 5}, y)).is_ok());
  }
  void TearDown() override { run("rm -rf '" + dir_ + "'"); }
  std::string dir_, model_;
};

TEST_F(CliTest, RunWritesFloatOutputs) {
  Ran r = run(tool("saturn-run") + " " + model_ + " --input x=" + dir_ + "/x.npy --input y=" + dir_ +
              "/y.npy --output-dir " + dir_ + "/out --threads 1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("output 'sum' [3, 4, 5]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ran 1 batch(es): first "), std::string::npos) << r.output;
  auto sum = npy::read(dir_ + "/out/sum.npy");
  ASSERT_TRUE(sum) << sum.status().message();
  EXPECT_EQ(sum->dtype, DType::kF32);
  std::vector<float> v = npy::to_floats(*sum);
  ASSERT_EQ(v.size(), 60u);
  for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], static_cast<float>(i) + 0.5f);
}

TEST_F(CliTest, RunUsageErrorsExitTwo) {
  EXPECT_EQ(run(tool("saturn-run")).code, 2);
  Ran r = run(tool("saturn-run") + " " + model_ + " --input x=" + dir_ + "/x.npy");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("no --output-dir given"), std::string::npos) << r.output;
  EXPECT_EQ(run(tool("saturn-run") + " " + model_ + " --bogus").code, 2);
  EXPECT_EQ(run(tool("saturn-run") + " " + model_ + " --input x.npy --output-dir d --threads many").code, 2);
}

TEST_F(CliTest, RunErrorsExitOneWithTheMessage) {
  Ran missing = run(tool("saturn-run") + " " + dir_ + "/nope.saturn --input " + dir_ + "/x.npy --output-dir " + dir_);
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.output.find("nope.saturn"), std::string::npos) << missing.output;

  Ran unnamed = run(tool("saturn-run") + " " + model_ + " --input " + dir_ + "/x.npy --output-dir " + dir_ + "/o");
  EXPECT_EQ(unnamed.code, 1);
  EXPECT_NE(unnamed.output.find("needs a single-input model"), std::string::npos) << unnamed.output;

  ASSERT_TRUE(npy::write(dir_ + "/bad.npy", npy::Array::from_floats({3, 4, 6}, std::vector<float>(72))).is_ok());
  Ran shape = run(tool("saturn-run") + " " + model_ + " --input x=" + dir_ + "/bad.npy --input y=" + dir_ +
                  "/y.npy --output-dir " + dir_ + "/o");
  EXPECT_EQ(shape.code, 1);
  EXPECT_NE(shape.output.find("input 'x': expected dims [3, 4, 5]"), std::string::npos) << shape.output;
  EXPECT_NE(shape.output.find("found [3, 4, 6]"), std::string::npos) << shape.output;
}

TEST_F(CliTest, InspectPrintsModelAndPlan) {
  Ran r = run(tool("saturn-inspect") + " " + model_);
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string version = "schema version: " + std::to_string(kSchemaVersion);
  for (const std::string& expected :
       std::vector<std::string>{version, "inputs (2):", "  x  F32 [3, 4, 5]", "outputs (1):", "  sum  F32 [3, 4, 5]",
                                "nodes (1):", "Binary", "Add", "total weight bytes: 0", "execution steps (", "arena: "}) {
    EXPECT_NE(r.output.find(expected), std::string::npos) << "missing '" << expected << "' in:\n" << r.output;
  }
  EXPECT_EQ(run(tool("saturn-inspect")).code, 2);
  EXPECT_EQ(run(tool("saturn-inspect") + " " + dir_ + "/x.npy").code, 1);
}

}  // namespace
}  // namespace saturn::tools
