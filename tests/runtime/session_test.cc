#include "saturn/session.h"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "ops/registry.h"
#include "tests/runtime/guarded_buffer.h"
#include "tests/runtime/model_builder.h"

namespace saturn {
namespace {

using testing::ModelBuilder;

std::shared_ptr<const Model> load(const ModelBuilder& b) {
  auto model = Model::from_bytes(b.finish());
  EXPECT_TRUE(model.is_ok()) << model.status().message();
  return model.is_ok() ? *model : nullptr;
}

std::string create_error(const ModelBuilder& b) {
  auto model = load(b);
  if (model == nullptr) return "model did not load";
  auto session = Session::create(model);
  return session.is_ok() ? "" : session.status().message();
}

std::vector<float> iota_signed(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i) - static_cast<float>(n) / 2.f + 0.5f;
  return v;
}

// x [2, 3] -> Identity -> t -> Unary(Relu) -> y
ModelBuilder identity_relu_model() {
  ModelBuilder b;
  const int x = b.add_input("x", {2, 3});
  const int t = b.add_tensor("t", {2, 3});
  const int y = b.add_tensor("y", {2, 3});
  b.add_identity("copy", x, t);
  b.add_unary("relu", t, y, fb::ActivationKind::Relu);
  b.add_output(y);
  return b;
}

TEST(Session, IdentityThenRelu) {
  auto model = load(identity_relu_model());
  ASSERT_NE(model, nullptr);
  auto session = Session::create(model);
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  Session& s = **session;

  ASSERT_EQ(s.inputs().size(), 1u);
  EXPECT_EQ(s.inputs()[0].name, "x");
  EXPECT_EQ(s.inputs()[0].dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(s.inputs()[0].dtype, DType::kF32);
  EXPECT_EQ(s.inputs()[0].bytes(), 24u);
  ASSERT_EQ(s.outputs().size(), 1u);
  EXPECT_EQ(s.outputs()[0].name, "y");

  ASSERT_EQ(s.steps().size(), 2u);
  EXPECT_EQ(s.steps()[0].name, "copy");
  EXPECT_EQ(s.steps()[0].op, "Identity");
  EXPECT_EQ(s.steps()[0].impl, "plain");
  EXPECT_EQ(s.steps()[1].name, "relu");
  EXPECT_EQ(s.steps()[1].op, "Unary");
  EXPECT_FALSE(s.steps()[1].impl.empty());
  EXPECT_EQ(s.steps()[1].dtype, DType::kF32);

  const std::vector<float> x = {-2.f, -0.5f, 0.f, 0.5f, 3.f, -7.f};
  std::vector<float> y(6, 99.f);
  const void* in[] = {x.data()};
  void* out[] = {y.data()};
  ASSERT_TRUE(s.run(in, out).is_ok());
  EXPECT_EQ(y, (std::vector<float>{0.f, 0.f, 0.f, 0.5f, 3.f, 0.f}));

  // A second run with other data reuses the same plan.
  const std::vector<float> x2 = {1.f, -1.f, 2.f, -2.f, 3.f, -3.f};
  const void* in2[] = {x2.data()};
  ASSERT_TRUE(s.run(in2, out).is_ok());
  EXPECT_EQ(y, (std::vector<float>{1.f, 0.f, 2.f, 0.f, 3.f, 0.f}));

  // x is read in place from the caller's buffer; t and y, 24 bytes each, are both live at step 1.
  EXPECT_EQ(s.arena_lower_bound(), 48u);
  EXPECT_GE(s.arena_bytes(), s.arena_lower_bound());
}

TEST(Session, ProfiledRunRecordsEveryStep) {
  auto model = load(identity_relu_model());
  ASSERT_NE(model, nullptr);
  auto session = Session::create(model, {.threads = 1});
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  const std::vector<float> x = {-1.f, 1.f, -2.f, 2.f, -3.f, 3.f};
  std::vector<float> y(6);
  const void* in[] = {x.data()};
  void* out[] = {y.data()};
  std::vector<int64_t> nanos;
  ASSERT_TRUE((*session)->run_profiled(in, out, nanos).is_ok());
  ASSERT_EQ(nanos.size(), (*session)->steps().size());
  for (int64_t ns : nanos) EXPECT_GE(ns, 0);
  EXPECT_EQ(y, (std::vector<float>{0.f, 1.f, 0.f, 2.f, 0.f, 3.f}));
}

TEST(Session, ChainOfIdentitiesSharesArena) {
  // x -> a -> b -> c -> d, 4096 floats each: x is read in place from the caller's buffer and each
  // Identity's output takes its input's bytes, so a, b, c and d share one buffer.
  ModelBuilder b;
  const std::vector<int64_t> dims = {4, 1024};
  int prev = b.add_input("x", dims);
  for (const char* name : {"a", "b", "c", "d"}) {
    const int t = b.add_tensor(name, dims);
    b.add_identity(std::string("to_") + name, prev, t);
    prev = t;
  }
  b.add_output(prev);
  auto model = load(b);
  ASSERT_NE(model, nullptr);
  auto session = Session::create(model);
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  const size_t bytes = 4 * 1024 * sizeof(float);
  EXPECT_EQ((*session)->arena_lower_bound(), bytes);
  EXPECT_EQ((*session)->arena_bytes(), bytes);

  const std::vector<float> x = iota_signed(4096);
  std::vector<float> y(4096);
  const void* in[] = {x.data()};
  void* out[] = {y.data()};
  ASSERT_TRUE((*session)->run(in, out).is_ok());
  EXPECT_EQ(y, x);
}

TEST(Session, InputsAreReadInPlaceAndNeverWritten) {
  // x is read by three steps: an Identity (whose output could take its input's bytes, but never a
  // graph input's), a Relu, and an Add of x with itself.
  ModelBuilder b;
  const std::vector<int64_t> dims = {3, 5};
  const int x = b.add_input("x", dims);
  const int copy = b.add_tensor("copy", dims), relu = b.add_tensor("relu", dims),
            twice = b.add_tensor("twice", dims);
  b.add_identity("copy", x, copy);
  b.add_unary("relu", x, relu, fb::ActivationKind::Relu);
  b.add_binary("twice", x, x, twice, fb::BinaryKind::Add);
  for (int t : {copy, relu, twice}) b.add_output(t);
  auto model = load(b);
  ASSERT_NE(model, nullptr);
  auto session = Session::create(model);
  ASSERT_TRUE(session.is_ok()) << session.status().message();

  // Each run reads the buffer it is given: sealed read-only (a write into it faults) and ending at
  // an inaccessible page (a read past its end faults).
  for (float sign : {1.f, -1.f}) {
    std::vector<float> values = iota_signed(15);
    for (float& v : values) v *= sign;
    const testing::GuardedBuffer input(values.data(), values.size() * sizeof(float));
    std::vector<float> y_copy(15), y_relu(15), y_twice(15);
    const void* in[] = {input.data()};
    void* out[] = {y_copy.data(), y_relu.data(), y_twice.data()};
    ASSERT_TRUE((*session)->run(in, out).is_ok());
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_EQ(y_copy[i], values[i]);
      EXPECT_EQ(y_relu[i], std::max(values[i], 0.f));
      EXPECT_EQ(y_twice[i], 2.f * values[i]);
    }
  }
}

// y = Relu(x) is a graph output that a later step reads too: z = y + x.
ModelBuilder relu_then_add_model() {
  ModelBuilder b;
  const std::vector<int64_t> dims = {3, 5};
  const int x = b.add_input("x", dims);
  const int y = b.add_tensor("y", dims), z = b.add_tensor("z", dims);
  b.add_unary("relu", x, y, fb::ActivationKind::Relu);
  b.add_binary("add", y, x, z, fb::BinaryKind::Add);
  b.add_output(y);
  b.add_output(z);
  return b;
}

TEST(Session, OutputsAreWrittenInPlaceUnlessBuffersOverlap) {
  auto model = load(relu_then_add_model());
  ASSERT_NE(model, nullptr);
  auto session = Session::create(model);
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  const std::vector<float> x = iota_signed(15);

  // Output buffers that end at an inaccessible page: a write past either faults.
  testing::GuardedBuffer y(15 * sizeof(float)), z(15 * sizeof(float));
  const void* in[] = {x.data()};
  void* out[] = {y.data(), z.data()};
  ASSERT_TRUE((*session)->run(in, out).is_ok());
  const auto* yf = static_cast<const float*>(y.data());
  const auto* zf = static_cast<const float*>(z.data());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(yf[i], std::max(x[i], 0.f));
    EXPECT_EQ(zf[i], std::max(x[i], 0.f) + x[i]);
  }

  // y's buffer is x's: written in place, y would overwrite the x that the Add still reads.
  std::vector<float> shared = x, z2(15);
  const void* in2[] = {shared.data()};
  void* out2[] = {shared.data(), z2.data()};
  ASSERT_TRUE((*session)->run(in2, out2).is_ok());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(shared[i], std::max(x[i], 0.f));
    EXPECT_EQ(z2[i], std::max(x[i], 0.f) + x[i]);
  }
}

TEST(Session, ConstantAndInputOutputsAreCopied) {
  ModelBuilder b;
  const int x = b.add_input("x", {3});
  const int w = b.add_constant<float>("w", {2}, fb::DType::F32, {4.5f, -1.f});
  const int y = b.add_tensor("y", {3});
  b.add_unary("relu", x, y, fb::ActivationKind::Relu);
  b.add_output(w);
  b.add_output(x);
  b.add_output(y);
  auto model = load(b);
  ASSERT_NE(model, nullptr);
  auto session = Session::create(model);
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  const std::vector<float> xv = {-1.f, 0.f, 2.f};
  std::vector<float> wo(2), xo(3), yo(3);
  const void* in[] = {xv.data()};
  void* out[] = {wo.data(), xo.data(), yo.data()};
  ASSERT_TRUE((*session)->run(in, out).is_ok());
  EXPECT_EQ(wo, (std::vector<float>{4.5f, -1.f}));
  EXPECT_EQ(xo, xv);
  EXPECT_EQ(yo, (std::vector<float>{0.f, 0.f, 2.f}));
}

TEST(Session, SessionsShareOneModel) {
  auto model = load(identity_relu_model());
  ASSERT_NE(model, nullptr);
  auto s1 = Session::create(model);
  auto s2 = Session::create(model);
  ASSERT_TRUE(s1.is_ok() && s2.is_ok());
  const std::vector<float> a = {1, -1, 1, -1, 1, -1}, c = {-5, 5, -5, 5, -5, 5};
  std::vector<float> ya(6), yc(6);
  const void* in_a[] = {a.data()};
  const void* in_c[] = {c.data()};
  void* out_a[] = {ya.data()};
  void* out_c[] = {yc.data()};
  ASSERT_TRUE((*s1)->run(in_a, out_a).is_ok());
  ASSERT_TRUE((*s2)->run(in_c, out_c).is_ok());
  EXPECT_EQ(ya, (std::vector<float>{1, 0, 1, 0, 1, 0}));
  EXPECT_EQ(yc, (std::vector<float>{0, 5, 0, 5, 0, 5}));
}

TEST(Session, StoredOutputDimsMustMatchInference) {
  auto b = identity_relu_model();
  b.tensors[1].dims = {3, 2};  // t: Identity infers [2, 3]
  EXPECT_EQ(create_error(b), "node 'copy' (Identity): output 0 't' has inferred dims [2, 3], expected [3, 2] "
                             "as stored in the model");
}

TEST(Session, StoredOutputDtypeMustMatchInference) {
  auto b = identity_relu_model();
  b.tensors[1].dtype = fb::DType::S32;
  EXPECT_EQ(create_error(b), "node 'copy' (Identity): output 0 't' has inferred dtype f32, expected s32 "
                             "as stored in the model");
}

TEST(Session, KernelErrorsReachTheCaller) {
  // Unary is FP32 only: an s8 input is refused by the kernel's prepare(), with the node named.
  ModelBuilder b;
  const int x = b.add_input("x", {4}, fb::DType::S8);
  const int y = b.add_tensor("y", {4}, fb::DType::S8);
  b.add_unary("relu8", x, y, fb::ActivationKind::Relu);
  b.add_output(y);
  const std::string error = create_error(b);
  EXPECT_EQ(error.rfind("node 'relu8' (Unary): ", 0), 0u) << error;
}

// An empty table serves as the options of any op whose table has no required field.
ModelBuilder::OpFn empty_options(fb::Op op) {
  return [op](flatbuffers::FlatBufferBuilder& fbb) {
    const auto start = fbb.StartTable();
    return std::make_pair(op, flatbuffers::Offset<void>(fbb.EndTable(start)));
  };
}

TEST(Session, OpWithoutKernelIsRefused) {
  // The first schema op the registry has no kernel for (Unary has a required field; skip it).
  fb::Op missing = fb::Op::NONE;
  for (fb::Op op : fb::EnumValuesOp()) {
    if (op != fb::Op::NONE && op != fb::Op::Unary && find_op(op) == nullptr) {
      missing = op;
      break;
    }
  }
  if (missing == fb::Op::NONE) {
    // Every op has a kernel, so the refusal cannot be reached from a valid model.
    for (fb::Op op : fb::EnumValuesOp()) {
      if (op != fb::Op::NONE) {
        EXPECT_NE(find_op(op), nullptr) << fb::EnumNameOp(op);
      }
    }
    return;
  }
  ModelBuilder b;
  const int x = b.add_input("x", {4});
  const int y = b.add_tensor("y", {4});
  b.add_node("n", empty_options(missing), {x}, {y});
  b.add_output(y);
  EXPECT_EQ(create_error(b), std::string("node 'n' (") + fb::EnumNameOp(missing) + "): no kernel for this op");
}

TEST(Session, RunChecksArguments) {
  auto model = load(identity_relu_model());
  ASSERT_NE(model, nullptr);
  auto session = Session::create(model);
  ASSERT_TRUE(session.is_ok());
  std::vector<float> x(6), y(6);
  const void* in[] = {x.data()};
  void* out[] = {y.data()};
  const void* two_in[] = {x.data(), x.data()};
  EXPECT_EQ((*session)->run(two_in, out).message(), "run: expected 1 inputs, got 2");
  EXPECT_EQ((*session)->run(in, std::span<void* const>()).message(), "run: expected 1 outputs, got 0");
  const void* null_in[] = {nullptr};
  EXPECT_EQ((*session)->run(null_in, out).message(), "run: input 0 'x' is null");
}

TEST(Session, NullModelIsAnError) {
  auto session = Session::create(nullptr);
  ASSERT_FALSE(session.is_ok());
  EXPECT_EQ(session.status().message(), "Session::create: model is null");
}

// Max pool 2x2 / 2 on NCHW [1, 2, 4, 4] (values -16..15): the max of each 2x2 window.
std::vector<float> max_pool_2x2(const std::vector<float>& x, int channels, int h, int w) {
  std::vector<float> y;
  for (int c = 0; c < channels; ++c)
    for (int i = 0; i < h; i += 2)
      for (int j = 0; j < w; j += 2) {
        float m = -INFINITY;
        for (int di = 0; di < 2; ++di)
          for (int dj = 0; dj < 2; ++dj) m = std::max(m, x[(c * h + i + di) * w + j + dj]);
        y.push_back(m);
      }
  return y;
}

TEST(Session, LayoutRoundTripThroughNhwcOp) {
  // x (plain) -> reorder -> Pool (kNhwc, output nhwc) -> Unary (follows nhwc) -> r
  //   r -> reorder -> Identity (kPlain) -> y        (graph output, plain)
  //   r is also a graph output: it is reordered to plain once, the conversion above is reused.
  ASSERT_NE(find_op(fb::Op::Pool), nullptr);
  ASSERT_EQ(find_op(fb::Op::Pool)->layout, LayoutPolicy::kNhwc);
  ModelBuilder b;
  const int x = b.add_input("x", {1, 2, 4, 4});
  const int p = b.add_tensor("p", {1, 2, 2, 2});
  const int r = b.add_tensor("r", {1, 2, 2, 2});
  const int y = b.add_tensor("y", {1, 2, 2, 2});
  b.add_node("pool", [](flatbuffers::FlatBufferBuilder& fbb) {
    const std::vector<int32_t> k = {2, 2}, s = {2, 2}, d = {1, 1}, pads = {0, 0, 0, 0};
    return std::make_pair(fb::Op::Pool, fb::CreatePoolDirect(fbb, fb::PoolKind::Max, &k, &s, &d, &pads).Union());
  }, {x}, {p});
  b.add_unary("neg_clip", p, r, fb::ActivationKind::Clip, -100.f, 5.f);
  b.add_identity("copy", r, y);
  b.add_output(y);
  b.add_output(r);
  auto model = load(b);
  ASSERT_NE(model, nullptr);
  auto session = Session::create(model);
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  const auto& steps = (*session)->steps();
  std::vector<std::string> names;
  for (const StepInfo& s : steps) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"reorder:x->nhwc", "pool", "neg_clip", "reorder:r->plain", "copy"}));
  EXPECT_EQ(steps[0].op, "Reorder");
  EXPECT_EQ(steps[3].op, "Reorder");
  EXPECT_EQ(steps[1].op, "Pool");

  // NCHW values with distinct channels, so a layout mix-up changes the result.
  std::vector<float> xv(32);
  for (int i = 0; i < 32; ++i) xv[i] = static_cast<float>((i * 7) % 32) - 16.f;
  std::vector<float> expected = max_pool_2x2(xv, 2, 4, 4);
  for (float& v : expected) v = std::min(v, 5.f);
  std::vector<float> yo(8, 0.f), ro(8, 0.f);
  const void* in[] = {xv.data()};
  void* out[] = {yo.data(), ro.data()};
  ASSERT_TRUE((*session)->run(in, out).is_ok());
  EXPECT_EQ(yo, expected);
  EXPECT_EQ(ro, expected);
}

TEST(Session, NhwcGraphOutputGetsAFinalReorder) {
  ModelBuilder b;
  const int x = b.add_input("x", {1, 3, 2, 2});
  const int p = b.add_tensor("p", {1, 3, 1, 1});
  b.add_node("pool", [](flatbuffers::FlatBufferBuilder& fbb) {
    const std::vector<int32_t> k = {2, 2}, s = {2, 2}, d = {1, 1}, pads = {0, 0, 0, 0};
    return std::make_pair(fb::Op::Pool, fb::CreatePoolDirect(fbb, fb::PoolKind::Max, &k, &s, &d, &pads).Union());
  }, {x}, {p});
  b.add_output(p);
  auto model = load(b);
  ASSERT_NE(model, nullptr);
  auto session = Session::create(model);
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  const auto& steps = (*session)->steps();
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].name, "reorder:x->nhwc");
  EXPECT_EQ(steps[2].name, "reorder:p->plain");
  const std::vector<float> xv = {1, 4, 2, 3, -1, -4, -2, -3, 10, 0, 0, 0};
  std::vector<float> po(3);
  const void* in[] = {xv.data()};
  void* out[] = {po.data()};
  ASSERT_TRUE((*session)->run(in, out).is_ok());
  EXPECT_EQ(po, (std::vector<float>{4, -1, 10}));
}

// An image quantized for a max pool: the Quantize writes Nhwc itself when the pool is its only
// reader (no Reorder between them), and Plain when its output is also a graph output.
TEST(Session, QuantizeWritesNhwcWhenItsReadersWantIt) {
  for (const bool quantized_is_output : {false, true}) {
    SCOPED_TRACE(quantized_is_output);
    ModelBuilder b;
    const int x = b.add_input("x", {1, 3, 2, 2});
    const int q = b.add_tensor("q", {1, 3, 2, 2}, fb::DType::U8);
    const int p = b.add_tensor("p", {1, 3, 1, 1}, fb::DType::U8);
    b.set_quant(q, {0.5f});
    b.set_quant(p, {0.5f});
    b.add_node("quantize", [](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(fb::Op::Quantize, fb::CreateQuantize(fbb).Union());
    }, {x}, {q});
    b.add_node("pool", [](flatbuffers::FlatBufferBuilder& fbb) {
      const std::vector<int32_t> k = {2, 2}, s = {2, 2}, d = {1, 1}, pads = {0, 0, 0, 0};
      return std::make_pair(fb::Op::Pool, fb::CreatePoolDirect(fbb, fb::PoolKind::Max, &k, &s, &d, &pads).Union());
    }, {q}, {p});
    b.add_output(p);
    if (quantized_is_output) b.add_output(q);
    auto model = load(b);
    ASSERT_NE(model, nullptr);
    auto session = Session::create(model);
    ASSERT_TRUE(session.is_ok()) << session.status().message();
    std::vector<std::string> names;
    for (const StepInfo& step : (*session)->steps()) names.push_back(step.name);
    if (quantized_is_output) {
      EXPECT_EQ(names, (std::vector<std::string>{"quantize", "reorder:q->nhwc", "pool", "reorder:p->plain"}));
      EXPECT_EQ((*session)->steps()[0].impl, "plain:quantize_u8");
    } else {
      EXPECT_EQ(names, (std::vector<std::string>{"quantize", "pool", "reorder:p->plain"}));
      EXPECT_EQ((*session)->steps()[0].impl, "plain:quantize_u8_to_nhwc");
    }
    const std::vector<float> xv = {1, 4, 2, 3, -1, 0.5f, 2.5f, 3.5f, 10, 0, 0, 0};
    std::vector<uint8_t> po(3), qo(12);
    const void* in[] = {xv.data()};
    void* out[] = {po.data(), qo.data()};
    ASSERT_TRUE((*session)->run(in, quantized_is_output ? std::span<void* const>(out, 2) : std::span<void* const>(out, 1)).is_ok());
    EXPECT_EQ(po, (std::vector<uint8_t>{8, 7, 20}));
    if (quantized_is_output) {
      EXPECT_EQ(qo, (std::vector<uint8_t>{2, 8, 4, 6, 0, 1, 5, 7, 20, 0, 0, 0}));
    }
  }
}

// A channels-last block as ConvNeXt exports it: pool (Nhwc) -> Transpose to NHWC -> Unary ->
// Transpose back -> Mul by a constant per-channel scale (A) -> pool. The first Transpose reads the
// pool's Nhwc memory as it is, the second writes Nhwc because its readers (the elementwise Mul,
// then a pool) want it, and the Mul follows its runtime input: no Reorder between the pools.
TEST(Session, ChannelsLastBlockRunsWithoutReorders) {
  ModelBuilder b;
  const int x = b.add_input("x", {1, 3, 4, 4});
  const int p = b.add_tensor("p", {1, 3, 2, 2}), t = b.add_tensor("t", {1, 2, 2, 3});
  const int u = b.add_tensor("u", {1, 2, 2, 3}), v = b.add_tensor("v", {1, 3, 2, 2});
  const int m = b.add_tensor("m", {1, 3, 2, 2}), y = b.add_tensor("y", {1, 3, 1, 1});
  const int scale = b.add_constant("scale", {3, 1, 1}, fb::DType::F32, std::vector<float>{1.f, 10.f, 100.f});
  const auto pool = [](flatbuffers::FlatBufferBuilder& fbb) {
    const std::vector<int32_t> k = {2, 2}, st = {2, 2}, d = {1, 1}, pads = {0, 0, 0, 0};
    return std::make_pair(fb::Op::Pool,
                          fb::CreatePoolDirect(fbb, fb::PoolKind::Max, &k, &st, &d, &pads).Union());
  };
  const auto transpose = [](std::vector<int32_t> perm) {
    return [perm](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(fb::Op::Transpose, fb::CreateTransposeDirect(fbb, &perm).Union());
    };
  };
  b.add_node("pool1", pool, {x}, {p});
  b.add_node("to_nhwc", transpose({0, 2, 3, 1}), {p}, {t});
  b.add_unary("clip", t, u, fb::ActivationKind::Clip, -100.f, 20.f);
  b.add_node("to_nchw", transpose({0, 3, 1, 2}), {u}, {v});
  b.add_binary("scale", scale, v, m, fb::BinaryKind::Mul);
  b.add_node("pool2", pool, {m}, {y});
  b.add_output(y);
  auto model = load(b);
  ASSERT_NE(model, nullptr);
  auto session = Session::create(model);
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  std::vector<std::string> names;
  for (const StepInfo& step : (*session)->steps()) names.push_back(step.name);
  EXPECT_EQ(names, (std::vector<std::string>{"reorder:x->nhwc", "pool1", "to_nhwc", "clip", "to_nchw",
                                             "scale", "pool2", "reorder:y->plain"}));

  std::vector<float> xv(48);
  for (int i = 0; i < 48; ++i) xv[i] = static_cast<float>((i * 7) % 48) - 20.f;
  std::vector<float> want = max_pool_2x2(max_pool_2x2(xv, 3, 4, 4), 3, 2, 2);
  const std::vector<float> factor = {1.f, 10.f, 100.f};
  for (int c = 0; c < 3; ++c) want[c] = std::min(want[c], 20.f) * factor[c];
  std::vector<float> yo(3);
  const void* in[] = {xv.data()};
  void* out[] = {yo.data()};
  ASSERT_TRUE((*session)->run(in, out).is_ok());
  EXPECT_EQ(yo, want);
}

}  // namespace
}  // namespace saturn
