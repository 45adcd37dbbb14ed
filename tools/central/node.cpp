// The central program's shared pieces (node.hpp).
#include <pwd.h>
#include <unistd.h>

#include <filesystem>

#include "storage/files.hpp"
#include "sync/pki.hpp"
#include "sync/report_signing.hpp"
#include "tools/central/node.hpp"

namespace carnet::central {

namespace fs = std::filesystem;

int failed(const Status& s, const cli::Args& args) { return cli::report_error(s, args.json(), "carnet-central"); }

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string office_actor() {
  if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name && *pw->pw_name) return std::string("bureau:") + pw->pw_name;
  return "bureau";
}

std::string ca_certificate(const NodeConfig& config) {
  auto pem = storage::read_file(config.ca_cert, 1 << 20);
  return pem ? *pem : std::string();
}

std::string ca_certificate(const std::string& dir) {
  auto config = NodeConfig::load(dir);
  return config ? ca_certificate(*config) : std::string();
}

storage::CentralOptions store_options(const NodeConfig& config) {
  storage::CentralOptions o;
  o.office_actor = office_actor();
  o.verify_signature = sync::central_signature_verifier(ca_certificate(config));
  return o;
}

Result<NodeConfig> node_config(const cli::Args& args) {
  auto dir = cli::data_dir(args);
  if (!dir) return core::fail(dir.error());
  return NodeConfig::load(*dir);
}

Result<std::unique_ptr<storage::Central>> open_store(const NodeConfig& config) {
  std::error_code ec;
  if (!config.postgres() && !fs::exists(config.store, ec)) {
    return core::fail(Status::failed_precondition("outils.main.aucun_noeud_central", {{"dossier", config.dir}}));
  }
  return storage::open_central(config.store, storage::Database::Mode::kReadWrite, store_options(config));
}

Result<std::unique_ptr<storage::Central>> open_store(const cli::Args& args) {
  auto config = node_config(args);
  if (!config) return core::fail(config.error());
  return open_store(*config);
}

Result<sync::Credentials> load_ca(const NodeConfig& p) {
  auto cert = storage::read_file(p.ca_cert, 1 << 20);
  if (!cert) return core::fail(cert.error());
  auto key = sync::read_private_key_file(p.ca_key);
  if (!key) return core::fail(key.error());
  return sync::Credentials{*cert, *key};
}

Result<int> positive(const std::optional<std::string>& text, int fallback, int max, core::MessageKey what) {
  if (!text) return fallback;
  auto n = core::Number::parse(*text);
  if (!n || !n->is_integer() || n->numerator() < 1 || n->numerator() > max) {
    return core::fail(Status::invalid_argument(
        "outils.main.entier_attendu", {{"quoi", std::vector<core::Message>{core::Message(what)}}, {"max", max}}));
  }
  return static_cast<int>(n->numerator());
}

}  // namespace carnet::central
