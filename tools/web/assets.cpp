#include "tools/web/assets.hpp"

#include <algorithm>
#include <string>

#include "core/json.hpp"
#include "core/message.hpp"

namespace carnet::web {
namespace {

// The French catalogue as the pages load it, made once from core's table.
const Asset& french_catalogue() {
  static const std::string json = [] {
    core::Json j = core::Json::object();
    for (const core::MessageEntry& e : core::message_catalogue()) j.set(std::string(e.key), e.text);
    return j.dump(1);
  }();
  static const Asset asset{"messages/fr.json", "application/json; charset=utf-8", json};
  return asset;
}

}  // namespace

const Asset* find_asset(std::string_view path) {
  if (path == french_catalogue().path) return &french_catalogue();
  const auto all = assets();
  const auto it = std::lower_bound(all.begin(), all.end(), path, [](const Asset& a, std::string_view p) { return a.path < p; });
  return it != all.end() && it->path == path ? &*it : nullptr;
}

}  // namespace carnet::web
