// fold_pads (passes.h): a Pad that pads nothing is removed, and a zero Pad of the spatial dims
// whose only reader is a Conv or AveragePool becomes that op's own pads. PyTorch exports
// AvgPool2d as Pad (all zeros) + AveragePool (DenseNet-121's transitions: three Pads and six
// reorders around them, 15% of its INT8 time); Keras' ZeroPadding2D before a strided Conv exports as
// Pad + Conv.
#include <algorithm>

#include "converter/passes/passes.h"

namespace saturn::converter {
namespace {

// A Pad node's parameters, when they are known constants.
struct PadSpec {
  std::string mode;
  std::vector<int64_t> pads;  // [begin of each dim..., end of each dim...]
  double value = 0;
};

bool read_pad(const ir::Node& n, const ir::Graph& g, PadSpec* spec) {
  if (n.op_type != "Pad" || !n.domain.empty() || n.inputs.empty() || n.outputs.size() != 1) return false;
  spec->mode = n.attr_string("mode", "constant");
  if (n.opset < 11) {
    spec->pads = n.attr_ints("pads", {});
    spec->value = n.attr_float("value", 0.f);
  } else {
    const ir::Tensor* pads = g.constant(n.input(1));
    if (pads == nullptr || !n.input(3).empty()) return false;  // runtime pads, or axes (opset 18)
    spec->pads = pads->as_int64s();
    if (!n.input(2).empty()) {
      const ir::Tensor* value = g.constant(n.input(2));
      if (value == nullptr || value->numel() != 1) return false;
      spec->value = value->as_doubles()[0];
    }
  }
  const ir::Tensor* x = g.find(n.input(0));
  return x != nullptr && x->has_shape && spec->pads.size() == 2 * x->dims.size();
}

bool all_zero(const std::vector<int64_t>& v) {
  return std::all_of(v.begin(), v.end(), [](int64_t p) { return p == 0; });
}

// True when `reader` takes the padded tensor as input 0 and can pad by `extra` ([begin of each
// spatial dim..., end of each...], zeros) itself: a Conv, or an AveragePool that counts the pads
// (count_include_pad, or no pads of its own) and rounds its output size down. `own_pads` gets the
// reader's own pads.
bool absorbs(const ir::Node& reader, const std::string& padded, const std::vector<int64_t>& extra,
             std::vector<int64_t>* own_pads) {
  if (!reader.domain.empty() || reader.input(0) != padded) return false;
  const std::string auto_pad = reader.attr_string("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID") return false;
  std::vector<int64_t>& own = *own_pads;
  own = reader.attr_ints("pads", std::vector<int64_t>(extra.size(), 0));
  if (own.size() != extra.size()) return false;
  for (size_t i = 1; i < reader.inputs.size(); ++i)
    if (reader.inputs[i] == padded) return false;  // also a weight or bias
  if (reader.op_type == "Conv") return true;
  return reader.op_type == "AveragePool" && reader.attr_int("ceil_mode", 0) == 0 &&
         (reader.attr_int("count_include_pad", 0) == 1 || all_zero(own));
}

}  // namespace

Status fold_pads(ir::Graph& g) {
  const std::map<std::string, std::vector<size_t>> readers = g.consumers();
  std::map<std::string, std::string> alias;  // a removed Pad's output -> its input
  std::vector<bool> removed(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (std::string& in : g.nodes[i].inputs) {  // readers of removed Pads read their inputs
      for (auto a = alias.find(in); a != alias.end(); a = alias.find(in)) in = a->second;
    }
    PadSpec spec;
    const ir::Node& pad = g.nodes[i];
    if (!read_pad(pad, g, &spec) || g.is_graph_output(pad.outputs[0])) continue;
    const std::string& padded = pad.outputs[0];
    if (all_zero(spec.pads)) {
      alias[padded] = pad.input(0);
      removed[i] = true;
      continue;
    }
    const size_t rank = spec.pads.size() / 2;
    auto it = readers.find(padded);
    if (spec.mode != "constant" || spec.value != 0 || rank < 3 || it == readers.end() || it->second.size() != 1)
      continue;
    bool spatial_only = spec.pads[0] == 0 && spec.pads[1] == 0 && spec.pads[rank] == 0 && spec.pads[rank + 1] == 0;
    std::vector<int64_t> extra;  // the spatial pads, in Conv's and AveragePool's order
    for (size_t half : {size_t{0}, rank})
      for (size_t d = 2; d < rank; ++d) {
        spatial_only = spatial_only && spec.pads[half + d] >= 0;
        extra.push_back(spec.pads[half + d]);
      }
    ir::Node& reader = g.nodes[it->second[0]];
    std::vector<int64_t> own;
    if (!spatial_only || !absorbs(reader, padded, extra, &own)) continue;
    for (size_t k = 0; k < own.size(); ++k) own[k] += extra[k];
    ir::Attribute pads_attr;
    pads_attr.kind = ir::Attribute::Kind::kInts;
    pads_attr.ints = own;
    reader.attrs["pads"] = pads_attr;
    reader.attrs.erase("auto_pad");
    if (reader.op_type == "AveragePool") reader.attrs["count_include_pad"] = ir::int_attribute(1);
    alias[padded] = pad.input(0);
    removed[i] = true;
  }
  g.erase_nodes(removed);
  g.drop_unused_tensors();
  return Status::ok();
}

}  // namespace saturn::converter
