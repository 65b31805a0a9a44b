// Small helpers shared by the kernels of ops/ (validation messages, dims arithmetic, strides).
// Messages follow the project rule: they name the tensor and say what was expected and found;
// PrepareContext::error() prefixes the node and op.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ops/kernel.h"

namespace saturn::op_util {

// "[1, 3, 224, 224]".
std::string dims_string(const std::vector<int64_t>& dims);
// "input 1 'bias'" / "output 0 'y'".
std::string input_label(const PrepareContext& ctx, int i);
std::string output_label(PrepareContext& ctx, int i);

// Checks that the node has between min_inputs and max_inputs inputs (absent optional ones count)
// and exactly `outputs` outputs, and that inputs [0, min_inputs) are present.
Status check_arity(const PrepareContext& ctx, int min_inputs, int max_inputs, int outputs);
Status check_dtype(const PrepareContext& ctx, int i, DType expected);
// Checks that input i is in Plain layout (the plain C++ kernels' requirement).
Status check_plain(const PrepareContext& ctx, int i);
// Checks that input i has between min_rank and max_rank dims.
Status check_rank(const PrepareContext& ctx, int i, int min_rank, int max_rank);
// Checks that input i is a constant (its bytes are in the model).
Status check_constant(const PrepareContext& ctx, int i);

// Product of dims[begin, end).
int64_t product(const std::vector<int64_t>& dims, size_t begin, size_t end);
// Element strides of `dims` in `layout` (Nhwc: rank 4 only), indexed by logical dim.
std::vector<int64_t> strides(const std::vector<int64_t>& dims, Layout layout);

}  // namespace saturn::op_util
