#include "saturn/c_api.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/runtime/model_builder.h"

namespace saturn {
namespace {

using testing::ModelBuilder;

// x [2, 2] -> Relu -> y; a constant output c [3] s32.
std::vector<uint8_t> relu_model() {
  ModelBuilder b;
  const int x = b.add_input("x", {2, 2});
  const int y = b.add_tensor("y", {2, 2});
  const int c = b.add_constant<int32_t>("c", {3}, fb::DType::S32, {7, -8, 9});
  b.add_unary("relu", x, y, fb::ActivationKind::Relu);
  b.add_output(y);
  b.add_output(c);
  return b.finish();
}

TEST(CApi, LoadCreateInspectRun) {
  const auto bytes = relu_model();
  const std::string path = ::testing::TempDir() + "/saturn_c_api_test_" + std::to_string(::getpid()) + ".saturn";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  saturn_model* model = nullptr;
  ASSERT_EQ(saturn_model_load(path.c_str(), &model), SATURN_OK) << saturn_last_error();
  std::remove(path.c_str());
  ASSERT_NE(model, nullptr);

  saturn_session* session = nullptr;
  ASSERT_EQ(saturn_session_create(model, 1, &session), SATURN_OK) << saturn_last_error();
  saturn_model_destroy(model);  // the session keeps the model alive

  ASSERT_EQ(saturn_session_input_count(session), 1u);
  ASSERT_EQ(saturn_session_output_count(session), 2u);
  EXPECT_STREQ(saturn_session_input_name(session, 0), "x");
  EXPECT_STREQ(saturn_session_output_name(session, 0), "y");
  EXPECT_STREQ(saturn_session_output_name(session, 1), "c");
  EXPECT_EQ(saturn_session_input_name(session, 1), nullptr);
  EXPECT_EQ(saturn_session_input_dtype(session, 0), SATURN_DTYPE_F32);
  EXPECT_EQ(saturn_session_output_dtype(session, 1), SATURN_DTYPE_S32);
  EXPECT_EQ(saturn_session_output_dtype(session, 2), -1);
  EXPECT_EQ(saturn_session_input_bytes(session, 0), 16u);
  EXPECT_EQ(saturn_session_output_bytes(session, 1), 12u);
  const int64_t* dims = nullptr;
  size_t rank = 0;
  ASSERT_EQ(saturn_session_input_dims(session, 0, &dims, &rank), SATURN_OK);
  ASSERT_EQ(rank, 2u);
  EXPECT_EQ(dims[0], 2);
  EXPECT_EQ(dims[1], 2);
  EXPECT_EQ(saturn_session_output_dims(session, 5, &dims, &rank), SATURN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(saturn_last_error(), "saturn_session_output_dims: no output 5 (or session is NULL)");

  const float x[4] = {-1.f, 2.f, -3.f, 4.f};
  float y[4] = {};
  int32_t c[3] = {};
  const void* inputs[] = {x};
  void* outputs[] = {y, c};
  ASSERT_EQ(saturn_session_run(session, inputs, 1, outputs, 2), SATURN_OK) << saturn_last_error();
  EXPECT_EQ(y[0], 0.f);
  EXPECT_EQ(y[1], 2.f);
  EXPECT_EQ(y[2], 0.f);
  EXPECT_EQ(y[3], 4.f);
  EXPECT_EQ(c[0], 7);
  EXPECT_EQ(c[1], -8);
  EXPECT_EQ(c[2], 9);

  EXPECT_EQ(saturn_session_run(session, inputs, 1, outputs, 1), SATURN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(saturn_last_error(), "run: expected 2 outputs, got 1");
  saturn_session_destroy(session);
}

TEST(CApi, LoadErrors) {
  saturn_model* model = reinterpret_cast<saturn_model*>(0x1);
  EXPECT_EQ(saturn_model_load("/nonexistent/x.saturn", &model), SATURN_ERROR_LOAD);
  EXPECT_EQ(model, nullptr);
  EXPECT_STREQ(saturn_last_error(), "cannot open model '/nonexistent/x.saturn': No such file or directory");

  auto bytes = relu_model();
  bytes[4] = 'N';
  bytes[5] = 'O';
  bytes[6] = 'P';
  bytes[7] = 'E';
  EXPECT_EQ(saturn_model_load_bytes(bytes.data(), bytes.size(), &model), SATURN_ERROR_LOAD);
  EXPECT_STREQ(saturn_last_error(), "model '<memory>': wrong file identifier 'NOPE', expected 'STRN' (not a Saturn model)");

  EXPECT_EQ(saturn_model_load(nullptr, &model), SATURN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(saturn_last_error(), "saturn_model_load: path or model is NULL");
  saturn_model_destroy(nullptr);
  saturn_session_destroy(nullptr);
}

TEST(CApi, SessionErrors) {
  ModelBuilder b;
  const int x = b.add_input("x", {2});
  const int y = b.add_tensor("y", {3});  // Identity infers [2]
  b.add_identity("copy", x, y);
  b.add_output(y);
  const auto bytes = b.finish();
  saturn_model* model = nullptr;
  ASSERT_EQ(saturn_model_load_bytes(bytes.data(), bytes.size(), &model), SATURN_OK) << saturn_last_error();
  saturn_session* session = nullptr;
  EXPECT_EQ(saturn_session_create(model, 0, &session), SATURN_ERROR_SESSION);
  EXPECT_EQ(session, nullptr);
  EXPECT_STREQ(saturn_last_error(),
               "node 'copy' (Identity): output 0 'y' has inferred dims [2], expected [3] as stored in the model");
  EXPECT_EQ(saturn_session_create(model, -2, &session), SATURN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(saturn_last_error(), "saturn_session_create: threads is -2, expected >= 0");
  EXPECT_EQ(saturn_session_run(nullptr, nullptr, 0, nullptr, 0), SATURN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(saturn_session_input_count(nullptr), 0u);
  saturn_model_destroy(model);
}

TEST(CApi, LastErrorIsPerThread) {
  saturn_model* model = nullptr;
  ASSERT_EQ(saturn_model_load("/nonexistent/main.saturn", &model), SATURN_ERROR_LOAD);
  std::string other;
  std::thread t([&] {
    saturn_model* m = nullptr;
    EXPECT_EQ(saturn_model_load("/nonexistent/thread.saturn", &m), SATURN_ERROR_LOAD);
    other = saturn_last_error();
  });
  t.join();
  EXPECT_EQ(other, "cannot open model '/nonexistent/thread.saturn': No such file or directory");
  EXPECT_STREQ(saturn_last_error(), "cannot open model '/nonexistent/main.saturn': No such file or directory");
}

}  // namespace
}  // namespace saturn
