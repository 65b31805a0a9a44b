#include "saturn/model.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "runtime/src/huge_pages.h"
#include "runtime/src/model_validate.h"
#include "saturn/schema/saturn_generated.h"
#include "saturn/version.h"

namespace saturn {

namespace {

constexpr size_t kAlign = 64;

std::string errno_text(int err) { return std::strerror(err); }

// The 4 identifier bytes, non-printable ones as '?'.
std::string printable_identifier(const uint8_t* id) {
  std::string s;
  for (int i = 0; i < 4; ++i) s += (id[i] >= 0x20 && id[i] < 0x7f) ? static_cast<char>(id[i]) : '?';
  return s;
}

}  // namespace

Model::~Model() { std::free(const_cast<uint8_t*>(data_)); }

Result<std::shared_ptr<const Model>> Model::load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::error("cannot open model '" + path + "': " + errno_text(errno));
  const std::unique_ptr<const int, void (*)(const int*)> closer(&fd, [](const int* f) { ::close(*f); });
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::error("cannot stat model '" + path + "': " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) return Status::error("cannot load model '" + path + "': not a regular file");
  const size_t size = static_cast<size_t>(st.st_size);
  if (size < 8) {
    return Status::error("model '" + path + "': file too small (" + std::to_string(size) +
                         " bytes, a Saturn model has at least 8): truncated or corrupt file");
  }
  std::shared_ptr<Model> model(new Model());
  model->data_ = static_cast<const uint8_t*>(allocate_huge_pages(size));
  if (model->data_ == nullptr) {
    return Status::error("model '" + path + "': cannot allocate " + std::to_string(size) + " bytes");
  }
  model->size_ = size;
  model->origin_ = path;
  auto* dst = const_cast<uint8_t*>(model->data_);
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::read(fd, dst + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Status::error("cannot read model '" + path + "': " +
                           (n < 0 ? errno_text(errno) : "file shrank while reading"));
    }
    done += static_cast<size_t>(n);
  }
  return verify(std::move(model));
}

Result<std::shared_ptr<const Model>> Model::from_bytes(std::span<const uint8_t> bytes, const std::string& origin) {
  const size_t capacity = (bytes.size() + kAlign - 1) / kAlign * kAlign + kAlign;
  void* copy = std::aligned_alloc(kAlign, capacity);
  if (copy == nullptr) {
    return Status::error("model '" + origin + "': cannot allocate " + std::to_string(bytes.size()) + " bytes");
  }
  if (!bytes.empty()) std::memcpy(copy, bytes.data(), bytes.size());
  std::shared_ptr<Model> model(new Model());
  model->data_ = static_cast<const uint8_t*>(copy);
  model->size_ = bytes.size();
  model->origin_ = origin;
  return verify(std::move(model));
}

Result<std::shared_ptr<const Model>> Model::verify(std::shared_ptr<Model> model) {
  const std::string where = "model '" + model->origin_ + "'";
  const uint8_t* data = model->data_;
  const size_t size = model->size_;
  if (size < 8) {
    return Status::error(where + ": file too small (" + std::to_string(size) +
                         " bytes, a Saturn model has at least 8): truncated or corrupt file");
  }
  if (!flatbuffers::BufferHasIdentifier(data, fb::ModelIdentifier())) {
    return Status::error(where + ": wrong file identifier '" + printable_identifier(data + 4) +
                         "', expected '" + fb::ModelIdentifier() + "' (not a Saturn model)");
  }
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return Status::error(where + ": file too large (" + std::to_string(size) + " bytes, FlatBuffers allows less than " +
                         std::to_string(static_cast<size_t>(FLATBUFFERS_MAX_BUFFER_SIZE)) + ")");
  }
  flatbuffers::Verifier verifier(data, size);
  if (!fb::VerifyModelBuffer(verifier)) {
    return Status::error(where + ": truncated or corrupt file (FlatBuffers verification failed on " +
                         std::to_string(size) + " bytes)");
  }
  const fb::Model* root = fb::GetModel(data);
  if (root->schema_version() > kSchemaVersion) {
    return Status::error(where + ": schema version " + std::to_string(root->schema_version()) +
                         " is newer than the supported version " + std::to_string(kSchemaVersion) +
                         "; upgrade the Saturn runtime");
  }
  SATURN_RETURN_IF_ERROR(validate_model(*root).with_context(where));
  model->root_ = root;
  return std::shared_ptr<const Model>(std::move(model));
}

}  // namespace saturn
