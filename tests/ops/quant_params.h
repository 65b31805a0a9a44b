// QuantParamsHolder: a serialized fb::QuantParams for the kernel tests, standing for a tensor's
// quantization parameters in the model. Keep the holder alive as long as the pointer is used.
//
//   QuantParamsHolder qx({0.02f});                  // per tensor
//   QuantParamsHolder qw(alpha_w, /*axis=*/0);      // per channel
//   TensorDesc d = desc(...); d.quant = qx.get();
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <vector>

#include "saturn/schema/saturn_generated.h"

namespace saturn::testing {

class QuantParamsHolder {
 public:
  explicit QuantParamsHolder(const std::vector<float>& scales, int axis = -1) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreateQuantParamsDirect(b, &scales, axis));
    bytes_.assign(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  }
  const fb::QuantParams* get() const { return flatbuffers::GetRoot<fb::QuantParams>(bytes_.data()); }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace saturn::testing
