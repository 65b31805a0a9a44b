#include "ops/dnnl_step.h"

#include "ops/dnnl/dnnl_util.h"

namespace saturn {

size_t ScratchPlan::reserve(size_t bytes) {
  const size_t offset = total_;
  total_ += (bytes + 63) / 64 * 64;
  return offset;
}

dnnl::primitive_attr scratchpad_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

void DnnlStep::bind(int arg, const dnnl::memory::desc& md, const dnnl::engine& engine, Source source,
                    size_t index, size_t offset) {
  dnnl::memory memory(md, engine, DNNL_MEMORY_NONE);
  bindings_.push_back({memory, source, index, offset});
  args_[arg] = memory;
}

void DnnlStep::bind_input(int arg, const dnnl::memory::desc& md, const dnnl::engine& engine, int index,
                          size_t offset) {
  bind(arg, md, engine, Source::kInput, static_cast<size_t>(index), offset);
}

void DnnlStep::bind_output(int arg, const dnnl::memory::desc& md, const dnnl::engine& engine, int index,
                           size_t offset) {
  bind(arg, md, engine, Source::kOutput, static_cast<size_t>(index), offset);
}

void DnnlStep::bind_scratch(int arg, const dnnl::memory::desc& md, const dnnl::engine& engine,
                            size_t offset) {
  bind(arg, md, engine, Source::kScratch, offset);
}

void DnnlStep::bind_owned(int arg, const dnnl::memory& memory) { args_[arg] = memory; }

void DnnlStep::bind_scratchpad(const dnnl::primitive_desc_base& pd, const dnnl::engine& engine,
                               ScratchPlan& plan) {
  const dnnl::memory::desc md = pd.scratchpad_desc();
  if (md.get_size() == 0) return;
  bind_scratch(DNNL_ARG_SCRATCHPAD, md, engine, plan.reserve(md.get_size()));
}

void DnnlStep::bind_only_scratchpad(PrepareContext& ctx, const dnnl::primitive_desc_base& pd) {
  ScratchPlan plan;
  bind_scratchpad(pd, ctx.engine(), plan);
  ctx.request_scratch(plan.total());
  ctx.set_impl(dnnl_util::impl_name(pd));
}

void DnnlStep::run(RunContext& ctx, const dnnl::stream& stream) const {
  for (const Binding& b : bindings_) {
    char* handle = nullptr;
    switch (b.source) {
      case Source::kInput: handle = static_cast<char*>(const_cast<void*>(ctx.input(static_cast<int>(b.index)))); break;
      case Source::kOutput: handle = static_cast<char*>(ctx.output(static_cast<int>(b.index))); break;
      case Source::kScratch: handle = static_cast<char*>(ctx.scratch()) + b.index; break;
    }
    b.memory.set_data_handle(handle + b.offset);
  }
  primitive_.execute(stream, args_);
}

}  // namespace saturn
