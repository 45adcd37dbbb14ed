#include "core/message_json.hpp"

#include <utility>
#include <vector>

namespace carnet::core {
namespace {

constexpr int kMaxDepth = 4;

std::optional<Message> from_json(const Json& j, int depth) {
  if (depth > kMaxDepth || j.kind() != Json::Kind::kObject) return std::nullopt;
  const Json* key = j.find("cle");
  const Json* params = j.find("params");
  if (key == nullptr || key->kind() != Json::Kind::kString) return std::nullopt;
  std::vector<MessageParam> out;
  if (params != nullptr) {
    if (params->kind() != Json::Kind::kObject) return std::nullopt;
    for (const auto& [name, value] : params->as_object()) {
      if (value.kind() == Json::Kind::kString) {
        out.emplace_back(name, value.as_string());
        continue;
      }
      if (value.kind() != Json::Kind::kArray) return std::nullopt;
      std::vector<Message> list;
      for (const Json& sub : value.as_array()) {
        auto m = from_json(sub, depth + 1);
        if (!m) return std::nullopt;
        list.push_back(std::move(*m));
      }
      out.emplace_back(name, std::move(list));
    }
  }
  return Message::received(key->as_string(), std::move(out));
}

}  // namespace

Json message_json(const Message& m) {
  Json params = Json::object();
  for (const MessageParam& p : m.params()) {
    if (p.messages.empty()) {
      params.set(p.name, p.value);
    } else {
      Json list = Json::array();
      for (const Message& sub : p.messages) list.push(message_json(sub));
      params.set(p.name, std::move(list));
    }
  }
  return Json::object().set("cle", m.key()).set("params", std::move(params));
}

std::optional<Message> message_from_json(const Json& j) { return from_json(j, 1); }

}  // namespace carnet::core
