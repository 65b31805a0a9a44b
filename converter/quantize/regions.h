// Region decisions of the INT8 pass (quantize_pass.h describes the rules): which nodes run in
// INT8, which anchors produce F32, and the residual fusion.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "converter/ir/graph.h"

namespace saturn::converter::quantize {

enum class Role { kFp32, kAnchor, kFollower };

// The node's role when eligible: kAnchor / kFollower by op and inputs, else kFp32.
Role int8_role(const ir::Node& node, const ir::Graph& graph);

// True for followers whose output shares its input's scale (all but Add, Mul and the split Activation).
bool keeps_scale(const ir::Node& node);

// The runtime (non-constant, non-empty) inputs of a node that carry data (not shape/index inputs).
std::vector<std::string> data_inputs(const ir::Node& node, const ir::Graph& graph);

struct Regions {
  std::vector<bool> int8;        // per node: runs in INT8
  std::set<std::string> int8_out;  // runtime tensors produced in INT8
};

// Decides modes and output types for graph.nodes (in order).
Regions decide_regions(const ir::Graph& graph, const std::set<std::string>& fp32_nodes);

// Fuses residual Adds into Convs (rewrites graph.nodes and `regions` together). Returns the number
// of fusions. R keeps its own type and scale (the Conv's sum post-op reads it as such).
int fuse_residuals(ir::Graph& graph, Regions& regions);

}  // namespace saturn::converter::quantize
