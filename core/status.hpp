// Status and Result<T>: expected failures as values.
//
// A Status is a code plus a message from the catalogue (core/message.hpp): the French text for
// the command line and the logs, the key and parameters for the web apps, which show it in the
// reader's language. The code is what programs test. Dropping a Status takes a visible
// `.ignore()`. Thread safety: values, no shared state.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/message.hpp"

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
  using Params = std::initializer_list<MessageParam>;

  Status() = default;
  Status(StatusCode code, Message message);
  // The parts of another status (contexts first, then the message) under `code`; precondition:
  // `parts` is not empty and `code` is not kOk.
  Status(StatusCode code, std::vector<Message> parts);

  static Status ok_status() { return {}; }
#define CARNET_STATUS_FACTORY(name, code)                                                      \
  static Status name(MessageKey key, Params params = {}) { return {code, Message(key, params)}; } \
  static Status name(Message m) { return {code, std::move(m)}; }
  CARNET_STATUS_FACTORY(invalid_argument, StatusCode::kInvalidArgument)
  CARNET_STATUS_FACTORY(not_found, StatusCode::kNotFound)
  CARNET_STATUS_FACTORY(already_exists, StatusCode::kAlreadyExists)
  CARNET_STATUS_FACTORY(failed_precondition, StatusCode::kFailedPrecondition)
  CARNET_STATUS_FACTORY(out_of_range, StatusCode::kOutOfRange)
  CARNET_STATUS_FACTORY(corruption, StatusCode::kCorruption)
  CARNET_STATUS_FACTORY(busy, StatusCode::kBusy)
  CARNET_STATUS_FACTORY(io_error, StatusCode::kIoError)
  CARNET_STATUS_FACTORY(internal, StatusCode::kInternal)
  CARNET_STATUS_FACTORY(permission_denied, StatusCode::kPermissionDenied)
#undef CARNET_STATUS_FACTORY

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // The French text: the contexts, outermost first, then the message ("contexte : message").
  const std::string& message() const { return text_; }
  // What the text is made of, for a reader in another language: the contexts (outermost
  // first) and the message itself, each a catalogue key with its parameters.
  const std::vector<Message>& parts() const { return parts_; }
  // "code: message", for developers and test output.
  std::string to_string() const;
  // Returns the same status with `context` put in front of the message ("context : message").
  Status with_context(MessageKey key, Params params = {}) const { return with_context(Message(key, params)); }
  Status with_context(Message context) const;
  // Explicitly drops a status that the caller has decided not to act on.
  void ignore() const {}

  friend bool operator==(const Status& a, const Status& b) { return a.code_ == b.code_ && a.parts_ == b.parts_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::vector<Message> parts_;  // empty when ok
  std::string text_;            // parts_ rendered in French
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
