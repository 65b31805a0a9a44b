#include "tools/common/batch_run.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "converter/convert.h"
#include "saturn/model.h"
#include "saturn/session.h"

namespace saturn::tools {
namespace {

npy::Array filled(std::vector<int64_t> dims, float start, DType dtype = DType::kF32) {
  npy::Array a;
  a.dims = std::move(dims);
  std::vector<float> v(static_cast<size_t>(a.elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<float>(i);
  a = npy::Array::from_floats(a.dims, v);
  if (dtype != DType::kF32) {
    a.dtype = dtype;
    a.data.assign(static_cast<size_t>(a.elements()) * dtype_size(dtype), 0);
  }
  return a;
}

std::vector<TensorInfo> two_inputs() {
  return {TensorInfo{"x", {2, 3}, DType::kF32}, TensorInfo{"y", {2, 3}, DType::kF32}};
}

TEST(BindInputs, MatchesByNameInModelOrder) {
  std::vector<NamedInput> given = {{"y", filled({2, 3}, 10)}, {"x", filled({2, 3}, 0)}};
  auto b = bind_inputs(two_inputs(), given);
  ASSERT_TRUE(b) << b.status().message();
  EXPECT_EQ(b->batches, 1);
  EXPECT_EQ(b->arrays[0], &given[1].array);
  EXPECT_EQ(b->arrays[1], &given[0].array);
}

TEST(BindInputs, CountsBatchesFromTheFirstDim) {
  std::vector<NamedInput> given = {{"x", filled({6, 3}, 0)}, {"y", filled({6, 3}, 0)}};
  auto b = bind_inputs(two_inputs(), given);
  ASSERT_TRUE(b) << b.status().message();
  EXPECT_EQ(b->batches, 3);
}

TEST(BindInputs, UnnamedInputNeedsASingleInputModel) {
  std::vector<NamedInput> one = {{"", filled({2, 3}, 0)}};
  auto ok = bind_inputs({TensorInfo{"data", {2, 3}, DType::kF32}}, one);
  ASSERT_TRUE(ok) << ok.status().message();
  auto bad = bind_inputs(two_inputs(), one);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().message(),
            "an input without a name needs a single-input model; this model has 2 inputs ('x', 'y'): use --input "
            "NAME=FILE.npy");
}

TEST(BindInputs, ReportsUnknownMissingAndDuplicateInputs) {
  std::vector<NamedInput> unknown = {{"z", filled({2, 3}, 0)}};
  auto a = bind_inputs(two_inputs(), unknown);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.status().message(), "input 'z' is not an input of the model (expected one of 'x', 'y')");

  std::vector<NamedInput> missing = {{"x", filled({2, 3}, 0)}};
  auto b = bind_inputs(two_inputs(), missing);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.status().message(), "input 'y' (dims [2, 3], f32) is not given");

  std::vector<NamedInput> twice = {{"x", filled({2, 3}, 0)}, {"x", filled({2, 3}, 0)}};
  auto c = bind_inputs(two_inputs(), twice);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.status().message(), "input 'x' is given more than once");
}

TEST(BindInputs, ReportsDtypeAndShapeMismatches) {
  std::vector<NamedInput> dtype = {{"x", filled({2, 3}, 0, DType::kS64)}, {"y", filled({2, 3}, 0)}};
  auto a = bind_inputs(two_inputs(), dtype);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.status().message(), "input 'x': expected dtype f32 ('<f4'), found s64 ('<i8')");

  std::vector<NamedInput> dim = {{"x", filled({2, 4}, 0)}, {"y", filled({2, 3}, 0)}};
  auto b = bind_inputs(two_inputs(), dim);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.status().message(),
            "input 'x': expected dims [2, 3] (or the first dim a multiple of 2), found [2, 4]: dim 1 differs");

  std::vector<NamedInput> rank = {{"x", filled({6}, 0)}, {"y", filled({2, 3}, 0)}};
  auto c = bind_inputs(two_inputs(), rank);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.status().message(),
            "input 'x': expected dims [2, 3] (or the first dim a multiple of 2), found [6]: rank differs");

  std::vector<NamedInput> partial = {{"x", filled({3, 3}, 0)}, {"y", filled({3, 3}, 0)}};
  auto d = bind_inputs(two_inputs(), partial);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.status().message(),
            "input 'x': expected dims [2, 3] (or the first dim a multiple of 2), found [3, 3]: dim 0 is not a positive "
            "multiple of the model's");
}

TEST(BindInputs, EveryInputMustHoldTheSameBatchCount) {
  std::vector<NamedInput> given = {{"x", filled({4, 3}, 0)}, {"y", filled({6, 3}, 0)}};
  auto b = bind_inputs(two_inputs(), given);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.status().message(),
            "input 'y' holds 3 batches but input 'x' holds 2; every input must hold the same number of batches");
}

TEST(OutputFileName, ReplacesSlashesAndColons) {
  EXPECT_EQ(output_file_name("y"), "y.npy");
  EXPECT_EQ(output_file_name("/model/conv1/Relu:0"), "_model_conv1_Relu_0.npy");
}

// End to end through the converter and the runtime: ONNX's test_add ([3, 4, 5] + [3, 4, 5]) run on
// two batches at once.
TEST(RunBatches, RunsEveryBatchAndConcatenatesOutputs) {
  std::string onnx = "/usr/share/libonnx-testdata/data/node/test_add/model.onnx";
  auto bytes = converter::convert_onnx_file(onnx, {});
  ASSERT_TRUE(bytes) << bytes.status().message();
  auto model = Model::from_bytes(*bytes, "test_add");
  ASSERT_TRUE(model) << model.status().message();
  auto session = Session::create(*model);
  ASSERT_TRUE(session) << session.status().message();

  std::vector<NamedInput> given = {{"x", filled({6, 4, 5}, 0)}, {"y", filled({6, 4, 5}, 1000)}};
  auto bound = bind_inputs((*session)->inputs(), given);
  ASSERT_TRUE(bound) << bound.status().message();
  ASSERT_EQ(bound->batches, 2);
  std::vector<int64_t> nanos;
  auto out = run_batches(**session, *bound, &nanos);
  ASSERT_TRUE(out) << out.status().message();
  ASSERT_EQ(nanos.size(), 2u);
  EXPECT_GE(nanos[0], 0);
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].dims, (std::vector<int64_t>{6, 4, 5}));
  std::vector<float> sum = npy::to_floats((*out)[0]);
  ASSERT_EQ(sum.size(), 120u);
  for (size_t i = 0; i < sum.size(); ++i) ASSERT_EQ(sum[i], 1000.0f + 2.0f * static_cast<float>(i)) << i;
}

}  // namespace
}  // namespace saturn::tools
