// DnnlStep: one oneDNN primitive with its argument memories, built in prepare() and executed in
// run(). Each argument is bound once, in prepare(), to where its data lives at run time (a node
// input, a node output, an offset in the node's scratch, or kernel-owned memory); run() only sets
// the data handles and executes, so it allocates nothing and creates no primitive.
//
// ScratchPlan hands out 64-byte aligned offsets in the node's scratch; the kernel passes total()
// to PrepareContext::request_scratch() once all its steps are built. oneDNN scratchpads come from
// it too (user scratchpad mode, see scratchpad_attr()).
#pragma once

#include <cstddef>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#include <vector>

#include "ops/kernel.h"

namespace saturn {

class ScratchPlan {
 public:
  // Reserves `bytes` and returns their offset in the scratch.
  size_t reserve(size_t bytes);
  size_t total() const { return total_; }

 private:
  size_t total_ = 0;
};

// A primitive_attr with the user scratchpad mode, for primitives whose scratchpad is bound with
// DnnlStep::bind_scratchpad().
dnnl::primitive_attr scratchpad_attr();

class DnnlStep {
 public:
  void set_primitive(dnnl::primitive primitive) { primitive_ = std::move(primitive); }

  // Argument `arg` (DNNL_ARG_*) described by `md`, reading node input `index` at run time, from
  // `offset` bytes into it.
  void bind_input(int arg, const dnnl::memory::desc& md, const dnnl::engine& engine, int index, size_t offset = 0);
  void bind_output(int arg, const dnnl::memory::desc& md, const dnnl::engine& engine, int index, size_t offset = 0);
  // Argument `arg` at byte `offset` of the node's scratch.
  void bind_scratch(int arg, const dnnl::memory::desc& md, const dnnl::engine& engine, size_t offset);
  // Argument `arg` in memory the kernel keeps (constants prepared once).
  void bind_owned(int arg, const dnnl::memory& memory);
  // The primitive's scratchpad (pd built with scratchpad_attr()), reserved in `plan`.
  void bind_scratchpad(const dnnl::primitive_desc_base& pd, const dnnl::engine& engine, ScratchPlan& plan);
  // For a kernel whose whole work is this one step: binds `pd`'s scratchpad as the node's only
  // scratch, requests it from `ctx` and names the implementation after `pd`.
  void bind_only_scratchpad(PrepareContext& ctx, const dnnl::primitive_desc_base& pd);

  void run(RunContext& ctx) const { run(ctx, ctx.stream()); }
  // On `stream` instead of the session's (concurrent steps each need their own).
  void run(RunContext& ctx, const dnnl::stream& stream) const;

 private:
  enum class Source : uint8_t { kInput, kOutput, kScratch };
  struct Binding {
    dnnl::memory memory;
    Source source;
    size_t index;   // input/output index or scratch byte offset
    size_t offset;  // bytes into the input or output
  };
  void bind(int arg, const dnnl::memory::desc& md, const dnnl::engine& engine, Source source, size_t index,
            size_t offset = 0);

  dnnl::primitive primitive_;
  std::vector<Binding> bindings_;
  std::unordered_map<int, dnnl::memory> args_;
};

}  // namespace saturn
