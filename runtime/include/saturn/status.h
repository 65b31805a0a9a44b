// Status and Result<T>: how every fallible Saturn call reports failure. Nothing throws across the
// public API. A message names the node, the op and the tensor involved, and says what was expected
// and what was found, e.g. "node 'conv1' (Conv): input 'x' has 3 dims, expected 4".
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace saturn {

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  static Status ok() { return Status(); }
  static Status error(std::string message) { return Status(std::move(message), true); }

  bool is_ok() const { return !failed_; }
  explicit operator bool() const { return is_ok(); }
  const std::string& message() const { return message_; }

  // Prepends context, e.g. status.with_context("loading 'm.saturn'") -> "loading 'm.saturn': ...".
  Status with_context(const std::string& context) const {
    return failed_ ? Status(context + ": " + message_, true) : *this;
  }

 private:
  Status(std::string message, bool failed) : message_(std::move(message)), failed_(failed) {}
  std::string message_;
  bool failed_ = false;
};

// Either a value or a failed Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : value_(std::move(status)) {}  // NOLINT(google-explicit-constructor); must be an error

  bool is_ok() const { return std::holds_alternative<T>(value_); }
  explicit operator bool() const { return is_ok(); }
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(value_); }
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace saturn

// Returns early from a function returning Status or Result<T> when `expr` fails.
#define SATURN_RETURN_IF_ERROR(expr)               \
  do {                                             \
    ::saturn::Status saturn_status_ = (expr);      \
    if (!saturn_status_.is_ok()) return saturn_status_; \
  } while (0)
