// The FP32 and data-movement kernels through the real Session: small multi-node models built in
// memory, so the Session's layout policy (Nhwc after Conv, kFollowFirst, kPlain with reorders) and
// the arena are exercised too. Expected values come from plain C++ loops in this file.
#include <gtest/gtest.h>

#include <cmath>

#include "saturn/session.h"
#include "tests/ops/test_util.h"
#include "tests/runtime/model_builder.h"

namespace saturn::testing {
namespace {

// A session on the model `b` builds; null (a test failure) when it does not load or prepare.
std::unique_ptr<Session> open_session(const ModelBuilder& b) {
  auto model = Model::from_bytes(b.finish());
  EXPECT_TRUE(model.is_ok()) << model.status().message();
  if (!model.is_ok()) return nullptr;
  auto session = Session::create(*model);
  EXPECT_TRUE(session.is_ok()) << session.status().message();
  return session.is_ok() ? std::move(*session) : nullptr;
}

std::vector<std::vector<float>> run_model(const ModelBuilder& b,
                                          const std::vector<std::vector<float>>& inputs) {
  const std::unique_ptr<Session> session = open_session(b);
  if (session == nullptr) return {};
  Session& s = *session;
  std::vector<const void*> in;
  for (const auto& v : inputs) in.push_back(v.data());
  std::vector<std::vector<float>> out;
  std::vector<void*> out_ptrs;
  for (const TensorInfo& t : s.outputs()) out.emplace_back(t.bytes() / sizeof(float), NAN);
  for (auto& v : out) out_ptrs.push_back(v.data());
  const Status st = s.run(in, out_ptrs);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return out;
}

using FBB = flatbuffers::FlatBufferBuilder;

// x [1, 4, 6, 5] -> Conv 1x1 (weights 2 I) -> t -> Conv 1x1 (weights 3 I) -> u
//   -> Conv 1x1 (weights I, residual t, Relu) -> y = relu(3 * 2x + 2x) = relu(8x); with
// `t_is_output`, t is a graph output too. Returns the session's arena bytes and y.
std::pair<size_t, std::vector<float>> residual_chain(bool t_is_output, const std::vector<float>& xv) {
  ModelBuilder b;
  const std::vector<int64_t> dims = {1, 4, 6, 5};
  const int x = b.add_input("x", dims);
  std::vector<int> w;
  for (float gain : {2.f, 3.f, 1.f}) {
    std::vector<float> eye(16, 0.f);
    for (int i = 0; i < 4; ++i) eye[i * 5] = gain;
    w.push_back(b.add_constant(std::string("w") += std::to_string(w.size()), {4, 4, 1, 1}, fb::DType::F32, eye));
  }
  const int t = b.add_tensor("t", dims), u = b.add_tensor("u", dims), y = b.add_tensor("y", dims);
  const auto conv = [](fb::ActivationKind act) {
    return [act](FBB& f) {
      const std::vector<int> one = {1, 1}, zero = {0, 0, 0, 0};
      const auto a = fb::CreateActivation(f, act);
      return std::make_pair(fb::Op::Conv, fb::CreateConvDirect(f, &one, &one, &one, &zero, 1, a).Union());
    };
  };
  b.add_node("conv_t", conv(fb::ActivationKind::None), {x, w[0]}, {t});
  b.add_node("conv_u", conv(fb::ActivationKind::None), {t, w[1]}, {u});
  b.add_node("conv_y", conv(fb::ActivationKind::Relu), {u, w[2], -1, t}, {y});
  b.add_output(y);
  if (t_is_output) b.add_output(t);
  const std::unique_ptr<Session> session = open_session(b);
  if (session == nullptr) return {};
  std::vector<float> yv(xv.size(), NAN), tv(xv.size(), NAN);
  const void* in[] = {xv.data()};
  void* out[] = {yv.data(), tv.data()};
  const Status st = session->run(in, std::span<void* const>(out, t_is_output ? 2 : 1));
  EXPECT_TRUE(st.is_ok()) << st.message();
  return {session->arena_bytes(), yv};
}

// A Conv's residual that nothing reads afterwards holds the Conv's output (the Session places Y in
// R's bytes, and the kernel copies nothing); one that is read later (here: a graph output) does not.
TEST(SessionOps, ConvOutputTakesOverADeadResidual) {
  const std::vector<float> xv = random_floats(120, -2.f, 2.f, 31);
  std::vector<float> want(120);  // NCHW order, as the graph output
  for (size_t i = 0; i < 120; ++i) want[i] = std::max(8.f * xv[i], 0.f);
  const auto [shared_arena, shared_y] = residual_chain(false, xv);
  const auto [kept_arena, kept_y] = residual_chain(true, xv);
  expect_close(shared_y, want);
  expect_close(kept_y, want);
  // x reordered to nhwc, t, u, y (each 480 bytes): t dies at conv_y, so y needs no bytes of its own.
  EXPECT_LT(shared_arena, kept_arena);
}

// x [2, 3, 4, 5] -> Conv 1x1 (identity weights, Nhwc) -> c -> Add [1, 3, 1, 1] -> a -> Softmax(axis 1) -> s
// -> Concat(s, c; axis 1) -> k [2, 6, 4, 5] -> ReduceMean(axes 2, 3; keepdims 0) -> y [2, 6].
TEST(SessionOps, SpatialChainAfterConv) {
  ModelBuilder b;
  const int x = b.add_input("x", {2, 3, 4, 5});
  const std::vector<float> eye = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  const int w = b.add_constant("w", {3, 3, 1, 1}, fb::DType::F32, eye);
  const std::vector<float> shift_values = {0.5f, -1.f, 2.f};
  const int shift = b.add_constant("shift", {1, 3, 1, 1}, fb::DType::F32, shift_values);
  const int c = b.add_tensor("c", {2, 3, 4, 5});
  const int a = b.add_tensor("a", {2, 3, 4, 5});
  const int s = b.add_tensor("s", {2, 3, 4, 5});
  const int k = b.add_tensor("k", {2, 6, 4, 5});
  const int y = b.add_tensor("y", {2, 6});
  b.add_node("conv",
             [](FBB& f) {
               const std::vector<int> one = {1, 1}, zero = {0, 0, 0, 0};
               return std::make_pair(fb::Op::Conv,
                                     fb::CreateConvDirect(f, &one, &one, &one, &zero, 1).Union());
             },
             {x, w}, {c});
  b.add_node(
      "add",
      [](FBB& f) { return std::make_pair(fb::Op::Binary, fb::CreateBinary(f, fb::BinaryKind::Add).Union()); },
      {c, shift}, {a});
  b.add_node("softmax",
             [](FBB& f) { return std::make_pair(fb::Op::Softmax, fb::CreateSoftmax(f, 1).Union()); }, {a},
             {s});
  b.add_node("concat", [](FBB& f) { return std::make_pair(fb::Op::Concat, fb::CreateConcat(f, 1).Union()); },
             {s, c}, {k});
  b.add_node("mean",
             [](FBB& f) {
               const std::vector<int> axes = {2, 3};
               return std::make_pair(fb::Op::ReduceMean, fb::CreateReduceMeanDirect(f, &axes, false).Union());
             },
             {k}, {y});
  b.add_output(k);
  b.add_output(y);

  const std::vector<float> xv = random_floats(120, -2.f, 2.f, 21);
  const auto at = [](int64_t n, int64_t ch, int64_t hw, int64_t channels) {
    return (n * channels + ch) * 20 + hw;
  };
  std::vector<float> want_k(240), want_y(12, 0.f);
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t hw = 0; hw < 20; ++hw) {
      double sum = 0;
      for (int64_t ch = 0; ch < 3; ++ch) sum += std::exp(double{xv[at(n, ch, hw, 3)]} + shift_values[ch]);
      for (int64_t ch = 0; ch < 3; ++ch) {
        want_k[at(n, ch, hw, 6)] =
            static_cast<float>(std::exp(double{xv[at(n, ch, hw, 3)]} + shift_values[ch]) / sum);
        want_k[at(n, ch + 3, hw, 6)] = xv[at(n, ch, hw, 3)];
      }
    }
    for (int64_t ch = 0; ch < 6; ++ch) {
      double m = 0;
      for (int64_t hw = 0; hw < 20; ++hw) m += want_k[at(n, ch, hw, 6)];
      want_y[n * 6 + ch] = static_cast<float>(m / 20);
    }
  }
  const auto out = run_model(b, {xv});
  ASSERT_EQ(out.size(), 2u);
  expect_close(out[0], want_k);
  expect_close(out[1], want_y);
}

// x [2, 3, 4] -> LayerNorm(axis 2) -> Transpose(0, 2, 1) -> Slice -> Pad -> Reshape -> Gather
// -> g [2, 5]; y = z - g with z [5] a second input (input 0 broadcast).
TEST(SessionOps, PlainChain) {
  ModelBuilder b;
  const int x = b.add_input("x", {2, 3, 4});
  const int z = b.add_input("z", {5});
  const std::vector<float> gamma = {1.f, 2.f, 0.5f, -1.f}, beta = {0.f, 1.f, -1.f, 0.25f};
  const int scale = b.add_constant("gamma", {4}, fb::DType::F32, gamma);
  const int bias = b.add_constant("beta", {4}, fb::DType::F32, beta);
  const int idx = b.add_constant("idx", {2}, fb::DType::S64, std::vector<int64_t>{3, 0});
  const int ln = b.add_tensor("ln", {2, 3, 4});
  const int tr = b.add_tensor("tr", {2, 4, 3});
  const int sl = b.add_tensor("sl", {2, 2, 3});
  const int pd = b.add_tensor("pd", {2, 2, 5});
  const int rs = b.add_tensor("rs", {4, 5});
  const int g = b.add_tensor("g", {2, 5});
  const int y = b.add_tensor("y", {2, 5});
  b.add_node(
      "ln",
      [](FBB& f) { return std::make_pair(fb::Op::LayerNorm, fb::CreateLayerNorm(f, 2, 1e-5f).Union()); },
      {x, scale, bias}, {ln});
  b.add_node("tr",
             [](FBB& f) {
               const std::vector<int> perm = {0, 2, 1};
               return std::make_pair(fb::Op::Transpose, fb::CreateTransposeDirect(f, &perm).Union());
             },
             {ln}, {tr});
  b.add_node("sl",
             [](FBB& f) {
               const std::vector<int64_t> starts = {0, 3, 0}, ends = {2, -1, 3}, steps = {1, -2, 1};
               return std::make_pair(fb::Op::Slice, fb::CreateSliceDirect(f, &starts, &ends, &steps).Union());
             },
             {tr}, {sl});
  b.add_node("pd",
             [](FBB& f) {
               const std::vector<int64_t> pads = {0, 0, 1, 0, 0, 1};
               return std::make_pair(fb::Op::Pad,
                                     fb::CreatePadDirect(f, &pads, fb::PadMode::Constant, 0.f).Union());
             },
             {sl}, {pd});
  b.add_node("rs",
             [](FBB& f) {
               const std::vector<int64_t> shape = {4, 5};
               return std::make_pair(fb::Op::Reshape, fb::CreateReshapeDirect(f, &shape).Union());
             },
             {pd}, {rs});
  b.add_node("g", [](FBB& f) { return std::make_pair(fb::Op::Gather, fb::CreateGather(f, 0).Union()); },
             {rs, idx}, {g});
  b.add_node(
      "sub",
      [](FBB& f) { return std::make_pair(fb::Op::Binary, fb::CreateBinary(f, fb::BinaryKind::Sub).Union()); },
      {z, g}, {y});
  b.add_output(y);

  const std::vector<float> xv = random_floats(24, -3.f, 3.f, 22), zv = random_floats(5, -1.f, 1.f, 23);
  std::vector<float> lnv(24);
  for (int r = 0; r < 6; ++r) {
    double m = 0, v = 0;
    for (int i = 0; i < 4; ++i) m += xv[r * 4 + i];
    m /= 4;
    for (int i = 0; i < 4; ++i) v += (xv[r * 4 + i] - m) * (xv[r * 4 + i] - m);
    v /= 4;
    for (int i = 0; i < 4; ++i)
      lnv[r * 4 + i] = static_cast<float>((xv[r * 4 + i] - m) / std::sqrt(v + 1e-5) * gamma[i] + beta[i]);
  }
  // tr[n][i][j] = ln[n][j][i]; slice rows i = 3, 1; pad columns to [0, j0, j1, j2, 0]; rows (n, i) -> 4 rows.
  std::vector<std::vector<float>> rows;
  for (int n = 0; n < 2; ++n) {
    for (int i : {3, 1}) {
      std::vector<float> row = {0.f};
      for (int j = 0; j < 3; ++j) row.push_back(lnv[(n * 3 + j) * 4 + i]);
      row.push_back(0.f);
      rows.push_back(row);
    }
  }
  std::vector<float> want;
  for (int r : {3, 0}) {
    for (int col = 0; col < 5; ++col) want.push_back(zv[col] - rows[r][col]);
  }
  const auto out = run_model(b, {xv, zv});
  ASSERT_EQ(out.size(), 1u);
  expect_close(out[0], want);
}

}  // namespace
}  // namespace saturn::testing
