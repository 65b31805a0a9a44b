// Quantization parameters of the converter's INT8 tensors, kept beside the IR (ir::Graph has no
// quantization fields) and written by the writer into Tensor.quant (schema/saturn.fbs QuantParams).
//
// A QuantMap is keyed by tensor name. A tensor of the final graph is quantized (S8, U8 or S32 in
// the file) exactly when it has an entry; its ir::Tensor dtype is then kInt8, kUint8 or kInt32.
// Convention (DESIGN section 2): real = scale * q, no zero point.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "saturn/schema/saturn_generated.h"

namespace saturn::converter {

struct TensorQuant {
  std::vector<float> scale;  // alpha: one value (axis -1) or dims[axis] values
  int axis = -1;
  float threshold = 0.f;     // calibrated T (0 for weights and biases)
  fb::CalibrationMethod method = fb::CalibrationMethod::None;
};

using QuantMap = std::map<std::string, TensorQuant>;

}  // namespace saturn::converter
