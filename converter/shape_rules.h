// ONNX shape rules shared by constant folding and the op lowering, resolved exactly as the ONNX
// operator specification describes them. Every function validates its arguments and returns an
// error message (without node context; callers add it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "saturn/status.h"

namespace saturn::converter {

// Normalizes `axis` in [-rank, rank) to [0, rank).
Result<int64_t> normalize_axis(int64_t axis, int64_t rank, const std::string& what);
// Normalizes, sorts and checks for duplicates.
Result<std::vector<int64_t>> normalize_axes(std::vector<int64_t> axes, int64_t rank, const std::string& what);

// Reshape target: 0 copies the input dim (unless allowzero), one -1 is inferred.
Result<std::vector<int64_t>> resolve_reshape(const std::vector<int64_t>& in_dims, const std::vector<int64_t>& shape,
                                             bool allowzero);

// Slice: one entry per input dim. Axes not named get start 0, end dim, step 1. Starts/ends are
// clamped as in the ONNX spec (to [0, dim] for positive steps, [-1, dim-1] for negative steps).
struct SliceSpec {
  std::vector<int64_t> starts, ends, steps, out_dims;
};
Result<SliceSpec> resolve_slice(const std::vector<int64_t>& in_dims, const std::vector<int64_t>& starts,
                                const std::vector<int64_t>& ends, const std::vector<int64_t>& axes,
                                const std::vector<int64_t>& steps);

// Squeeze: axes (normalized, sorted); empty axes = every dim of size 1. Returns the output dims.
Result<std::vector<int64_t>> resolve_squeeze(const std::vector<int64_t>& in_dims, std::vector<int64_t>* axes);
// Unsqueeze: axes in the output rank (normalized, sorted). Returns the output dims.
Result<std::vector<int64_t>> resolve_unsqueeze(const std::vector<int64_t>& in_dims, std::vector<int64_t>* axes);

std::string dims_to_string(const std::vector<int64_t>& dims);

}  // namespace saturn::converter
