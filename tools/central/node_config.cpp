#include "tools/central/node_config.hpp"

#include <filesystem>
#include <map>

#include "storage/files.hpp"
#include "storage/postgres.hpp"

namespace carnet::central {
namespace {

std::string trimmed(std::string s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

}  // namespace

NodeConfig NodeConfig::defaults(const std::string& dir) {
  return {dir, dir + "/central.db", dir + "/blobs", dir + "/ca.pem", dir + "/ca.key", dir + "/server.pem",
          dir + "/server.key", {}};
}

bool NodeConfig::postgres() const { return storage::is_postgres_address(store); }

core::Result<NodeConfig> NodeConfig::load(const std::string& dir) {
  NodeConfig c = defaults(dir);
  const std::string path = file(dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return c;
  auto text = storage::read_file(path, 64 * 1024);
  if (!text) return core::fail(text.error());
  const std::map<std::string, std::string NodeConfig::*> settings = {
      {"store", &NodeConfig::store},       {"blobs", &NodeConfig::blobs},
      {"ca_cert", &NodeConfig::ca_cert},   {"ca_key", &NodeConfig::ca_key},
      {"server_cert", &NodeConfig::server_cert}, {"server_key", &NodeConfig::server_key}};
  int number = 0;
  std::size_t start = 0;
  while (start < text->size()) {
    auto end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    const std::string line = trimmed(text->substr(start, end - start));
    start = end + 1;
    ++number;
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    auto bad = [&](core::MessageKey why) {
      return core::fail(core::Status::invalid_argument(why, {{"fichier", path}, {"ligne", number}}));
    };
    if (eq == std::string::npos) return bad("outils.node_config.ligne_invalide");
    const std::string name = trimmed(line.substr(0, eq));
    const std::string value = trimmed(line.substr(eq + 1));
    if (value.empty()) return bad("outils.node_config.valeur_vide");
    if (name == "proxy_protocol_from") {
      // A list of addresses, checked when the server starts.
      for (std::size_t from = 0; from <= value.size();) {
        auto comma = value.find(',', from);
        if (comma == std::string::npos) comma = value.size();
        const std::string address = trimmed(value.substr(from, comma - from));
        if (address.empty()) return bad("outils.node_config.valeur_vide");
        c.proxy_protocol_from.push_back(address);
        from = comma + 1;
      }
      continue;
    }
    const auto it = settings.find(name);
    if (it == settings.end()) return bad("outils.node_config.reglage_inconnu");
    const bool url = storage::is_postgres_address(value);
    if (url && name != "store") return bad("outils.node_config.chemin_attendu");
    if (!url && value.find("://") != std::string::npos) return bad("outils.node_config.adresse_inconnue");
    c.*(it->second) = url || value.starts_with("/") ? value : dir + "/" + value;
  }
  return c;
}

}  // namespace carnet::central
