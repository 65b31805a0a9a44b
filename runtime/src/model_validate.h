// Semantic validation of a Saturn model whose bytes already passed the FlatBuffers Verifier
// (runtime-internal; Model::verify is the only caller).
//
// Rules (DESIGN section 4); each failure message names the tensor or node and says what was
// expected and what was found:
//   tensors  dtype a known DType; dims 8-byte aligned in memory; every dim > 0; prod(dims) * dtype size fits in int64 ("dims
//            overflow"); buffer index < number of buffers; a tensor with a buffer has exactly
//            prod(dims) * dtype size bytes of data; quant scales finite and > 0, threshold finite;
//            axis -1 (per tensor: at most one scale) or within the rank (per channel: dims[axis]
//            scales).
//   buffers  buffer 0 empty; every non-empty Buffer.data 64-byte aligned in memory.
//   nodes    op not NONE; a fused or Unary activation of a known kind; inputs in range or -1
//            (absent); outputs in range; a tensor produced by at most one node and never a
//            constant; every present input is a graph input, a constant or produced by a node; the
//            graph acyclic; nodes in topological order.
//   graph    inputs and outputs in range; inputs listed once, not produced and not constants;
//            every output is produced, a graph input or a constant.
#pragma once

#include "saturn/schema/saturn_generated.h"
#include "saturn/status.h"

namespace saturn {

Status validate_model(const fb::Model& model);

}  // namespace saturn
