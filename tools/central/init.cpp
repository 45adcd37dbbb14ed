// `carnet-central init`: a new central node (store, CA, server certificate).

#include <filesystem>
#include <iostream>

#include "storage/builtin_grids.hpp"
#include "storage/files.hpp"
#include "storage/grid_file.hpp"
#include "storage/postgres.hpp"
#include "sync/pki.hpp"
#include "tools/central/node.hpp"

namespace carnet::central {

namespace fs = std::filesystem;
using core::Json;

int cmd_init(const cli::Args& args) {
  auto dir = cli::data_dir(args);
  if (!dir) return failed(dir.error(), args);
  NodeConfig p = NodeConfig::defaults(*dir);
  std::error_code ec;
  if (fs::exists(p.store, ec) || fs::exists(NodeConfig::file(*dir), ec))
    return failed(Status::already_exists("outils.main.noeud_central_existe", {{"dossier", *dir}}), args);
  // --store postgresql://…: the store in that database (its address kept in central.conf).
  if (auto store = args.option("--store")) {
    if (!storage::is_postgres_address(*store)) {
      return failed(Status::invalid_argument("outils.main.store_attendu").with_context("outils.args.option", {{"option", "--store"}}),
                    args);
    }
    p.store = *store;
  }
  // Owner only: the store, the CA key and the server key live here.
  if (const Status made = storage::create_directories_durably(*dir, 0700); !made.ok()) return failed(made, args);
  std::vector<std::string> names = {"localhost"};
  for (std::size_t i = 1; i < args.positional().size(); ++i) names.push_back(args.positional()[i]);
  if (auto h = args.option("--host")) names.push_back(*h);
  auto ca = sync::make_ca("Carnet — autorité du nœud central", 3650);
  if (!ca) return failed(ca.error(), args);
  auto server = sync::make_server_certificate(*ca, "carnet-central", names, {"127.0.0.1", "::1"}, 825);
  if (!server) return failed(server.error(), args);
  auto store = storage::open_central(p.store, storage::Database::Mode::kCreate, store_options(p));
  if (!store) return failed(store.error(), args);
  if (p.postgres()) {
    // A database that already holds a central store belongs to other nodes: a node joins
    // them with a copy of their data directory, not with a new CA.
    auto grids = (*store)->catalogue.published_grids();
    if (!grids) return failed(grids.error(), args);
    if (!grids->empty()) return failed(Status::already_exists("outils.main.base_deja_initialisee"), args);
    // Mode 0600: the address may carry the database's password.
    const Status conf = storage::write_file_durably(
        NodeConfig::file(*dir), "# Magasin central partagé par les nœuds (docs/scale-out.md)\nstore = " + p.store + "\n",
        storage::Existing::kRefuse);
    if (!conf.ok()) return failed(conf, args);
  }
  for (const auto& g : storage::builtin_grids()) {
    auto grid = storage::parse_grid(g.text, g.file_name);
    if (!grid) return failed(grid.error(), args);
    if (auto s = (*store)->catalogue.publish_grid(**grid, g.text); !s.ok()) return failed(s, args);
  }
  for (const Status& s : {sync::write_private_key_file(p.ca_key, ca->key_pem),
                          storage::write_file_durably(p.ca_cert, ca->cert_pem, storage::Existing::kRefuse),
                          sync::write_private_key_file(p.server_key, server->key_pem),
                          storage::write_file_durably(p.server_cert, server->cert_pem, storage::Existing::kRefuse)}) {
    if (!s.ok()) return failed(s, args);
  }
  auto fp = sync::certificate_fingerprint(ca->cert_pem);
  if (!fp) return failed(fp.error(), args);
  if (args.json()) {
    cli::print_json(Json::object().set("data", *dir).set("ca_fingerprint", *fp));
  } else {
    std::cout << "Nœud central créé dans " << *dir << "\nEmpreinte de l'autorité (à donner avec les codes d'enrôlement) :\n  " << *fp
              << "\n";
  }
  return 0;
}

}  // namespace carnet::central
