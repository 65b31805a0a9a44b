#include "tools/common/model_printer.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "saturn/schema/saturn_generated.h"

namespace saturn::tools {
namespace {

std::string str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

std::string dims_of(const fb::Tensor& t) {
  std::string s = "[";
  if (t.dims() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < t.dims()->size(); ++i) {
      if (i > 0) s += ", ";
      s += std::to_string(t.dims()->Get(i));
    }
  }
  return s + "]";
}

std::string tensor_name(const fb::Graph& g, int index) {
  if (index < 0) return "<none>";
  if (g.tensors() == nullptr || static_cast<flatbuffers::uoffset_t>(index) >= g.tensors()->size()) return "<bad index>";
  return g.tensors()->Get(index)->name()->str();
}

std::string names(const fb::Graph& g, const flatbuffers::Vector<int32_t>* v) {
  std::string s;
  if (v != nullptr) {
    for (int32_t i : *v) {
      if (!s.empty()) s += ", ";
      s += tensor_name(g, i);
    }
  }
  return s;
}

size_t buffer_bytes(const fb::Model& m, uint32_t buffer) {
  if (buffer == 0 || m.buffers() == nullptr || buffer >= m.buffers()->size()) return 0;
  const fb::Buffer* b = m.buffers()->Get(buffer);
  return (b == nullptr || b->data() == nullptr) ? 0 : b->data()->size();
}

std::string quant_string(const fb::QuantParams& q) {
  std::ostringstream s;
  size_t n = q.scale() == nullptr ? 0 : q.scale()->size();
  s << "scale[" << n << "]";
  if (n > 0) {
    s << "={";
    for (size_t i = 0; i < std::min<size_t>(n, 4); ++i) s << (i ? ", " : "") << std::setprecision(6) << q.scale()->Get(i);
    s << (n > 4 ? ", ...}" : "}");
  }
  s << " axis=" << q.axis() << " threshold=" << q.threshold() << " method=" << fb::EnumNameCalibrationMethod(q.method());
  return s.str();
}

}  // namespace

void print_model(const Model& model, std::ostream& out) {
  const fb::Model& m = model.fb();
  const fb::Graph& g = *m.graph();
  out << "model: " << model.origin() << " (" << model.bytes().size() << " bytes)\n";
  out << "  schema version: " << m.schema_version() << "\n";
  out << "  producer:       " << str(m.producer()) << "\n";
  out << "  converter:      " << str(m.converter()) << "\n";
  out << "  source sha256:  " << str(m.source_sha256()) << "\n";
  if (!str(m.description()).empty()) out << "  description:    " << str(m.description()) << "\n";

  auto io = [&](const char* title, const flatbuffers::Vector<int32_t>* v) {
    out << title << " (" << (v == nullptr ? 0 : v->size()) << "):\n";
    if (v == nullptr) return;
    for (int32_t i : *v) {
      const fb::Tensor* t = g.tensors()->Get(i);
      out << "  " << t->name()->str() << "  " << fb::EnumNameDType(t->dtype()) << " " << dims_of(*t) << "\n";
    }
  };
  io("inputs", g.inputs());
  io("outputs", g.outputs());

  size_t total_weights = 0;
  size_t tensor_count = g.tensors() == nullptr ? 0 : g.tensors()->size();
  out << "tensors (" << tensor_count << "):\n";
  for (size_t i = 0; i < tensor_count; ++i) {
    const fb::Tensor* t = g.tensors()->Get(i);
    size_t wb = buffer_bytes(m, t->buffer());
    total_weights += wb;
    out << "  #" << i << " " << t->name()->str() << "  " << fb::EnumNameDType(t->dtype()) << " " << dims_of(*t);
    if (t->quant() != nullptr) out << "  quant: " << quant_string(*t->quant());
    if (wb > 0) out << "  weights: " << wb << " bytes";
    out << "\n";
  }

  size_t node_count = g.nodes() == nullptr ? 0 : g.nodes()->size();
  // INT8 models: every node is tagged with its region (by the type of its first input), and the
  // FP32 nodes are listed at the end.
  bool quantized = false;
  for (size_t i = 0; i < tensor_count; ++i) {
    const fb::DType d = g.tensors()->Get(i)->dtype();
    quantized = quantized || d == fb::DType::S8 || d == fb::DType::U8;
  }
  std::vector<std::string> fp32_nodes;
  auto region = [&](const fb::Node& n) -> std::string {
    if (n.op_type() == fb::Op::Quantize) return "border (F32 -> INT8)";
    if (n.op_type() == fb::Op::Dequantize) return "border (INT8 -> F32)";
    if (n.inputs() == nullptr || n.inputs()->size() == 0 || n.inputs()->Get(0) < 0) return "FP32";
    const fb::DType d = g.tensors()->Get(n.inputs()->Get(0))->dtype();
    if (d == fb::DType::S8 || d == fb::DType::U8) return "INT8";
    fp32_nodes.push_back(str(n.name()));
    return "FP32";
  };
  out << "nodes (" << node_count << "):\n";
  for (size_t i = 0; i < node_count; ++i) {
    const fb::Node* n = g.nodes()->Get(i);
    out << "  #" << i << " " << str(n->name()) << "  " << fb::EnumNameOp(n->op_type()) << "  (" << names(g, n->inputs())
        << ") -> (" << names(g, n->outputs()) << ")";
    std::string opts = node_options_string(*n);
    if (!opts.empty()) out << "  " << opts;
    if (quantized) out << "  [" << region(*n) << "]";
    out << "\n";
  }
  if (quantized) {
    out << "fp32 region nodes (" << fp32_nodes.size() << "):";
    for (const auto& name : fp32_nodes) out << " " << name;
    out << "\n";
  }
  out << "total weight bytes: " << total_weights << "\n";
}

void print_session_plan(const Session& session, std::ostream& out) {
  const auto& steps = session.steps();
  int64_t total_macs = 0;
  out << "execution steps (" << steps.size() << "):\n";
  for (size_t i = 0; i < steps.size(); ++i) {
    const StepInfo& s = steps[i];
    total_macs += s.macs;
    out << "  #" << i << " " << s.name << "  " << s.op << "  " << dtype_name(s.dtype) << "  impl=" << s.impl;
    if (s.macs > 0) out << "  macs=" << s.macs;
    out << "\n";
  }
  out << "total macs: " << total_macs << "\n";
  size_t arena = session.arena_bytes(), bound = session.arena_lower_bound();
  out << "arena: " << arena << " bytes, lower bound " << bound << " bytes";
  if (bound > 0) {
    std::ostringstream ratio;
    ratio << std::fixed << std::setprecision(3) << static_cast<double>(arena) / static_cast<double>(bound);
    out << " (" << ratio.str() << "x)";
  }
  out << "\n";
}

}  // namespace saturn::tools
