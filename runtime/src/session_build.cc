// Session::Impl::build: shape inference, layout assignment, kernel prepare and the memory plan.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>

#include "ops/scoped_threads.h"
#include "runtime/src/memory_planner.h"
#include "runtime/src/reorder_kernel.h"
#include "runtime/src/session_impl.h"
#include "saturn/schema/saturn_generated.h"

namespace saturn {
namespace {

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::vector<int64_t> model_dims(const fb::Tensor& t) {
  if (t.dims() == nullptr) return {};
  return std::vector<int64_t>(t.dims()->begin(), t.dims()->end());
}

// The PrepareContext of one step: inputs are the step's values, outputs are preset descs.
class StepPrepareContext final : public PrepareContext {
 public:
  StepPrepareContext(Session::Impl& impl, Session::Impl::Step& step, const std::string& label,
                     std::vector<TensorDesc>& outputs, const std::vector<int>& output_ids)
      : impl_(impl), step_(step), label_(label), outputs_(outputs), output_ids_(output_ids) {}

  const fb::Node& node() const override { return *step_.node; }
  const std::string& node_label() const override { return label_; }
  int num_inputs() const override { return static_cast<int>(step_.inputs.size()); }
  bool has_input(int i) const override { return in_range(i) && step_.inputs[i] != -1; }
  const TensorDesc& input(int i) const override {
    static const TensorDesc kAbsent;
    return has_input(i) ? impl_.values_[step_.inputs[i]].desc : kAbsent;
  }
  const void* constant(int i) const override {
    return has_input(i) ? impl_.values_[step_.inputs[i]].constant : nullptr;
  }
  int num_outputs() const override { return static_cast<int>(outputs_.size()); }
  TensorDesc& output(int i) override { return outputs_[i]; }
  Layout readers_layout(int i) const override {
    return i >= 0 && i < static_cast<int>(output_ids_.size()) ? impl_.values_[output_ids_[i]].readers_layout
                                                               : Layout::kPlain;
  }
  void request_scratch(size_t bytes) override { step_.scratch_bytes += bytes; }
  const dnnl::engine& engine() const override { return impl_.engine_; }
  dnnl::stream& stream() override { return impl_.stream_; }
  void set_impl(std::string impl) override { step_.info.impl = std::move(impl); }
  void set_macs(int64_t macs) override { step_.info.macs = macs; }
  void output_may_reuse_input(int input) override { step_.reusable_input = input; }
  void* allocate_constant(size_t bytes) override { return impl_.constants_.allocate(bytes); }

 private:
  bool in_range(int i) const { return i >= 0 && i < num_inputs(); }
  Session::Impl& impl_;
  Session::Impl::Step& step_;
  const std::string& label_;
  std::vector<TensorDesc>& outputs_;
  const std::vector<int>& output_ids_;  // the values of outputs_ (none for a Reorder step)
};

}  // namespace

Result<std::unique_ptr<Session::Impl>> Session::Impl::build(std::shared_ptr<const Model> model,
                                                            const SessionOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->model_ = std::move(model);
  impl->options_ = options;
  try {
    impl->engine_ = dnnl::engine(dnnl::engine::kind::cpu, 0);
    impl->stream_ = dnnl::stream(impl->engine_);
  } catch (const dnnl::error& e) {
    return Status::error(std::string("cannot create the oneDNN cpu engine: ") + e.what());
  }

  const fb::Model& m = impl->model_->fb();
  const fb::Graph& g = *m.graph();
  const uint32_t num_tensors = g.tensors() ? g.tensors()->size() : 0;
  impl->values_.resize(num_tensors);
  for (uint32_t t = 0; t < num_tensors; ++t) {
    const fb::Tensor& tensor = *g.tensors()->Get(t);
    Value& v = impl->values_[t];
    v.desc.name = tensor.name()->str();
    v.desc.dims = model_dims(tensor);
    v.desc.dtype = static_cast<DType>(tensor.dtype());
    v.desc.quant = tensor.quant();
    if (tensor.buffer() != 0) v.constant = m.buffers()->Get(tensor.buffer())->data()->data();
  }
  if (g.inputs() != nullptr) {
    for (int32_t t : *g.inputs()) {
      Value& v = impl->values_[t];
      v.graph_input = true;
      impl->inputs_.push_back({v.desc.name, v.desc.dims, v.desc.dtype});
      impl->input_values_.push_back(t);
    }
  }
  impl->plan_readers_layouts();
  // A runtime tensor larger than the machine's memory can never get an arena slot; refusing it here
  // also keeps absurd dims away from the kernels' prepare().
  const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGE_SIZE);
  const size_t memory = pages > 0 && page_size > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page_size) : SIZE_MAX;
  for (const Value& v : impl->values_) {
    if (v.constant == nullptr && v.desc.bytes() > memory) {
      return Status::error("tensor '" + v.desc.name + "' " + dims_text(v.desc.dims) + " needs " +
                           std::to_string(v.desc.bytes()) + " bytes, more than this machine's memory (" +
                           std::to_string(memory) + " bytes)");
    }
  }
  const int num_nodes = g.nodes() ? static_cast<int>(g.nodes()->size()) : 0;
  {
    // Kernels create their oneDNN primitives (at prepare) under the session's thread count.
    const ScopedThreads threads(options.threads);
    for (int n = 0; n < num_nodes; ++n) SATURN_RETURN_IF_ERROR(impl->add_node(n));
    SATURN_RETURN_IF_ERROR(impl->add_graph_outputs());
  }
  impl->plan_caller_buffers();
  SATURN_RETURN_IF_ERROR(impl->plan_memory());
  impl->resolve_pointers();
  impl->mark_light_steps();
  for (const Step& step : impl->steps_) impl->step_infos_.push_back(step.info);
  return impl;
}

Status Session::Impl::prepare(Step& step, const std::string& label, std::vector<TensorDesc>& outputs,
                              const std::vector<int>& output_ids) {
  StepPrepareContext ctx(*this, step, label, outputs, output_ids);
  return step.kernel->prepare(ctx);
}

Status Session::Impl::add_node(int index) {
  const fb::Graph& g = *model_->fb().graph();
  const fb::Node& node = *g.nodes()->Get(index);
  const OpEntry* entry = find_op(node.op_type());
  const bool named = node.name() != nullptr && node.name()->size() > 0;
  const std::string name = named ? node.name()->str() : "#" + std::to_string(index);
  std::string op = entry != nullptr ? entry->name : fb::EnumNameOp(node.op_type());
  if (op.empty()) op = "op " + std::to_string(static_cast<int>(node.op_type()));
  const std::string label = "node " + (named ? "'" + name + "'" : name) + " (" + op + ")";
  if (entry == nullptr) return Status::error(label + ": no kernel for this op");

  Step step;
  step.node = &node;
  if (node.inputs() != nullptr) step.inputs.assign(node.inputs()->begin(), node.inputs()->end());
  // Layout policy for rank-4 runtime inputs; kFollowFirst follows the first runtime input (a Binary's
  // A may be a constant, ConvNeXt's layer scale).
  const auto first = std::find_if(step.inputs.begin(), step.inputs.end(),
                                  [&](int id) { return id != -1 && values_[id].constant == nullptr; });
  const Layout first_layout = first == step.inputs.end() ? Layout::kPlain : values_[*first].desc.layout;
  for (size_t i = 0; i < step.inputs.size(); ++i) {
    const int id = step.inputs[i];
    if (id == -1 || values_[id].constant != nullptr || values_[id].desc.dims.size() != 4) continue;
    Layout want = Layout::kPlain;
    if (entry->layout == LayoutPolicy::kNhwc) want = Layout::kNhwc;
    if (entry->layout == LayoutPolicy::kFollowFirst) want = first_layout;
    if (values_[id].desc.layout == want) continue;
    Result<int> converted = convert(id, want, node);
    if (!converted.is_ok()) return converted.status();
    step.inputs[i] = *converted;
  }

  step.kernel = entry->create();
  if (step.kernel == nullptr) return Status::error(label + ": the registry returned no kernel");
  std::vector<int> outs;
  if (node.outputs() != nullptr) outs.assign(node.outputs()->begin(), node.outputs()->end());
  std::vector<TensorDesc> out_descs(outs.size());
  for (size_t i = 0; i < outs.size(); ++i) {
    out_descs[i].name = values_[outs[i]].desc.name;
    out_descs[i].quant = values_[outs[i]].desc.quant;
    out_descs[i].dtype = values_[outs[i]].desc.dtype;  // the target of INT8 kernels (kernel.h)
  }
  SATURN_RETURN_IF_ERROR(prepare(step, label, out_descs, outs));

  // Runtime shape inference cross-check against the model.
  for (size_t i = 0; i < outs.size(); ++i) {
    const Value& v = values_[outs[i]];
    const TensorDesc& found = out_descs[i];
    const std::string what = label + ": output " + std::to_string(i) + " '" + v.desc.name + "'";
    if (found.dims != v.desc.dims) {
      return Status::error(what + " has inferred dims " + dims_text(found.dims) + ", expected " +
                           dims_text(v.desc.dims) + " as stored in the model");
    }
    if (found.dtype != v.desc.dtype) {
      return Status::error(what + " has inferred dtype " + dtype_name(found.dtype) + ", expected " +
                           dtype_name(v.desc.dtype) + " as stored in the model");
    }
    if (found.layout == Layout::kNhwc && found.dims.size() != 4) {
      return Status::error(what + " has layout nhwc but " + std::to_string(found.dims.size()) + " dims");
    }
  }
  const int s = static_cast<int>(steps_.size());
  for (size_t i = 0; i < outs.size(); ++i) {
    Value& v = values_[outs[i]];
    v.desc.layout = out_descs[i].layout;
    v.producer = s;
  }
  for (int id : step.inputs)
    if (id != -1) values_[id].last_use = s;
  step.outputs = std::move(outs);
  step.info.name = name;
  step.info.op = entry->name;
  const int main_input = [&] {
    for (int id : step.inputs)
      if (id != -1) return id;
    return step.outputs.empty() ? -1 : step.outputs[0];
  }();
  if (main_input != -1) step.info.dtype = values_[main_input].desc.dtype;
  steps_.push_back(std::move(step));
  return Status::ok();
}

void Session::Impl::plan_readers_layouts() {
  const fb::Graph& g = *model_->fb().graph();
  std::vector<int> readers(values_.size(), 0);
  std::vector<bool> plain_reader(values_.size(), false);
  const auto valid = [&](int32_t id) { return id >= 0 && static_cast<size_t>(id) < values_.size(); };
  const auto decide = [&](int32_t id) {
    Value& v = values_[id];
    const bool nhwc = v.constant == nullptr && v.desc.dims.size() == 4 && readers[id] > 0 && !plain_reader[id];
    v.readers_layout = nhwc ? Layout::kNhwc : Layout::kPlain;
  };
  if (g.outputs() != nullptr)
    for (int32_t id : *g.outputs())
      if (valid(id)) plain_reader[id] = true;
  // Backwards, so that every reader of a node's output is counted when the node is reached. Nhwc
  // readers: ops of policy kNhwc; a Transpose to channels-last (perm 0, 2, 3, 1), which then reads
  // memory in order (ops/plain/transpose.cc); and an elementwise reader (Binary, Unary, Dequantize:
  // Y in X's layout; Quantize: Y in the layout its readers want, ops/quantize.cc) exactly when its
  // output's readers are.
  const int num_nodes = g.nodes() != nullptr ? static_cast<int>(g.nodes()->size()) : 0;
  for (int n = num_nodes - 1; n >= 0; --n) {
    const fb::Node* node = g.nodes()->Get(n);
    if (node->inputs() == nullptr) continue;
    const OpEntry* entry = find_op(node->op_type());
    bool nhwc_reader = entry != nullptr && entry->layout == LayoutPolicy::kNhwc;
    const fb::Op op = node->op_type();
    const bool elementwise =
        op == fb::Op::Binary || op == fb::Op::Unary || op == fb::Op::Quantize || op == fb::Op::Dequantize;
    const auto* perm = op == fb::Op::Transpose && node->op_as_Transpose() != nullptr
                           ? node->op_as_Transpose()->perm()
                           : nullptr;
    if (perm != nullptr && perm->size() == 4 && perm->Get(0) == 0 && perm->Get(1) == 2 && perm->Get(2) == 3 &&
        perm->Get(3) == 1)
      nhwc_reader = true;
    if (elementwise && node->outputs() != nullptr && node->outputs()->size() == 1 &&
        valid(node->outputs()->Get(0))) {
      decide(node->outputs()->Get(0));
      nhwc_reader = values_[node->outputs()->Get(0)].readers_layout == Layout::kNhwc;
    }
    for (int32_t id : *node->inputs()) {
      if (!valid(id)) continue;
      ++readers[id];
      if (!nhwc_reader) plain_reader[id] = true;
    }
  }
  for (size_t id = 0; id < values_.size(); ++id) decide(static_cast<int32_t>(id));
}

void Session::Impl::mark_light_steps() {
  for (Step& step : steps_) {
    if (step.info.macs != 0) continue;
    size_t bytes = 0;
    for (const auto* ids : {&step.inputs, &step.outputs})
      for (int id : *ids)
        if (id != -1 && values_[id].constant == nullptr) bytes += values_[id].desc.bytes();
    step.single_thread = bytes <= kLightStepBytes;
  }
}

Result<int> Session::Impl::convert(int value, Layout target, const fb::Node& node) {
  const auto key = std::make_pair(value, target);
  if (auto it = conversions_.find(key); it != conversions_.end()) return it->second;
  const TensorDesc src = values_[value].desc;
  const std::string name = "reorder:" + src.name + "->" + layout_name(target);
  Step step;
  step.node = &node;
  step.kernel = make_reorder_kernel(target);
  step.inputs = {value};
  std::vector<TensorDesc> out(1);
  out[0].name = src.name + "@" + layout_name(target);
  out[0].quant = src.quant;
  SATURN_RETURN_IF_ERROR(prepare(step, name, out, {}));
  if (out[0].dims != src.dims || out[0].dtype != src.dtype || out[0].layout != target) {
    return Status::error(name + ": the reorder changed dims or dtype");
  }
  const int s = static_cast<int>(steps_.size());
  Value converted;
  converted.desc = out[0];
  converted.producer = s;
  values_[value].last_use = s;
  values_.push_back(std::move(converted));
  const int id = static_cast<int>(values_.size()) - 1;
  step.outputs = {id};
  step.info.name = name;
  step.info.op = "Reorder";
  step.info.dtype = src.dtype;
  steps_.push_back(std::move(step));
  conversions_[key] = id;
  return id;
}

Status Session::Impl::add_graph_outputs() {
  const fb::Graph& g = *model_->fb().graph();
  if (g.outputs() == nullptr) return Status::ok();
  for (int32_t t : *g.outputs()) {
    const Value& v = values_[t];
    outputs_.push_back({v.desc.name, v.desc.dims, v.desc.dtype});
    if (v.constant != nullptr) {
      output_sources_.push_back({-1, v.constant});
      continue;
    }
    int id = t;
    if (v.desc.layout != Layout::kPlain) {
      Result<int> converted = convert(t, Layout::kPlain, *steps_[v.producer].node);
      if (!converted.is_ok()) return converted.status();
      id = *converted;
    }
    values_[id].live_to_end = true;
    output_sources_.push_back({id, nullptr});
  }
  return Status::ok();
}

std::vector<int> Session::Impl::buffer_owners() const {
  std::vector<int> owner(values_.size());
  for (size_t v = 0; v < owner.size(); ++v) owner[v] = static_cast<int>(v);
  for (size_t s = 0; s < steps_.size(); ++s) {  // in run order, so an input's owner is final
    const Step& step = steps_[s];
    if (step.reusable_input < 0 || step.outputs.empty()) continue;
    const int in = step.inputs[step.reusable_input], out = step.outputs[0];
    if (in == -1) continue;
    const Value& r = values_[in];
    const bool last_reader = r.last_use == static_cast<int>(s) && !r.live_to_end &&
                             std::count(step.inputs.begin(), step.inputs.end(), in) == 1;
    if (r.producer != -1 && last_reader && r.desc.bytes() == values_[out].desc.bytes())
      owner[out] = owner[in];
  }
  return owner;
}

void Session::Impl::plan_caller_buffers() {
  for (size_t i = 0; i < input_values_.size(); ++i) {
    Value& v = values_[input_values_[i]];
    if (!v.live_to_end && v.caller_input == -1) v.caller_input = static_cast<int>(i);
  }
  for (size_t i = 0; i < output_sources_.size(); ++i) {
    const int id = output_sources_[i].value;
    if (id != -1 && values_[id].producer != -1 && values_[id].caller_output == -1)
      values_[id].caller_output = static_cast<int>(i);
  }
}

Status Session::Impl::plan_memory() {
  MemoryPlanner planner;
  const int last_step = steps_.empty() ? 0 : static_cast<int>(steps_.size()) - 1;
  size_t total = 0;
  auto add = [&](size_t bytes, int first, int last) -> Result<int> {
    const size_t rounded = (bytes + MemoryPlanner::kAlignment - 1) / MemoryPlanner::kAlignment * MemoryPlanner::kAlignment;
    if (rounded < bytes || __builtin_add_overflow(total, rounded, &total)) {
      return Status::error("the session's tensors need more memory than size_t can count");
    }
    return planner.add_buffer(bytes, first, last);
  };
  // One buffer per owner, live from the owner's first step to the last step of any value in it.
  const std::vector<int> owner = buffer_owners();
  std::vector<std::pair<int, int>> span(values_.size(), {-1, -1});
  for (size_t i = 0; i < values_.size(); ++i) {
    const Value& v = values_[i];
    if (v.constant != nullptr || v.caller_input != -1 || (v.producer == -1 && !v.graph_input))
      continue;  // not in the arena
    const int first = v.graph_input ? 0 : v.producer;
    const int last = v.live_to_end ? last_step : std::max(first, v.last_use);
    auto& [owner_first, owner_last] = span[owner[i]];
    if (owner[i] == static_cast<int>(i)) owner_first = first;
    owner_last = std::max(owner_last, last);
  }
  for (size_t i = 0; i < values_.size(); ++i) {
    if (span[i].first == -1) continue;
    Result<int> id = add(values_[i].desc.bytes(), span[i].first, span[i].second);
    if (!id.is_ok()) return id.status();
    values_[i].buffer = *id;
  }
  for (size_t i = 0; i < values_.size(); ++i)
    if (owner[i] != static_cast<int>(i)) values_[i].buffer = values_[owner[i]].buffer;
  for (size_t s = 0; s < steps_.size(); ++s) {
    if (steps_[s].scratch_bytes == 0) continue;
    const int step = static_cast<int>(s);
    Result<int> id = add(steps_[s].scratch_bytes, step, step);
    if (!id.is_ok()) return id.status();
    steps_[s].scratch_buffer = *id;
  }
  planner.plan();
  arena_bytes_ = planner.arena_bytes();
  arena_lower_bound_ = planner.lower_bound();
  const size_t alloc = std::max(arena_bytes_, MemoryPlanner::kAlignment);
  arena_.reset(std::aligned_alloc(MemoryPlanner::kAlignment, alloc));
  if (arena_ == nullptr) return Status::error("cannot allocate the session arena (" + std::to_string(alloc) + " bytes)");
  uint8_t* base = static_cast<uint8_t*>(arena_.get());
  for (Value& v : values_)
    if (v.buffer != -1) v.data = base + planner.offset(v.buffer);
  for (Step& step : steps_)
    if (step.scratch_buffer != -1) step.run_ctx.scratch_ = base + planner.offset(step.scratch_buffer);
  return Status::ok();
}

void Session::Impl::resolve_pointers() {
  for (size_t s = 0; s < steps_.size(); ++s) {
    StepRunContext& rc = steps_[s].run_ctx;
    rc.stream_ = &stream_;
    rc.inputs_.clear();
    for (int id : steps_[s].inputs) {
      if (id == -1) {
        rc.inputs_.push_back(nullptr);
        continue;
      }
      const Value& v = values_[id];
      if (v.caller_input != -1)
        caller_slots_.push_back({false, v.caller_input, s, true, rc.inputs_.size(), nullptr});
      if (v.caller_output != -1)
        caller_slots_.push_back({true, v.caller_output, s, true, rc.inputs_.size(), v.data});
      rc.inputs_.push_back(v.constant != nullptr ? v.constant : v.data);
    }
    rc.outputs_.clear();
    for (int id : steps_[s].outputs) {
      const Value& v = values_[id];
      if (v.caller_output != -1)
        caller_slots_.push_back({true, v.caller_output, s, false, rc.outputs_.size(), v.data});
      rc.outputs_.push_back(v.data);
    }
  }
}

}  // namespace saturn
