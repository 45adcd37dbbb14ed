// The web apps' files (HTML, CSS, JavaScript), compiled into the binary from tools/web/assets/
// by cmake/EmbedAssets.cmake, and the message catalogues core/messages/<language>.json as
// "messages/<language>.json" with their list "messages/langues.json": the apps never load
// anything from the disk or the network.
// Immutable; thread safe.
#pragma once

#include <span>
#include <string_view>

namespace carnet::web {

struct Asset {
  std::string_view path;          // relative to tools/web/assets/: "tablet/index.html"
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view data;
};

// Every asset, sorted by path.
std::span<const Asset> assets();

// The asset at `path`, or null.
const Asset* find_asset(std::string_view path);

}  // namespace carnet::web
