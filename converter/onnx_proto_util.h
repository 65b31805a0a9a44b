// Conversions between ONNX protobuf messages and the converter IR (converter/ir/graph.h).
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "converter/ir/graph.h"
#include "saturn/status.h"

namespace saturn::converter {

// TensorProto -> constant ir::Tensor (typed fields or raw_data). External data and string tensors
// are errors; `what` names the tensor's role in messages.
Result<ir::Tensor> tensor_from_proto(const onnx::TensorProto& proto, const std::string& what);
// Constant ir::Tensor -> TensorProto (raw_data).
void tensor_to_proto(const ir::Tensor& t, onnx::TensorProto* proto);

Result<ir::Attribute> attribute_from_proto(const onnx::AttributeProto& proto, const std::string& node_name);
// Attributes of kind kOther (graphs, sparse tensors) are not exported.
bool attribute_to_proto(const std::string& name, const ir::Attribute& a, onnx::AttributeProto* proto);

// Reads elem type and dims from a ValueInfoProto into `t` (only what is known: unknown dims -1).
void read_value_info(const onnx::ValueInfoProto& vi, ir::Tensor* t);
// ValueInfoProto with t's elem type and (if has_shape) dims; unknown dims left without a value.
void write_value_info(const ir::Tensor& t, onnx::ValueInfoProto* vi);

}  // namespace saturn::converter
