// A Message as JSON, the one form the web pages and the stores share:
//   {"cle": KEY, "params": {NAME: "value" | [{"cle", "params"}, ...]}}
// message_from_json() reads it back, refusing keys this program's catalogue does not have
// (a record written by another version) and documents nested deeper than 4. Thread safety:
// pure functions.
#pragma once

#include <optional>

#include "core/json.hpp"
#include "core/message.hpp"

namespace carnet::core {

Json message_json(const Message& m);
std::optional<Message> message_from_json(const Json& j);

}  // namespace carnet::core
