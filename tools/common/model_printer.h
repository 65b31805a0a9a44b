// Human-readable dumps of a verified Model and of a Session's plan, for saturn-inspect.
//
// print_model writes: metadata (schema version, producer, converter, source hash, description),
// graph inputs and outputs, every tensor (name, dtype, dims, quant params, weight bytes), every node
// (name, op, input and output tensor names, key options) and the total weight bytes.
// print_session_plan writes the execution steps (including inserted reorders) and the arena size
// against its lower bound.
#pragma once

#include <ostream>
#include <string>

#include "saturn/model.h"
#include "saturn/session.h"

namespace saturn::fb {
struct Node;
}

namespace saturn::tools {

void print_model(const Model& model, std::ostream& out);
void print_session_plan(const Session& session, std::ostream& out);

// The key options of a node as one line, e.g. "kernel=[3,3] strides=[1,1] pads=[1,1,1,1] group=1
// act=Relu"; empty for ops without options.
std::string node_options_string(const fb::Node& node);

}  // namespace saturn::tools
