// KernelHarness: runs one kernel outside the Session, through fake PrepareContext/RunContext, so
// the kernel tests stay independent of the runtime. The node (its op options) is serialized with a
// FlatBufferBuilder; inputs are given with their descriptors (dims, dtype, layout) and their bytes
// in that physical layout; constants are marked as such (constant(i) returns their bytes).
//
//   KernelHarness h([](auto& b) { return unary_op(b, ...); });
//   h.add_input(desc({2, 3}), bytes_of(x));
//   h.add_output();
//   ASSERT_TRUE(h.prepare(*make_unary_kernel()).is_ok());
//   h.run();  then h.output<float>(0) and h.output_desc(0)
//
// Outputs and scratch are filled with 0xFF bytes (NaN for f32) before run(), so an element the
// kernel forgets to write shows up; and each output is followed by 64 canary bytes, so that a kernel
// writing past its end (into the next tensor of a Session's arena, or past a caller's buffer) fails
// the test.
#pragma once

#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <utility>
#include <vector>

#include "ops/kernel.h"

namespace saturn::testing {

using OpFn = std::function<std::pair<fb::Op, flatbuffers::Offset<void>>(flatbuffers::FlatBufferBuilder&)>;

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

inline TensorDesc desc(std::vector<int64_t> dims, DType dtype = DType::kF32, Layout layout = Layout::kPlain,
                       std::string name = "") {
  TensorDesc d;
  d.dims = std::move(dims);
  d.dtype = dtype;
  d.layout = layout;
  d.name = std::move(name);
  return d;
}

// NCHW (plain) <-> NHWC element order for a logical [n, c, h, w] tensor.
template <typename T>
std::vector<T> to_nhwc(const std::vector<T>& x, const std::vector<int64_t>& d) {
  std::vector<T> y(x.size());
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t c = 0; c < d[1]; ++c)
      for (int64_t h = 0; h < d[2]; ++h)
        for (int64_t w = 0; w < d[3]; ++w)
          y[((n * d[2] + h) * d[3] + w) * d[1] + c] = x[((n * d[1] + c) * d[2] + h) * d[3] + w];
  return y;
}
template <typename T>
std::vector<T> from_nhwc(const std::vector<T>& y, const std::vector<int64_t>& d) {
  std::vector<T> x(y.size());
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t c = 0; c < d[1]; ++c)
      for (int64_t h = 0; h < d[2]; ++h)
        for (int64_t w = 0; w < d[3]; ++w)
          x[((n * d[1] + c) * d[2] + h) * d[3] + w] = y[((n * d[2] + h) * d[3] + w) * d[1] + c];
  return x;
}

class KernelHarness final : public PrepareContext {
 public:
  explicit KernelHarness(const OpFn& op, std::string node_name = "n") {
    flatbuffers::FlatBufferBuilder b;
    auto [type, offset] = op(b);
    const auto name = b.CreateString(node_name);
    op_name_ = fb::EnumNameOp(type);
    b.Finish(fb::CreateNode(b, name, type, offset));
    node_bytes_.assign(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
    label_ = "node '" + node_name + "' (" + op_name_ + ")";
  }

  // Appends input i (name defaults to "in<i>"); `bytes` are in desc's physical layout.
  void add_input(TensorDesc d, std::vector<uint8_t> bytes, bool constant = false) {
    if (d.name.empty()) d.name = "in" + std::to_string(inputs_.size());
    inputs_.push_back({std::move(d), std::move(bytes), constant, true});
  }
  void add_absent_input() { inputs_.push_back({TensorDesc{}, {}, false, false}); }
  // Appends output i; `quant` and `dtype` stand for the model's quantization parameters and dtype
  // of the tensor (preset as the Session does, see PrepareContext::output()).
  void add_output(std::string name = "", const fb::QuantParams* quant = nullptr, DType dtype = DType::kF32) {
    TensorDesc d;
    d.name = name.empty() ? "out" + std::to_string(outputs_.size()) : std::move(name);
    d.quant = quant;
    d.dtype = dtype;
    outputs_.push_back(std::move(d));
  }

  Status prepare(Kernel& kernel) {
    kernel_ = &kernel;
    return kernel.prepare(*this);
  }

  // With `in_place`, output 0 occupies the bytes of the input the kernel declared reusable
  // (output_may_reuse_input), as the Session arranges: the kernel sees the same pointer for both.
  void run(bool in_place = false) {
    out_bytes_.clear();
    for (const TensorDesc& d : outputs_) out_bytes_.emplace_back(d.bytes(), uint8_t{0xFF});
    aliased_input_ = in_place ? reusable_input_ : -1;
    if (aliased_input_ >= 0) out_bytes_[0] = inputs_[aliased_input_].bytes;
    for (std::vector<uint8_t>& bytes : out_bytes_) bytes.insert(bytes.end(), kCanaryBytes, kCanary);
    scratch_.assign(scratch_bytes_ + 64, uint8_t{0xFF});
    Run run(*this);
    kernel_->run(run);
    stream_.wait();
    for (size_t i = 0; i < out_bytes_.size(); ++i) {
      const uint8_t* canary = out_bytes_[i].data() + out_bytes_[i].size() - kCanaryBytes;
      for (size_t b = 0; b < kCanaryBytes; ++b) {
        if (canary[b] != kCanary) {
          ADD_FAILURE() << label_ << " wrote past the end of output " << i << " (byte " << b << " after it)";
          break;
        }
      }
    }
  }

  const TensorDesc& output_desc(int i) const { return outputs_[i]; }
  template <typename T>
  std::vector<T> output(int i) const {
    std::vector<T> v((out_bytes_[i].size() - kCanaryBytes) / sizeof(T));
    std::memcpy(v.data(), out_bytes_[i].data(), v.size() * sizeof(T));
    return v;
  }
  size_t scratch_bytes() const { return scratch_bytes_; }
  int reusable_input() const { return reusable_input_; }
  const std::string& impl() const { return impl_; }

  // PrepareContext
  const fb::Node& node() const override { return *flatbuffers::GetRoot<fb::Node>(node_bytes_.data()); }
  const std::string& node_label() const override { return label_; }
  int num_inputs() const override { return static_cast<int>(inputs_.size()); }
  bool has_input(int i) const override { return inputs_[i].present; }
  const TensorDesc& input(int i) const override { return inputs_[i].desc; }
  const void* constant(int i) const override {
    return inputs_[i].constant ? inputs_[i].bytes.data() : nullptr;
  }
  int num_outputs() const override { return static_cast<int>(outputs_.size()); }
  TensorDesc& output(int i) override { return outputs_[i]; }
  Layout readers_layout(int) const override { return readers_layout_; }
  // What readers_layout() answers for every output (Plain unless set).
  void set_readers_layout(Layout layout) { readers_layout_ = layout; }
  void request_scratch(size_t bytes) override { scratch_bytes_ = bytes; }
  const dnnl::engine& engine() const override { return engine_; }
  dnnl::stream& stream() override { return stream_; }
  void set_impl(std::string impl) override { impl_ = std::move(impl); }
  void set_macs(int64_t) override {}
  void output_may_reuse_input(int input) override { reusable_input_ = input; }
  void* allocate_constant(size_t bytes) override {
    constants_.emplace_back(bytes + 63);  // 64-byte aligned inside
    return reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(constants_.back().data()) + 63) / 64 * 64);
  }

 private:
  struct Input {
    TensorDesc desc;
    std::vector<uint8_t> bytes;
    bool constant;
    bool present;
  };
  class Run final : public RunContext {
   public:
    explicit Run(KernelHarness& h) : h_(h) {}
    const void* input(int i) const override {
      if (i == h_.aliased_input_) return h_.out_bytes_[0].data();
      return h_.inputs_[i].present ? static_cast<const void*>(h_.inputs_[i].bytes.data()) : nullptr;
    }
    void* output(int i) const override { return h_.out_bytes_[i].data(); }
    void* scratch() const override {
      auto p = reinterpret_cast<uintptr_t>(h_.scratch_.data());
      return h_.scratch_.data() + ((64 - p % 64) % 64);
    }
    dnnl::stream& stream() const override { return h_.stream_; }

   private:
    KernelHarness& h_;
  };

  static constexpr size_t kCanaryBytes = 64;
  static constexpr uint8_t kCanary = 0xA5;

  std::vector<uint8_t> node_bytes_;
  std::string op_name_, label_, impl_;
  std::vector<Input> inputs_;
  std::vector<TensorDesc> outputs_;
  std::vector<std::vector<uint8_t>> out_bytes_;
  std::vector<uint8_t> scratch_;
  size_t scratch_bytes_ = 0;
  int reusable_input_ = -1, aliased_input_ = -1;
  std::vector<std::vector<uint8_t>> constants_;  // allocate_constant()
  Layout readers_layout_ = Layout::kPlain;
  Kernel* kernel_ = nullptr;
  dnnl::engine engine_{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream_{engine_};
};

}  // namespace saturn::testing
