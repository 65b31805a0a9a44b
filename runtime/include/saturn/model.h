// Model: an immutable, verified Saturn model file.
//
// The only way to get a Model is through load() / from_bytes(), which run every check of DESIGN
// section 4: file identifier, schema version, the FlatBuffers Verifier, then the semantic rules
// (indices in range, dims positive without overflow, buffer sizes = dims x dtype, scales finite and
// > 0 with per-channel counts matching, graph acyclic and every node input produced). A Model that
// exists has passed all of them, so nothing downstream re-checks the file's structure.
//
// A Model owns its bytes (the file read into memory in 2 MiB pages where the OS allows, see
// runtime/src/huge_pages.h; or a copy) and is safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "saturn/status.h"

namespace saturn {
namespace fb {
struct Model;
}

class Model {
 public:
  // Reads the file and verifies it. Weights are used in place from the bytes read. (It mapped the
  // file until first touches of its 4 KiB pages were seen to cost ~11 µs each in a VM: ResNet-50
  // INT8's load + prepare went 104 -> 93 ms, means of 6 alternating runs.)
  static Result<std::shared_ptr<const Model>> load(const std::string& path);
  // Copies `bytes` into 64-byte aligned storage and verifies them. `origin` names them in errors.
  static Result<std::shared_ptr<const Model>> from_bytes(std::span<const uint8_t> bytes,
                                                         const std::string& origin = "<memory>");

  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const fb::Model& fb() const { return *root_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::string& origin() const { return origin_; }

 private:
  Model() = default;
  static Result<std::shared_ptr<const Model>> verify(std::shared_ptr<Model> model);

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  const fb::Model* root_ = nullptr;
  std::string origin_;
};

}  // namespace saturn
