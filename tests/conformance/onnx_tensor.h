// Helpers of the ONNX conformance runner: TensorProto files to arrays, and the ONNX backend-test
// comparison |out - ref| <= atol + rtol * |ref|.
#pragma once

#include <string>

#include "saturn/status.h"
#include "tools/common/npy.h"

namespace onnx {
class TensorProto;
}

namespace saturn::conformance {

// Reads a serialized onnx.TensorProto (input_*.pb / output_*.pb). *name receives its name field
// (may be empty). Types Saturn has no DType for are rejected with a message naming the file.
Result<npy::Array> read_tensor_proto(const std::string& path, std::string* name);
Result<npy::Array> tensor_proto_to_array(const onnx::TensorProto& t, const std::string& origin);

// Compares `out` with `ref` elementwise (dtypes and dims must match). NaN equals NaN, equal
// infinities are equal. On mismatch the message names `what` and the worst element: its index,
// both values, the difference and the allowed difference.
Status compare_outputs(const std::string& what, const npy::Array& out, const npy::Array& ref, double rtol, double atol);

}  // namespace saturn::conformance
