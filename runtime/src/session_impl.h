// Session::Impl: the executable plan of one Model (runtime-internal).
//
// Values. Every model tensor t is value t; each layout conversion the plan inserts appends a value.
// A value is a constant (bytes in the model, Plain) or a runtime tensor (a slot in the arena).
//
// Steps. One per node, in model order, plus the inserted Reorder steps (before the consumer that
// needs them, and at the end for graph outputs left in Nhwc). Each step's RunContext holds pointers
// resolved once in create() (arena slots, constant bytes, its scratch), so run() only points the
// steps at the caller's buffers and calls the kernels. Kernels never write into their inputs'
// bytes unless the Session placed their output there (buffer_owners, never a graph input's), so
// the caller's buffers are read, not copied: a graph input is copied into the arena only when it is
// also a graph output. Likewise a graph output produced by a step is written straight into the
// caller's buffer, unless the caller's buffers overlap in that run (an output would overwrite an
// input that later steps read): then it goes through its arena slot and is copied out.
//
// Arena. One 64-byte aligned allocation holding every runtime value (graph inputs only when
// copied) for its lifetime [producing step (0 for graph inputs), last consuming step] (values
// copied out live to the last step) and every step's scratch for that step only, placed by
// MemoryPlanner. A step's output 0 occupies its reusable input's buffer when the step is that
// input's last reader (buffer_owners); the buffer then lives until the output's last use.
#pragma once

#include <cstdlib>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "ops/kernel.h"
#include "ops/registry.h"
#include "runtime/src/constant_pool.h"
#include "saturn/session.h"

namespace saturn {

class StepRunContext final : public RunContext {
 public:
  const void* input(int i) const override { return inputs_[i]; }
  void* output(int i) const override { return outputs_[i]; }
  void* scratch() const override { return scratch_; }
  dnnl::stream& stream() const override { return *stream_; }

  std::vector<const void*> inputs_;
  std::vector<void*> outputs_;
  void* scratch_ = nullptr;
  dnnl::stream* stream_ = nullptr;
};

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};

class Session::Impl {
 public:
  struct Value {
    TensorDesc desc;
    const void* constant = nullptr;  // non-null: a constant in the model's bytes
    bool graph_input = false;
    // The graph input whose caller buffer its readers read in place (no copy in, no arena slot);
    // -1 for none, and for one that is also a graph output (copied into its arena slot).
    int caller_input = -1;
    // The graph output whose caller buffer its producer writes and its readers read, when run()
    // can (see run()); -1 for none. It keeps its arena slot for the runs that cannot.
    int caller_output = -1;
    int producer = -1;               // step index; -1 for graph inputs and constants
    int last_use = -1;               // last step reading it
    bool live_to_end = false;        // copied out after the last step
    Layout readers_layout = Layout::kPlain;  // PrepareContext::readers_layout (plan_readers_layouts)
    int buffer = -1;                 // MemoryPlanner id
    uint8_t* data = nullptr;         // arena slot, set after planning
  };
  struct Step {
    const fb::Node* node = nullptr;  // the model node (for a Reorder: the node it serves)
    std::unique_ptr<Kernel> kernel;
    std::vector<int> inputs;   // value ids, -1 for an absent input
    std::vector<int> outputs;  // value ids
    size_t scratch_bytes = 0;
    int scratch_buffer = -1;
    StepInfo info;
    StepRunContext run_ctx;
    // Runs on one thread (see mark_light_steps); otherwise on the session's threads.
    bool single_thread = false;
    // The input slot whose buffer output 0 may take over (PrepareContext::output_may_reuse_input).
    int reusable_input = -1;
  };
  // One graph output: where its bytes are after run (a value in the arena, or a constant).
  struct OutputSource {
    int value = -1;
    const void* constant = nullptr;
  };

  static Result<std::unique_ptr<Impl>> build(std::shared_ptr<const Model> model, const SessionOptions& options);

  Status run(std::span<const void* const> inputs, std::span<void* const> outputs, std::vector<int64_t>* step_nanos);

 private:
  Status add_node(int index);
  // Light steps (no multiply-accumulates: reorders, elementwise, pooling, data movement) whose
  // runtime tensors total at most kLightStepBytes run on one thread: an OpenMP fork/join costs more
  // than it saves there, and on a loaded machine a preempted worker stalls the barrier for a
  // scheduler tick. Their oneDNN primitives read the thread count when they execute.
  static constexpr size_t kLightStepBytes = 256 * 1024;
  void mark_light_steps();
  // The value holding `value` in layout `target`, inserting (once) a Reorder step that serves `node`.
  Result<int> convert(int value, Layout target, const fb::Node& node);
  // Sets every value's readers_layout from the registry policies of the nodes reading it (an
  // elementwise reader wants what its own readers want).
  void plan_readers_layouts();
  // Creates nothing: runs step.kernel->prepare() with the step's inputs and `outputs` preset
  // (the descriptors of values `output_ids`; none for a Reorder step).
  Status prepare(Step& step, const std::string& label, std::vector<TensorDesc>& outputs,
                 const std::vector<int>& output_ids);
  Status add_graph_outputs();
  // Per value, the value whose arena buffer it occupies (itself, or a reusable input it took over).
  std::vector<int> buffer_owners() const;
  // Sets each value's caller_input / caller_output: the graph inputs read and the graph outputs
  // written in the caller's buffers (the first index where a value is listed twice).
  void plan_caller_buffers();
  Status plan_memory();
  void resolve_pointers();

 public:

  std::shared_ptr<const Model> model_;
  SessionOptions options_;
  dnnl::engine engine_;
  dnnl::stream stream_;

  ConstantPool constants_;  // before steps_: their kernels' memories point into it
  std::vector<Value> values_;
  std::vector<Step> steps_;
  std::vector<StepInfo> step_infos_;
  std::map<std::pair<int, Layout>, int> conversions_;  // (value, layout) -> converted value

  std::vector<TensorInfo> inputs_;
  std::vector<int> input_values_;
  // A step's input or output slot that run() points at the caller's buffer of graph input or
  // output `index`; `arena` holds the slot's own bytes, for an output that cannot go there.
  struct CallerSlot {
    bool graph_output;
    int index;
    size_t step;
    bool step_input;
    size_t slot;
    uint8_t* arena;
  };
  std::vector<CallerSlot> caller_slots_;
  std::vector<TensorInfo> outputs_;
  std::vector<OutputSource> output_sources_;

  std::unique_ptr<void, AlignedFree> arena_;
  size_t arena_bytes_ = 0;
  size_t arena_lower_bound_ = 0;
};

}  // namespace saturn
