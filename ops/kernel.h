// The kernel interface between the Session and one op implementation.
//
// Lifecycle, driven by the Session for every node in topological order:
//   1. create: the registry (ops/registry.h) makes a Kernel for the node's op.
//   2. prepare(PrepareContext&): the kernel reads its options and its input descriptors, validates
//      them (returning a Status that names the node, the op and the tensor), sets every output's
//      dims, dtype and layout, requests scratch bytes, creates its oneDNN primitives and reorders
//      constant weights into kernel-owned memory. Everything expensive happens here.
//   3. run(RunContext&) const: computes. No allocation, no primitive creation, no failure path:
//      anything that can fail was checked in prepare.
//
// Layouts. Tensors have logical ONNX dims. Their physical layout is Plain (row-major in the
// logical dims) or Nhwc (rank-4 tensors only: memory order N, H, W, C of logical dims N, C, H, W).
// Before prepare(), the Session converts every rank-4 runtime input to the layout that the op's
// registry entry asks for (see LayoutPolicy in registry.h), inserting an explicit Reorder step.
// Constant inputs (weights) are always Plain. The kernel chooses each output's layout in prepare().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "saturn/dtype.h"
#include "saturn/status.h"
#include "saturn/schema/saturn_generated.h"

namespace saturn {

enum class Layout : uint8_t { kPlain, kNhwc };
const char* layout_name(Layout layout);

struct TensorDesc {
  std::vector<int64_t> dims;
  DType dtype = DType::kF32;
  Layout layout = Layout::kPlain;
  const fb::QuantParams* quant = nullptr;  // from the model; null for FP32 tensors
  std::string name;

  int64_t elements() const;
  size_t bytes() const { return static_cast<size_t>(elements()) * dtype_size(dtype); }
};

class PrepareContext {
 public:
  virtual ~PrepareContext() = default;

  virtual const fb::Node& node() const = 0;
  // The node's name and op, for messages: "node 'conv1' (Conv)".
  virtual const std::string& node_label() const = 0;

  virtual int num_inputs() const = 0;
  // False for an absent optional input (index -1 in the model).
  virtual bool has_input(int i) const = 0;
  virtual const TensorDesc& input(int i) const = 0;
  // Non-null when input i is a constant (its bytes in the model, Plain layout); else null.
  virtual const void* constant(int i) const = 0;

  virtual int num_outputs() const = 0;
  // The kernel must set dims, dtype and layout of every output. name, quant and dtype come preset
  // from the model: a kernel that can produce several dtypes (INT8 ops requantizing to U8, S8 or
  // F32; Quantize) reads the preset dtype as its target. The Session checks dims and dtype against
  // those stored in the model.
  virtual TensorDesc& output(int i) = 0;
  // The layout that all readers of output i ask for (their registry policies, ops/registry.h):
  // Nhwc when output i has rank 4, is no graph output, and every node reading it is a kNhwc op;
  // Plain otherwise. A kernel free to choose its output layout (Quantize) may follow it, sparing
  // the Session a Reorder step after it.
  virtual Layout readers_layout(int i) const = 0;

  // Scratch memory available to run(), 64-byte aligned, not preserved between runs.
  virtual void request_scratch(size_t bytes) = 0;

  virtual const dnnl::engine& engine() const = 0;
  virtual dnnl::stream& stream() = 0;  // for weight reorders during prepare

  // Describes the implementation chosen (e.g. oneDNN's impl_info_str), shown by profiles.
  virtual void set_impl(std::string impl) = 0;
  // Multiply-accumulates per run, shown by profiles (GMAC/s); leave unset when not meaningful.
  virtual void set_macs(int64_t macs) = 0;
  // Declares that output 0 may occupy the bytes of runtime input `input` (same size): run() is
  // then correct when ctx.input(input) == ctx.output(0), e.g. a residual that oneDNN's sum post-op
  // reads from the destination. The Session shares the buffer when this step is the input's last
  // reader (and it is no graph input or output, nor any other input of the step); otherwise the two
  // stay apart. It saves the copy, and the memory.
  virtual void output_may_reuse_input(int input) = 0;

  // `bytes` (> 0) of memory, 64-byte aligned, that lives as long as the kernel, for constants
  // prepared once (weights reordered into oneDNN's layouts: dnnl_util::reorder_constant). The
  // Session takes them from a pool backed by 2 MiB pages where the OS allows (see
  // runtime/src/constant_pool.h). Null when out of memory.
  virtual void* allocate_constant(size_t bytes) = 0;

  // Status::error("node 'x' (Op): " + message).
  Status error(const std::string& message) const { return Status::error(node_label() + ": " + message); }
};

class RunContext {
 public:
  virtual ~RunContext() = default;
  // Pointers are valid for this run only (the arena, or the model's bytes for constants).
  virtual const void* input(int i) const = 0;  // null for an absent optional input
  virtual void* output(int i) const = 0;
  virtual void* scratch() const = 0;
  virtual dnnl::stream& stream() const = 0;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual Status prepare(PrepareContext& ctx) = 0;
  virtual void run(RunContext& ctx) const = 0;
};

}  // namespace saturn
