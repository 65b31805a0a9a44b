/* Saturn C API: load a model, create a session, run it. A thin layer over saturn::Model and
 * saturn::Session (model.h, session.h) for callers that cannot use C++.
 *
 * Return codes: every function returning int returns SATURN_OK (0) on success and a non-zero
 * SATURN_ERROR_* code on failure; saturn_last_error() then describes the failure. The message is
 * thread-local: it belongs to the calling thread and stays valid until that thread's next failing
 * call. Successful calls leave it unchanged.
 *
 * Ownership: saturn_model_load() and saturn_session_create() hand out objects that the caller frees
 * with the matching destroy function (NULL is allowed there). A session keeps its model alive, so
 * a model may be destroyed before the sessions created from it. Strings and dims arrays returned by
 * the accessors belong to the session and live as long as it does.
 *
 * Threads: a model may be shared by any number of threads; a session is used by one thread at a
 * time.
 *
 * Tensors: inputs and outputs are dense, row-major in their logical (ONNX) dims; element types are
 * the SATURN_DTYPE_* values; saturn_session_*_bytes() gives each buffer's size in bytes.
 */
#ifndef SATURN_C_API_H_
#define SATURN_C_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct saturn_model saturn_model;
typedef struct saturn_session saturn_session;

enum {
  SATURN_OK = 0,
  SATURN_ERROR_INVALID_ARGUMENT = 1, /* a NULL pointer, an index out of range, a count mismatch */
  SATURN_ERROR_LOAD = 2,             /* the model file could not be read or failed verification */
  SATURN_ERROR_SESSION = 3,          /* the session could not be created (unsupported op, shapes) */
  SATURN_ERROR_RUN = 4               /* run failed */
};

/* Element types; the values equal saturn::DType. */
enum { SATURN_DTYPE_F32 = 0, SATURN_DTYPE_S8 = 1, SATURN_DTYPE_U8 = 2, SATURN_DTYPE_S32 = 3, SATURN_DTYPE_S64 = 4 };

/* The library version, e.g. "0.1.0". */
const char* saturn_version(void);

/* The message of the calling thread's last failure ("" if none). */
const char* saturn_last_error(void);

/* Maps and verifies the .saturn file at `path`; *model receives the new model. */
int saturn_model_load(const char* path, saturn_model** model);
/* Copies and verifies `size` bytes of a .saturn model. */
int saturn_model_load_bytes(const void* data, size_t size, saturn_model** model);
void saturn_model_destroy(saturn_model* model);

/* Creates a session; `threads` > 0 sets the thread count for runs, 0 keeps the process default. */
int saturn_session_create(const saturn_model* model, int threads, saturn_session** session);
void saturn_session_destroy(saturn_session* session);

size_t saturn_session_input_count(const saturn_session* session);
size_t saturn_session_output_count(const saturn_session* session);
/* Name of input/output `index`, or NULL when the session is NULL or the index out of range. */
const char* saturn_session_input_name(const saturn_session* session, size_t index);
const char* saturn_session_output_name(const saturn_session* session, size_t index);
/* *dims receives a pointer to *rank dims of input/output `index`. */
int saturn_session_input_dims(const saturn_session* session, size_t index, const int64_t** dims, size_t* rank);
int saturn_session_output_dims(const saturn_session* session, size_t index, const int64_t** dims, size_t* rank);
/* SATURN_DTYPE_* of input/output `index`, or -1 when out of range. */
int saturn_session_input_dtype(const saturn_session* session, size_t index);
int saturn_session_output_dtype(const saturn_session* session, size_t index);
/* Size in bytes of input/output `index`, or 0 when out of range. */
size_t saturn_session_input_bytes(const saturn_session* session, size_t index);
size_t saturn_session_output_bytes(const saturn_session* session, size_t index);

/* Runs the session: inputs[i] holds input i (num_inputs must equal the input count; read in place
 * during the call, never written), outputs[i] receives output i (num_outputs must equal the output
 * count). Buffers may overlap. The caller owns every buffer. */
int saturn_session_run(saturn_session* session, const void* const* inputs, size_t num_inputs, void* const* outputs,
                       size_t num_outputs);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SATURN_C_API_H_ */
