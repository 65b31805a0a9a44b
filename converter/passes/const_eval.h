// Constant evaluation of single ONNX nodes, used by the constant folding pass.
//
// evaluate_node() computes the outputs of `node` when every (non-empty) input is a constant in
// `graph` (Shape only needs its input's static dims). It returns false, leaving `outputs` empty,
// when the op is not one it evaluates or the inputs are not all known; an error when the node is
// invalid (e.g. a Reshape whose element counts disagree). Integers are computed in int64, floats
// in double and rounded to the output type.
#pragma once

#include <vector>

#include "converter/ir/graph.h"
#include "saturn/status.h"

namespace saturn::converter {

Result<bool> evaluate_node(const ir::Node& node, const ir::Graph& graph, std::vector<ir::Tensor>& outputs);

namespace const_eval {
// Helpers shared by the evaluators (const_eval*.cc).
bool is_float(ir::ElemType t);
std::vector<int64_t> broadcast_dims(const std::vector<int64_t>& a, const std::vector<int64_t>& b, bool* ok);
// For every element of `out_dims`, the flat index of the broadcast source element in `in_dims`.
std::vector<int64_t> broadcast_map(const std::vector<int64_t>& in_dims, const std::vector<int64_t>& out_dims);
// Copies elements of `in` at the flat positions `map` (element size from in.dtype).
ir::Tensor gather_elements(const ir::Tensor& in, const std::vector<int64_t>& map, std::vector<int64_t> out_dims,
                           const std::string& name);
int64_t product(const std::vector<int64_t>& dims, size_t from = 0, size_t to = SIZE_MAX);

// Data-movement evaluators (const_eval_shape.cc). Each returns the single output.
Result<ir::Tensor> eval_gather(const ir::Node& n, const ir::Tensor& data, const ir::Tensor& idx);
// ScatterND without reduction: data with the slices that `idx` names replaced by `updates`.
Result<ir::Tensor> eval_scatter_nd(const ir::Node& n, const ir::Tensor& data, const ir::Tensor& idx,
                                   const ir::Tensor& updates);
Result<ir::Tensor> eval_slice(const ir::Node& n, const ir::Graph& g, const ir::Tensor& data);
Result<ir::Tensor> eval_concat(const ir::Node& n, const std::vector<const ir::Tensor*>& ins);
Result<ir::Tensor> eval_transpose(const ir::Node& n, const ir::Tensor& data);
Result<ir::Tensor> eval_reshape_like(const ir::Node& n, const ir::Graph& g, const ir::Tensor& data);
Result<ir::Tensor> eval_expand(const ir::Node& n, const ir::Tensor& data, const ir::Tensor& shape);
}  // namespace const_eval

}  // namespace saturn::converter
