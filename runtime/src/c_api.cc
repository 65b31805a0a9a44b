#include "saturn/c_api.h"

#include <exception>
#include <memory>
#include <string>

#include "saturn/model.h"
#include "saturn/session.h"
#include "saturn/version.h"

struct saturn_model {
  std::shared_ptr<const saturn::Model> model;
};

struct saturn_session {
  std::unique_ptr<saturn::Session> session;
};

namespace {

thread_local std::string g_last_error;

int fail(int code, std::string message) {
  g_last_error = std::move(message);
  return code;
}

const saturn::TensorInfo* info(const saturn_session* s, size_t index, bool input) {
  if (s == nullptr) return nullptr;
  const auto& list = input ? s->session->inputs() : s->session->outputs();
  return index < list.size() ? &list[index] : nullptr;
}

int dims_of(const saturn_session* s, size_t index, const int64_t** dims, size_t* rank, bool input) {
  const saturn::TensorInfo* t = info(s, index, input);
  const char* what = input ? "input" : "output";
  if (t == nullptr) {
    return fail(SATURN_ERROR_INVALID_ARGUMENT, std::string("saturn_session_") + what + "_dims: no " + what + " " +
                                                   std::to_string(index) + " (or session is NULL)");
  }
  if (dims == nullptr || rank == nullptr) {
    return fail(SATURN_ERROR_INVALID_ARGUMENT, std::string("saturn_session_") + what + "_dims: dims or rank is NULL");
  }
  *dims = t->dims.data();
  *rank = t->dims.size();
  return SATURN_OK;
}

int load(saturn::Result<std::shared_ptr<const saturn::Model>> loaded, saturn_model** model) {
  if (!loaded.is_ok()) return fail(SATURN_ERROR_LOAD, loaded.status().message());
  try {
    *model = new saturn_model{std::move(loaded).value()};
  } catch (const std::exception& e) {
    return fail(SATURN_ERROR_LOAD, e.what());
  }
  return SATURN_OK;
}

}  // namespace

extern "C" {

const char* saturn_version(void) { return saturn::kVersion; }

const char* saturn_last_error(void) { return g_last_error.c_str(); }

int saturn_model_load(const char* path, saturn_model** model) {
  if (path == nullptr || model == nullptr) return fail(SATURN_ERROR_INVALID_ARGUMENT, "saturn_model_load: path or model is NULL");
  *model = nullptr;
  return load(saturn::Model::load(path), model);
}

int saturn_model_load_bytes(const void* data, size_t size, saturn_model** model) {
  if (data == nullptr || model == nullptr) {
    return fail(SATURN_ERROR_INVALID_ARGUMENT, "saturn_model_load_bytes: data or model is NULL");
  }
  *model = nullptr;
  return load(saturn::Model::from_bytes({static_cast<const uint8_t*>(data), size}), model);
}

void saturn_model_destroy(saturn_model* model) { delete model; }

int saturn_session_create(const saturn_model* model, int threads, saturn_session** session) {
  if (model == nullptr || session == nullptr) {
    return fail(SATURN_ERROR_INVALID_ARGUMENT, "saturn_session_create: model or session is NULL");
  }
  *session = nullptr;
  if (threads < 0) {
    return fail(SATURN_ERROR_INVALID_ARGUMENT,
                "saturn_session_create: threads is " + std::to_string(threads) + ", expected >= 0");
  }
  saturn::SessionOptions options;
  options.threads = threads;
  auto created = saturn::Session::create(model->model, options);
  if (!created.is_ok()) return fail(SATURN_ERROR_SESSION, created.status().message());
  try {
    *session = new saturn_session{std::move(created).value()};
  } catch (const std::exception& e) {
    return fail(SATURN_ERROR_SESSION, e.what());
  }
  return SATURN_OK;
}

void saturn_session_destroy(saturn_session* session) { delete session; }

size_t saturn_session_input_count(const saturn_session* s) { return s ? s->session->inputs().size() : 0; }
size_t saturn_session_output_count(const saturn_session* s) { return s ? s->session->outputs().size() : 0; }

const char* saturn_session_input_name(const saturn_session* s, size_t i) {
  const saturn::TensorInfo* t = info(s, i, true);
  return t ? t->name.c_str() : nullptr;
}
const char* saturn_session_output_name(const saturn_session* s, size_t i) {
  const saturn::TensorInfo* t = info(s, i, false);
  return t ? t->name.c_str() : nullptr;
}

int saturn_session_input_dims(const saturn_session* s, size_t i, const int64_t** dims, size_t* rank) {
  return dims_of(s, i, dims, rank, true);
}
int saturn_session_output_dims(const saturn_session* s, size_t i, const int64_t** dims, size_t* rank) {
  return dims_of(s, i, dims, rank, false);
}

int saturn_session_input_dtype(const saturn_session* s, size_t i) {
  const saturn::TensorInfo* t = info(s, i, true);
  return t ? static_cast<int>(t->dtype) : -1;
}
int saturn_session_output_dtype(const saturn_session* s, size_t i) {
  const saturn::TensorInfo* t = info(s, i, false);
  return t ? static_cast<int>(t->dtype) : -1;
}

size_t saturn_session_input_bytes(const saturn_session* s, size_t i) {
  const saturn::TensorInfo* t = info(s, i, true);
  return t ? t->bytes() : 0;
}
size_t saturn_session_output_bytes(const saturn_session* s, size_t i) {
  const saturn::TensorInfo* t = info(s, i, false);
  return t ? t->bytes() : 0;
}

int saturn_session_run(saturn_session* session, const void* const* inputs, size_t num_inputs, void* const* outputs,
                       size_t num_outputs) {
  if (session == nullptr) return fail(SATURN_ERROR_INVALID_ARGUMENT, "saturn_session_run: session is NULL");
  if ((inputs == nullptr && num_inputs > 0) || (outputs == nullptr && num_outputs > 0)) {
    return fail(SATURN_ERROR_INVALID_ARGUMENT, "saturn_session_run: inputs or outputs is NULL");
  }
  const saturn::Status status = session->session->run({inputs, num_inputs}, {outputs, num_outputs});
  if (!status.is_ok()) {
    const bool count_error = num_inputs != session->session->inputs().size() ||
                             num_outputs != session->session->outputs().size();
    return fail(count_error ? SATURN_ERROR_INVALID_ARGUMENT : SATURN_ERROR_RUN, status.message());
  }
  return SATURN_OK;
}

}  // extern "C"
