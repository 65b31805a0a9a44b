// SessionOptions::threads reaches every kernel, oneDNN's convolutions included: oneDNN fixes a
// primitive's thread count when the session creates it, so a session of one thread once ran its
// convolutions on the process default (two threads here) while run() asked for one.
//
// Each check runs in a fresh process (a gtest death test, "threadsafe" style: the binary re-run for
// this test alone), where no OpenMP thread exists yet; the process then counts its threads in
// /proc/self/task and exits with that count.
#include <dirent.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include <gtest/gtest.h>

#include "saturn/session.h"
#include "tests/runtime/model_builder.h"

namespace saturn {
namespace {

using testing::ModelBuilder;

int threads_of_this_process() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int count = 0;
  while (const dirent* e = readdir(dir))
    if (e->d_name[0] != '.') ++count;
  closedir(dir);
  return count;
}

// x [1, 16, 32, 32] -> Conv 3x3, 16 -> 16 channels, pads 1 -> y: large enough for oneDNN to split.
ModelBuilder conv_model() {
  ModelBuilder b;
  const int x = b.add_input("x", {1, 16, 32, 32});
  const int w = b.add_constant<float>("w", {16, 16, 3, 3}, fb::DType::F32, std::vector<float>(16 * 16 * 9, 0.01f));
  const int y = b.add_tensor("y", {1, 16, 32, 32});
  b.add_node("conv", [](flatbuffers::FlatBufferBuilder& fbb) {
    auto two = [&](int v) { return fbb.CreateVector(std::vector<int32_t>{v, v}); };
    auto pads = fbb.CreateVector(std::vector<int32_t>{1, 1, 1, 1});
    return std::make_pair(fb::Op::Conv, fb::CreateConv(fbb, two(3), two(1), two(1), pads, 1).Union());
  }, {x, w}, {y});
  b.add_output(y);
  return b;
}

// Creates a session of `threads`, runs it twice, and exits with the number of threads the process has.
[[noreturn]] void run_and_exit_with_thread_count(int threads) {
  auto model = Model::from_bytes(conv_model().finish());
  if (!model.is_ok()) std::exit(100);
  auto session = Session::create(*model, {.threads = threads});
  if (!session.is_ok()) std::exit(101);
  std::vector<float> x(16 * 32 * 32, 1.f), y(x.size());
  const void* in[] = {x.data()};
  void* out[] = {y.data()};
  for (int i = 0; i < 2; ++i)
    if (!(*session)->run(in, out).is_ok()) std::exit(102);
  if (std::abs(y[33] - 1.44f) > 1e-4f) std::exit(103);  // an interior pixel: 16 * 9 * 0.01
  std::exit(threads_of_this_process());
}

TEST(SessionThreads, OneThreadRunsEveryKernelOnTheCallingThread) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(run_and_exit_with_thread_count(1), ::testing::ExitedWithCode(1), "");
}

TEST(SessionThreads, TwoThreadsStartASecondThread) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(run_and_exit_with_thread_count(2), ::testing::ExitedWithCode(2), "");
}

}  // namespace
}  // namespace saturn
