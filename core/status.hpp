// Status and Result<T>: expected failures as values.
//
// A Status is a code plus a message. Messages that can reach an inspector or an office clerk
// are written in French; the code is what programs test. Dropping a Status takes a visible
// `.ignore()`. Thread safety: values, no shared state.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace carnet::core {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad input from a person or a file
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a thing with that id already exists
  kFailedPrecondition,  // the operation is not allowed in the current state
  kOutOfRange,          // a value or a size outside its limits
  kCorruption,          // stored data does not decode
  kBusy,                // the database is locked by another process
  kIoError,             // the file system or the database failed
  kInternal,            // a bug or an injected fault
  kPermissionDenied,    // a wrong passphrase or key: the data stays locked
};

// Stable lower-case name of a code, as printed in JSON output ("invalid_argument", ...).
std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return {}; }
  static Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status failed_precondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status out_of_range(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  static Status corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status busy(std::string m) { return {StatusCode::kBusy, std::move(m)}; }
  static Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status permission_denied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code: message", for developers and test output.
  std::string to_string() const;
  // Returns the same status with `context` put in front of the message ("context : message").
  Status with_context(std::string_view context) const;
  // Explicitly drops a status that the caller has decided not to act on.
  void ignore() const {}

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <class T>
using Result = std::expected<T, Status>;

// Turns a failed Status into the error side of a Result.
inline std::unexpected<Status> fail(Status s) { return std::unexpected<Status>(std::move(s)); }

}  // namespace carnet::core

// Returns from the current function if `expr` (a Status) failed.
#define CARNET_RETURN_IF_ERROR(expr)                  \
  do {                                                \
    ::carnet::core::Status carnet_status_ = (expr);   \
    if (!carnet_status_.ok()) return carnet_status_;  \
  } while (false)

// In a function returning Result<U>: returns the error of a failed Status.
#define CARNET_RETURN_IF_ERROR_R(expr)                                      \
  do {                                                                      \
    ::carnet::core::Status carnet_status_ = (expr);                         \
    if (!carnet_status_.ok()) return ::carnet::core::fail(carnet_status_); \
  } while (false)
