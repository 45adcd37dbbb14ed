#include "core/status.hpp"

namespace carnet::core {

std::string_view status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kAlreadyExists: return "already_exists";
    case StatusCode::kFailedPrecondition: return "failed_precondition";
    case StatusCode::kOutOfRange: return "out_of_range";
    case StatusCode::kCorruption: return "corruption";
    case StatusCode::kBusy: return "busy";
    case StatusCode::kIoError: return "io_error";
    case StatusCode::kInternal: return "internal";
    case StatusCode::kPermissionDenied: return "permission_denied";
  }
  return "unknown";
}

Status::Status(StatusCode code, Message message) : code_(code), text_(message.render()) {
  parts_.push_back(std::move(message));
}

Status::Status(StatusCode code, std::vector<Message> parts) : code_(code), parts_(std::move(parts)) {
  for (const Message& m : parts_) {
    if (!text_.empty()) text_ += message_text("commun.separateur_contexte");
    text_ += m.render();
  }
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  std::string out(status_code_name(code_));
  out += ": ";
  out += text_;
  return out;
}

Status Status::with_context(Message context) const {
  if (ok()) return *this;
  Status s = *this;
  s.text_ = context.render() + std::string(message_text("commun.separateur_contexte")) + text_;
  s.parts_.insert(s.parts_.begin(), std::move(context));
  return s;
}

}  // namespace carnet::core
