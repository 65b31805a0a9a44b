// Mutated model files must fail with a message or load and run: never crash (DESIGN section 4).
#include <random>

#include <gtest/gtest.h>

#include "saturn/session.h"
#include "tests/runtime/model_builder.h"

namespace saturn {
namespace {

using testing::ModelBuilder;

std::vector<uint8_t> base_model() {
  ModelBuilder b;
  const int x = b.add_input("x", {1, 2, 4, 4});
  const int p = b.add_tensor("p", {1, 2, 2, 2});
  const int r = b.add_tensor("r", {1, 2, 2, 2});
  const int y = b.add_tensor("y", {1, 2, 2, 2});
  const int w = b.add_constant<float>("w", {2}, fb::DType::F32, {0.5f, 2.f});
  b.set_quant(w, {0.1f, 0.2f}, 0, 3.f);
  b.add_node("pool", [](flatbuffers::FlatBufferBuilder& fbb) {
    const std::vector<int32_t> k = {2, 2}, s = {2, 2}, d = {1, 1}, pads = {0, 0, 0, 0};
    return std::make_pair(fb::Op::Pool, fb::CreatePoolDirect(fbb, fb::PoolKind::Max, &k, &s, &d, &pads).Union());
  }, {x}, {p});
  b.add_unary("relu", p, r, fb::ActivationKind::Relu);
  b.add_identity("copy", r, y);
  b.add_output(y);
  b.add_output(w);
  return b.finish();
}

TEST(Robustness, MutatedModelsFailCleanlyOrRun) {
  const std::vector<uint8_t> base = base_model();
  ASSERT_TRUE(Model::from_bytes(base).is_ok());
  std::mt19937 rng(20240601);
  int loaded = 0, created = 0, ran = 0;
  for (int trial = 0; trial < 5000; ++trial) {
    std::vector<uint8_t> bytes = base;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<uint8_t>(rng());
    if (rng() % 8 == 0) bytes.resize(rng() % bytes.size());
    auto model = Model::from_bytes(bytes);
    if (!model.is_ok()) {
      EXPECT_FALSE(model.status().message().empty());
      continue;
    }
    ++loaded;
    auto session = Session::create(*model);
    if (!session.is_ok()) {
      EXPECT_FALSE(session.status().message().empty());
      continue;
    }
    ++created;
    Session& s = **session;
    // Mutated dims can ask for gigabytes; running those only costs the test time and memory.
    size_t total = 0;
    for (const TensorInfo& t : s.inputs()) total += t.bytes();
    for (const TensorInfo& t : s.outputs()) total += t.bytes();
    if (total > (size_t{64} << 20)) continue;
    ++ran;
    std::vector<std::vector<uint8_t>> in(s.inputs().size()), out(s.outputs().size());
    std::vector<const void*> in_ptrs;
    std::vector<void*> out_ptrs;
    for (size_t i = 0; i < in.size(); ++i) {
      in[i].assign(s.inputs()[i].bytes(), 0);
      in_ptrs.push_back(in[i].data());
    }
    for (size_t i = 0; i < out.size(); ++i) {
      out[i].assign(s.outputs()[i].bytes(), 0);
      out_ptrs.push_back(out[i].data());
    }
    EXPECT_TRUE(s.run(in_ptrs, out_ptrs).is_ok());
  }
  // Some mutations hit bytes that do not matter (names, padding): those models still work.
  EXPECT_GT(loaded, 0);
  EXPECT_GT(created, 0);
  EXPECT_GT(ran, 0);
}

}  // namespace
}  // namespace saturn
