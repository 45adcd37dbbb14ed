#include "tools/web/assets.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/message.hpp"

namespace carnet::web {
namespace {

// The message catalogues as "messages/<language>.json", and their list as
// "messages/langues.json" (["fr", …]), made once from core's files.
const std::vector<Asset>& catalogue_assets() {
  static const std::vector<std::string> paths = [] {
    std::vector<std::string> p;
    for (const core::CatalogueFile& f : core::message_catalogue_files()) p.push_back("messages/" + std::string(f.language) + ".json");
    return p;
  }();
  static const std::string list = [] {
    core::Json languages = core::Json::array();
    for (const core::CatalogueFile& f : core::message_catalogue_files()) languages.push(f.language);
    return languages.dump();
  }();
  static const std::vector<Asset> all = [] {
    constexpr std::string_view kJson = "application/json; charset=utf-8";
    std::vector<Asset> a;
    const auto files = core::message_catalogue_files();
    for (std::size_t i = 0; i < files.size(); ++i) a.push_back({paths[i], kJson, files[i].json});
    a.push_back({"messages/langues.json", kJson, list});
    return a;
  }();
  return all;
}

}  // namespace

const Asset* find_asset(std::string_view path) {
  for (const Asset& a : catalogue_assets()) {
    if (a.path == path) return &a;
  }
  const auto all = assets();
  const auto it = std::lower_bound(all.begin(), all.end(), path, [](const Asset& a, std::string_view p) { return a.path < p; });
  return it != all.end() && it->path == path ? &*it : nullptr;
}

}  // namespace carnet::web
