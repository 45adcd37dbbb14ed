// carnet-central: the central node. See README.md for the commands.
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "core/report.hpp"
#include "core/text.hpp"
#include "storage/builtin_grids.hpp"
#include "storage/central_store.hpp"
#include "storage/files.hpp"
#include "storage/grid_file.hpp"
#include "storage/password.hpp"
#include "sync/central_service.hpp"
#include "sync/http.hpp"
#include "sync/pki.hpp"
#include "sync/report_signing.hpp"
#include "sync/tablet_sync.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/signals.hpp"
#include "tools/cli/documents.hpp"
#include "tools/cli/secret.hpp"
#include "tools/central/office_actions.hpp"
#include "tools/central/node_config.hpp"
#include "tools/central/office_app.hpp"
#include "storage/postgres.hpp"

namespace carnet::central {
namespace {

namespace fs = std::filesystem;
using core::Json;
using core::Result;
using core::Status;

constexpr const char* kUsage = R"(Usage : carnet-central COMMANDE [options] [--data DOSSIER] [--json]

  init [--host NOM]… [--store postgresql://…]
                                          crée le nœud central : magasin, autorité (CA), certificat serveur ;
                                          --store : le magasin dans cette base PostgreSQL, que d'autres
                                          nœuds partagent avec une copie du dossier de données
  serve --listen HÔTE:PORT [--threads N] [--request-timeout SECONDES] [--public-url https://HÔTE:PORT]
                                          sert les tablettes en HTTPS, et l'application du bureau sur
                                          https://HÔTE:PORT/bureau/ (arrêt propre sur SIGTERM/SIGINT) ;
                                          --public-url : l'adresse des tablettes dans les liens
                                          d'enrôlement (par défaut celle de la page du bureau)
  inspector add ID --name "NOM" | list
  dossier import FICHIER | list
  assign DOSSIER INSPECTEUR | unassign DOSSIER INSPECTEUR
  grid publish FICHIER | list
  enroll INSPECTEUR [--minutes N]         un code d'enrôlement à usage unique
  device list | revoke ID
  inspection list | show ID
  report ID --format html|json [--output FICHIER]
  report verify ID                        vérifie à nouveau la signature du rapport (0 : valide, 6 : invalide)
  conflicts list [--all] | show ID | resolve ID --keep winner|loser | --value VALEUR
  quarantine list [--all] | show ID | review ID --decision rejeter|appliquer
                                          les changements refusés, à examiner : rejeter, ou appliquer
                                          comme changement du bureau s'ils passent à présent les contrôles
  addendum list [--all] | accept ID | reject ID
                                          les addenda postérieurs à la signature, à examiner
  user add NOM --role admin|office [--password-file FICHIER] | list | disable NOM | remove NOM
                                          les comptes du personnel pour l'application du bureau ; sans
                                          --password-file, le mot de passe est tapé deux fois
  audit list [--limit N] | verify [--head N:EMPREINTE]
                                          le journal d'audit ; verify le vérifie entrée par entrée

Le dossier de données vient de --data ou de la variable CARNET_DATA.
)";

int failed(const Status& s, const cli::Args& args) { return cli::report_error(s, args.json(), "carnet-central"); }

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The actor of the office's actions in the audit log: "bureau:LOGIN", the account this
// program runs as (from the system's user database, not from the environment), so that the
// log tells which clerk acted when each has an account; "bureau" when it has no name.
std::string office_actor() {
  if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name && *pw->pw_name) return std::string("bureau:") + pw->pw_name;
  return "bureau";
}

// The central CA's certificate ("" before init).
std::string ca_certificate(const NodeConfig& config) {
  auto pem = storage::read_file(config.ca_cert, 1 << 20);
  return pem ? *pem : std::string();
}

// The same for the node whose data directory is `dir` (its configuration was read when its
// store was opened).
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

Result<std::unique_ptr<storage::CentralStore>> open_store(const NodeConfig& config) {
  std::error_code ec;
  if (!config.postgres() && !fs::exists(config.store, ec)) {
    return core::fail(Status::failed_precondition("outils.main.aucun_noeud_central", {{"dossier", config.dir}}));
  }
  return storage::open_central(config.store, storage::Database::Mode::kReadWrite, store_options(config));
}

Result<std::unique_ptr<storage::CentralStore>> open_store(const cli::Args& args) {
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
    auto grids = (*store)->published_grids();
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
    if (auto s = (*store)->publish_grid(**grid, g.text); !s.ok()) return failed(s, args);
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

int cmd_serve(const cli::Args& args) {
  auto dir = cli::data_dir(args);
  if (!dir) return failed(dir.error(), args);
  auto listen = args.required_option("--listen");
  if (!listen) return failed(listen.error(), args);
  const auto colon = listen->rfind(':');
  if (colon == std::string::npos) return failed(Status::invalid_argument("outils.main.listen_attendu"), args);
  // Port 0 picks a free port (printed); tests use it.
  auto port = listen->substr(colon + 1) == "0"
                  ? Result<int>(0)
                  : positive(listen->substr(colon + 1), 0, 65535, "outils.main.quoi_port_listen");
  if (!port) return failed(port.error(), args);
  auto threads = positive(args.option("--threads"), static_cast<int>(std::max(2u, std::thread::hardware_concurrency())), 64,
                          "outils.main.quoi_threads");
  if (!threads) return failed(threads.error(), args);
  // A client that does not deliver a whole request in this time is disconnected (slowloris).
  auto request_timeout = positive(args.option("--request-timeout"), 30, 3600, "outils.main.quoi_request_timeout");
  if (!request_timeout) return failed(request_timeout.error(), args);
  // The address the tablets use, for enrollment links (a load balancer's, say).
  const std::string public_url = args.option("--public-url").value_or("");
  if (!public_url.empty()) {
    if (auto parsed = sync::parse_central_url(public_url); !parsed) {
      return failed(parsed.error().with_context("outils.args.option", {{"option", "--public-url"}}), args);
    }
  }
  auto config = NodeConfig::load(*dir);
  if (!config) return failed(config.error(), args);
  const NodeConfig& p = *config;
  auto store = open_store(p);
  if (!store) return failed(store.error(), args);
  auto ca = load_ca(p);
  if (!ca) return failed(ca.error(), args);
  auto cert = storage::read_file(p.server_cert, 1 << 20);
  auto key = sync::read_private_key_file(p.server_key);
  if (!cert) return failed(cert.error(), args);
  if (!key) return failed(key.error(), args);

  // Block the stop signals before any thread starts, then wait for one here.
  const sigset_t stop_signals = cli::block_stop_signals();

  sync::CentralServiceOptions service_options;
  service_options.blob_dir = p.blobs;
  sync::CentralService service(**store, *ca, service_options);
  sync::ServerOptions options;
  std::string host = listen->substr(0, colon);
  if (host.starts_with("[") && host.ends_with("]")) host = host.substr(1, host.size() - 2);
  options.host = host;
  options.port = static_cast<std::uint16_t>(*port);
  options.cert_pem = *cert;
  options.key_pem = *key;
  options.client_ca_pem = ca->cert_pem;
  options.threads = *threads;
  options.request_timeout = std::chrono::seconds(*request_timeout);
  // The office web app ("/", "/bureau/…") beside the sync protocol.
  OfficeAppOptions office_options;
  office_options.ca_cert_pem = ca->cert_pem;
  office_options.central_url = public_url;
  OfficeApp office(**store, office_options);
  auto server = sync::HttpsServer::start(
      options, [&](const sync::HttpRequest& r) { return OfficeApp::serves(r.target) ? office.handle(r) : service.handle(r); });
  if (!server) return failed(server.error(), args);
  if (args.json()) {
    // One line, so that a supervising program can read the address it got.
    std::cout << Json::object().set("listening", host + ":" + std::to_string((*server)->port())).dump() << std::endl;
  } else {
    std::cout << "carnet-central : à l'écoute sur " << host << ":" << (*server)->port() << std::endl;
  }
  std::cout.flush();
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cerr << "carnet-central : arrêt demandé (signal " << signal_number << "), fin des requêtes en cours\n";
  (*server)->stop();
  (*server)->wait();
  return 0;
}

int cmd_inspector(const cli::Args& args, storage::CentralStore& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "";
  if (sub == "add") {
    auto id = args.required(2, "outils.args.quoi_id_inspecteur");
    auto name = args.required_option("--name");
    if (!id) return failed(id.error(), args);
    if (!name) return failed(name.error(), args);
    if (!core::valid_dossier_id(*id)) return failed(Status::invalid_argument("outils.main.identifiant_invalide"), args);
    if (name->size() > 200) return failed(Status::invalid_argument("outils.node.nom_trop_long"), args);
    if (auto s = store.add_inspector({*id, *name}); !s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("id", *id).set("name", *name));
    else std::cout << "inspecteur " << *id << " ajouté\n";
    return 0;
  }
  if (sub == "list") {
    auto all = store.inspectors();
    if (!all) return failed(all.error(), args);
    Json arr = Json::array();
    for (const auto& i : *all) {
      if (args.json()) arr.push(Json::object().set("id", i.id).set("name", i.name));
      else std::cout << i.id << "\t" << i.name << "\n";
    }
    if (args.json()) cli::print_json(arr);
    return 0;
  }
  return failed(Status::invalid_argument("outils.main.usage_inspector"), args);
}

int cmd_dossier(const cli::Args& args, storage::CentralStore& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "";
  if (sub == "import") {
    auto file = args.required(2, "outils.args.quoi_fichier_dossiers");
    if (!file) return failed(file.error(), args);
    auto dossiers = cli::read_dossier_file(*file);
    if (!dossiers) return failed(dossiers.error(), args);
    auto n = store.import_dossiers(*dossiers);
    if (!n) return failed(n.error(), args);
    if (args.json()) cli::print_json(Json::object().set("imported", *n));
    else std::cout << *n << " dossier(s) importé(s)\n";
    return 0;
  }
  if (sub == "list") {
    auto all = store.dossiers();
    if (!all) return failed(all.error(), args);
    auto assigned = store.assignments();
    if (!assigned) return failed(assigned.error(), args);
    Json arr = Json::array();
    for (const auto& d : *all) {
      Json inspectors = Json::array();
      std::string names;
      for (const auto& [dossier, who] : *assigned) {
        if (dossier != d.id) continue;
        inspectors.push(who);
        names += (names.empty() ? "" : ",") + who;
      }
      if (args.json()) arr.push(core::dossier_to_json(d).set("inspectors", std::move(inspectors)));
      else std::cout << d.id << "\t" << d.kind << "\t" << d.reference << "\t" << d.name << "\t" << names << "\n";
    }
    if (args.json()) cli::print_json(arr);
    return 0;
  }
  return failed(Status::invalid_argument("outils.main.usage_dossier"), args);
}

int cmd_assign(const cli::Args& args, storage::CentralStore& store, bool assign) {
  auto dossier = args.required(1, "outils.args.quoi_dossier");
  auto inspector = args.required(2, "outils.args.quoi_inspecteur");
  if (!dossier) return failed(dossier.error(), args);
  if (!inspector) return failed(inspector.error(), args);
  const Status s = assign ? store.assign(*dossier, *inspector) : store.unassign(*dossier, *inspector);
  if (!s.ok()) return failed(s, args);
  if (args.json()) cli::print_json(Json::object().set("dossier", *dossier).set("inspector", *inspector).set("assigned", assign));
  else std::cout << "dossier " << *dossier << (assign ? " attribué à " : " retiré à ") << *inspector << "\n";
  return 0;
}

int cmd_grid(const cli::Args& args, storage::CentralStore& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "";
  if (sub == "publish") {
    auto file = args.required(2, "outils.args.quoi_fichier_grille");
    if (!file) return failed(file.error(), args);
    auto text = storage::read_grid_file(*file);
    if (!text) return failed(text.error(), args);
    auto grid = storage::parse_grid(*text, *file);
    if (!grid) return failed(grid.error(), args);
    if (auto s = store.publish_grid(**grid, *text); !s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("key", (*grid)->key()).set("version", (*grid)->version()));
    else std::cout << "grille " << (*grid)->key() << " v" << (*grid)->version() << " publiée\n";
    return 0;
  }
  if (sub == "list") {
    auto grids = store.published_grids();
    if (!grids) return failed(grids.error(), args);
    Json arr = Json::array();
    for (const auto& g : *grids) {
      if (args.json()) arr.push(Json::object().set("key", g.key).set("version", g.version).set("title", g.title));
      else std::cout << g.key << "\tv" << g.version << "\t" << g.title << "\n";
    }
    if (args.json()) cli::print_json(arr);
    return 0;
  }
  return failed(Status::invalid_argument("outils.main.usage_grid"), args);
}

int cmd_enroll(const cli::Args& args, storage::CentralStore& store) {
  auto inspector = args.required(1, "outils.args.quoi_inspecteur");
  if (!inspector) return failed(inspector.error(), args);
  auto minutes = positive(args.option("--minutes"), 15, 7 * 24 * 60, "outils.main.quoi_minutes");
  if (!minutes) return failed(minutes.error(), args);
  auto dir = cli::data_dir(args);
  if (!dir) return failed(dir.error(), args);
  auto e = issue_enrollment_code(store, ca_certificate(*dir), *inspector, *minutes, now_ms());
  if (!e) return failed(e.error(), args);
  const std::string when = core::iso_timestamp(e->expires_ms);
  if (args.json()) {
    cli::print_json(Json::object().set("code", e->code).set("ca_fingerprint", e->ca_fingerprint).set("expires", when).set("inspector", *inspector));
  } else {
    std::cout << "Code d'enrôlement pour " << *inspector << " : " << e->code << "\nValable jusqu'au " << when
              << " (usage unique)\nEmpreinte de l'autorité : " << e->ca_fingerprint << "\n";
  }
  return 0;
}

int cmd_device(const cli::Args& args, storage::CentralStore& store) {
  if (args.positional().size() > 1 && args.positional()[1] == "revoke") {
    auto id_text = args.required(2, "outils.args.quoi_id_appareil");
    if (!id_text) return failed(id_text.error(), args);
    auto id = core::Uuid::parse(*id_text);
    if (!id) return failed(Status::invalid_argument("outils.office_app.appareil_invalide", {{"id", *id_text}}), args);
    if (auto s = store.revoke_device(*id, now_ms()); !s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("id", id->to_string()).set("revoked", true));
    else std::cout << "appareil " << id->to_string() << " révoqué : ses requêtes sont refusées et il effacera ses données\n";
    return 0;
  }
  auto all = store.devices();
  if (!all) return failed(all.error(), args);
  Json arr = Json::array();
  for (const auto& d : *all) {
    if (args.json()) {
      arr.push(device_json(d));
    } else {
      std::cout << d.id.to_string() << "\t" << d.inspector_id << "\t" << d.name << "\tdernière synchro : "
                << (d.last_sync_ms ? core::iso_timestamp(*d.last_sync_ms) : "jamais") << (d.revoked_ms ? "\trévoqué" : "") << "\n";
    }
  }
  if (args.json()) cli::print_json(arr);
  return 0;
}

int cmd_inspection(const cli::Args& args, storage::CentralStore& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "";
  if (sub == "list") {
    auto list = store.inspection_list();
    if (!list) return failed(list.error(), args);
    Json arr = Json::array();
    for (const auto& s : *list) {
      if (args.json()) {
        arr.push(inspection_listing_json(s));
      } else {
        std::cout << s.id << "\t" << s.dossier_id << "\t" << s.grid_key << "\t" << core::inspection_status_label(s.status) << "\t"
                  << (s.visit_date ? s.visit_date->french() : "") << "\n";
      }
    }
    if (args.json()) cli::print_json(arr);
    return 0;
  }
  if (sub == "show") {
    auto id = args.required(2, "outils.args.quoi_id_inspection");
    if (!id) return failed(id.error(), args);
    auto dir = cli::data_dir(args);
    if (!dir) return failed(dir.error(), args);
    const Status s = export_report(store, ca_certificate(*dir), *id, office_actor(), "format=json via=inspection_show",
                                   [](const core::InspectionView& view, const core::InspectorNames& names,
                                      const core::SignatureVerdict& verdict) {
                                     cli::print_json(core::report_json(view, names, verdict));
                                     return Status::ok_status();
                                   });
    if (!s.ok()) return failed(s, args);
    return 0;
  }
  return failed(Status::invalid_argument("outils.main.usage_inspection"), args);
}

// `report verify ID`: checks the signature again over what the central node holds, records
// the result in the audit log; exit 0 when it verifies, 6 when it does not, 3 for an unknown id.
int cmd_report_verify(const cli::Args& args, storage::CentralStore& store) {
  if (auto s = args.no_more_than(3); !s.ok()) return failed(s, args);
  auto id = args.required(2, "outils.args.quoi_id_inspection");
  if (!id) return failed(id.error(), args);
  auto dir = cli::data_dir(args);
  if (!dir) return failed(dir.error(), args);
  auto view = store.inspection_view(*id);
  if (!view) return failed(view.error(), args);
  const core::SignatureVerdict v = sync::verify_report_signature(*view, ca_certificate(*dir));
  const storage::AuditEvent event{storage::AuditKind::kSignatureCheck, office_actor(), *id,
                                  "resultat=" + std::string(core::signature_state_name(v.state)) +
                                      (v.code.empty() ? "" : " raison=" + v.code) + " via=report_verify"};
  if (auto s = store.audited(event, [] { return Status::ok_status(); }); !s.ok()) return failed(s, args);
  auto sig = core::report_signature(*view);
  if (v.valid()) {
    if (args.json()) {
      cli::print_json(Json::object()
                          .set("id", *id)
                          .set("state", std::string(core::signature_state_name(v.state)))
                          .set("signed_by", sig->signer)
                          .set("signed_at", sig->signed_at)
                          .set("device", sig->device));
    } else {
      const std::string name = names_of(store)(sig->signer);
      std::cout << "signature vérifiée : inspection " << *id << " signée par "
                << (name.empty() ? sig->signer : name + " (" + sig->signer + ")") << " le " << sig->signed_at
                << " avec l'appareil " << sig->device << "\n";
    }
    return 0;
  }
  // The verdict's label and message are French texts of core (not catalogue keys yet).
  if (v.state == core::SignatureState::kUnsigned) {
    return failed(Status::corruption("outils.main.inspection_non_signee", {{"id", *id}}), args);
  }
  const std::string label(core::signature_state_label(v.state));
  if (!v.message) return failed(Status::corruption("outils.main.signature", {{"etat", label}}), args);
  return failed(Status::corruption("outils.main.signature_detail", {{"etat", label}, {"detail", std::vector<core::Message>{*v.message}}}), args);
}

int cmd_report(const cli::Args& args, storage::CentralStore& store) {
  if (args.positional().size() > 1 && args.positional()[1] == "verify") return cmd_report_verify(args, store);
  auto id = args.required(1, "outils.args.quoi_id_inspection");
  if (!id) return failed(id.error(), args);
  const std::string format = args.option("--format").value_or("html");
  if (format != "html" && format != "json") return failed(Status::invalid_argument("outils.documents.format"), args);
  auto dir = cli::data_dir(args);
  if (!dir) return failed(dir.error(), args);
  // The export and its audit entry are one transaction: no entry if writing the report fails.
  int written = 0;
  const Status s = export_report(store, ca_certificate(*dir), *id, office_actor(),
                                 "format=" + format + (args.option("--output") ? " vers=fichier" : " vers=sortie"),
                                 [&](const core::InspectionView& view, const core::InspectorNames& names,
                                     const core::SignatureVerdict& verdict) {
                                   written = cli::write_report(args, view, names, "carnet-central", verdict);
                                   return written == 0 ? Status::ok_status()
                                                       : Status::io_error("outils.main.rapport_non_ecrit");
                                 });
  if (written != 0) return written;  // write_report said why
  if (!s.ok()) return failed(s, args);
  return 0;
}

int cmd_conflicts(const cli::Args& args, storage::CentralStore& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "list";
  if (sub == "list") {
    auto all = store.conflicts(!args.flag("--all"));
    if (!all) return failed(all.error(), args);
    Json arr = Json::array();
    for (const auto& c : *all) {
      if (args.json()) {
        arr.push(conflict_json(c));
      } else {
        std::cout << c.record.id << "\t" << c.status << "\t" << c.record.scope << "\t" << c.record.field << "\t«"
                  << core::conflict_value_text(c.record.field, c.record.winner_value) << "» (" << c.record.winner_author
                  << ") contre «" << core::conflict_value_text(c.record.field, c.record.loser_value) << "» ("
                  << c.record.loser_author << ")\n";
      }
    }
    if (args.json()) cli::print_json(arr);
    return 0;
  }
  auto id = args.required(2, "outils.args.quoi_id_conflit");
  if (!id) return failed(id.error(), args);
  auto c = store.conflict(*id);
  if (!c) return failed(c.error(), args);
  if (!*c) return failed(Status::not_found("outils.conflicts.conflit_inconnu", {{"id", *id}}), args);
  if (sub == "show") {
    if (args.json()) {
      cli::print_json(conflict_json(**c));
    } else {
      const auto& r = (*c)->record;
      std::cout << "Conflit " << r.id << " (" << (*c)->status << ")\n  dossier " << r.scope << ", " << r.entity_type << " "
                << r.entity_id << ", champ " << r.field << "\n  retenu : «" << core::conflict_value_text(r.field, r.winner_value) << "» par "
                << r.winner_author << " le " << core::iso_timestamp(r.winner_version.hlc.physical_ms()) << "\n  écarté : «"
                << core::conflict_value_text(r.field, r.loser_value) << "» par " << r.loser_author << " le "
                << core::iso_timestamp(r.loser_version.hlc.physical_ms()) << "\n";
    }
    return 0;
  }
  if (sub == "resolve") {
    core::Value value;
    const auto keep = args.option("--keep");
    if (keep == "winner") {
      value = (*c)->record.winner_value;
    } else if (keep == "loser") {
      value = (*c)->record.loser_value;
    } else if (auto v = args.option("--value")) {
      // The value is typed like the winner's (the field's type).
      const core::Value& like = (*c)->record.winner_value.is_null() ? (*c)->record.loser_value : (*c)->record.winner_value;
      switch (like.kind()) {
        case core::ValueKind::kNumber: {
          auto n = core::Number::parse(*v);
          if (!n) return failed(n.error(), args);
          value = core::Value::number(*n);
          break;
        }
        case core::ValueKind::kDate: {
          auto d = core::Date::parse(*v);
          if (!d) return failed(d.error(), args);
          value = core::Value::date(*d);
          break;
        }
        case core::ValueKind::kBool: value = core::Value::boolean(*v == "oui" || *v == "true" || *v == "1"); break;
        default: value = core::Value::text(*v);
      }
    } else {
      return failed(Status::invalid_argument("outils.main.keep"), args);
    }
    if (auto s = store.resolve_conflict(*id, value, "bureau"); !s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("id", *id).set("value", core::value_json(value)));
    else std::cout << "conflit résolu : «" << value.display() << "»\n";
    return 0;
  }
  return failed(Status::invalid_argument("outils.main.usage_conflicts"), args);
}

int cmd_quarantine(const cli::Args& args, storage::CentralStore& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "list";

  if (sub == "list") {
    auto all = store.quarantine(!args.flag("--all"));
    if (!all) return failed(all.error(), args);
    Json arr = Json::array();
    for (const auto& q : *all) {
      if (args.json()) arr.push(quarantine_json(q));
      else std::cout << q.id << "\t" << q.inspector_id << "\t" << q.change.scope << "\t" << q.change.field << "\t" << q.reason
                     << (q.open() ? "" : "\t" + q.review) << "\n";
    }
    if (args.json()) cli::print_json(arr);
    else if (all->empty()) std::cout << (args.flag("--all") ? "aucun changement en quarantaine\n" : "aucun changement à examiner\n");
    return 0;
  }
  if (sub == "review") {
    if (auto s = args.no_more_than(3); !s.ok()) return failed(s, args);
    auto id = positive(args.required(2, "outils.args.quoi_id").value_or(""), 0, 2000000000, "outils.args.quoi_id");
    if (!id) return failed(id.error(), args);
    auto decision_name = args.required_option("--decision");
    if (!decision_name) return failed(decision_name.error(), args);
    const auto decision = storage::parse_quarantine_decision(*decision_name);
    if (!decision) return failed(Status::invalid_argument("outils.main.decision"), args);
    if (auto s = store.review_quarantine(*id, *decision, office_actor()); !s.ok()) return failed(s, args);
    auto q = store.quarantined(*id);
    if (!q) return failed(q.error(), args);
    if (args.json()) cli::print_json(quarantine_json(**q));
    else if (*decision == storage::QuarantineDecision::kApply) std::cout << "changement n° " << *id << " appliqué par le bureau : les tablettes le recevront\n";
    else std::cout << "changement n° " << *id << " rejeté : il reste conservé, jamais appliqué\n";
    return 0;
  }
  if (sub == "show") {
    auto id = positive(args.required(2, "outils.args.quoi_id").value_or(""), 0, 2000000000, "outils.args.quoi_id");
    if (!id) return failed(id.error(), args);
    auto q = store.quarantined(*id);
    if (!q) return failed(q.error(), args);
    if (!*q) return failed(Status::not_found("outils.office_app.quarantaine_inconnue", {{"id", *id}}), args);
    cli::print_json(quarantine_json(**q));
    return 0;
  }
  return failed(Status::invalid_argument("outils.main.usage_quarantine"), args);
}

// addendum list [--all] | accept ID | reject ID: the office reviews what inspectors add to
// signed reports; each decision is audited and reaches the tablets.
int cmd_addendum(const cli::Args& args, storage::CentralStore& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "list";
  if (sub == "list") {
    auto all = store.addenda(!args.flag("--all"));
    if (!all) return failed(all.error(), args);
    Json arr = Json::array();
    for (const auto& r : *all) {
      const auto& a = r.addendum;
      if (args.json()) {
        arr.push(Json::object()
                     .set("id", a.id)
                     .set("inspection", a.inspection_id)
                     .set("dossier", r.dossier_id)
                     .set("author", a.author)
                     .set("created_at", a.created_at)
                     .set("review", a.review.empty() ? Json() : Json(a.review))
                     .set("reviewed_by", a.reviewed_by)
                     .set("text", a.text));
      } else {
        std::cout << a.id << "\t" << a.inspection_id << "\t" << a.author << "\t" << a.created_at << "\t"
                  << core::addendum_review_label(a) << "\t" << a.text << "\n";
      }
    }
    if (args.json()) cli::print_json(arr);
    else if (all->empty()) std::cout << (args.flag("--all") ? "aucun addendum\n" : "aucun addendum à examiner\n");
    return 0;
  }
  if (sub == "accept" || sub == "reject") {
    if (auto s = args.no_more_than(3); !s.ok()) return failed(s, args);
    auto id = args.required(2, "outils.args.quoi_id_addendum");
    if (!id) return failed(id.error(), args);
    if (auto s = store.review_addendum(*id, sub == "accept"); !s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("id", *id).set("review", sub == "accept" ? "acceptee" : "rejetee"));
    else std::cout << "addendum " << (sub == "accept" ? "accepté" : "rejeté") << "\n";
    return 0;
  }
  return failed(Status::invalid_argument("outils.main.usage_addendum"), args);
}

// user add NAME --role admin|office [--password-file FILE] | list | disable NAME | remove NAME:
// the office app's staff accounts. The password is hashed here (storage/password.hpp); the
// store never sees it.
int cmd_user(const cli::Args& args, storage::CentralStore& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "list";
  if (sub == "add") {
    if (auto s = args.no_more_than(3); !s.ok()) return failed(s, args);
    auto name = args.required(2, "outils.args.quoi_nom_utilisateur");
    if (!name) return failed(name.error(), args);
    auto role = args.required_option("--role");
    if (!role) return failed(role.error(), args);
    if (*role != storage::kStaffRoleAdmin && *role != storage::kStaffRoleOffice) {
      return failed(Status::invalid_argument("outils.main.role"), args);
    }
    auto existing = store.staff_user(*name);
    if (!existing) return failed(existing.error(), args);
    if (*existing) return failed(Status::already_exists("outils.main.utilisateur_existe", {{"nom", *name}}), args);
    auto password = cli::new_password(args);
    if (!password) return failed(password.error(), args);
    auto hash = storage::hash_password(password->value);
    if (!hash) return failed(hash.error(), args);
    if (auto s = store.add_staff_user({*name, *role, *hash, 0, std::nullopt}); !s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("name", *name).set("role", *role));
    else std::cout << "utilisateur " << *name << " ajouté (rôle " << *role << ")\n";
    return 0;
  }
  if (sub == "list") {
    auto all = store.staff_users();
    if (!all) return failed(all.error(), args);
    Json arr = Json::array();
    for (const auto& u : *all) {
      if (args.json()) {
        arr.push(Json::object()
                     .set("name", u.name)
                     .set("role", u.role)
                     .set("created", core::iso_timestamp(u.created_ms))
                     .set("disabled", u.disabled_ms ? Json(core::iso_timestamp(*u.disabled_ms)) : Json()));
      } else {
        std::cout << u.name << "\t" << u.role << "\tcréé le " << core::iso_timestamp(u.created_ms)
                  << (u.disabled() ? "\tdésactivé" : "") << "\n";
      }
    }
    if (args.json()) cli::print_json(arr);
    else if (all->empty()) std::cout << "aucun utilisateur\n";
    return 0;
  }
  if (sub == "disable" || sub == "remove") {
    if (auto s = args.no_more_than(3); !s.ok()) return failed(s, args);
    auto name = args.required(2, "outils.args.quoi_nom_utilisateur");
    if (!name) return failed(name.error(), args);
    const Status s = sub == "disable" ? store.disable_staff_user(*name) : store.remove_staff_user(*name);
    if (!s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("name", *name).set(sub == "disable" ? "disabled" : "removed", true));
    else std::cout << "utilisateur " << *name << (sub == "disable" ? " désactivé" : " supprimé") << " : ses sessions sont fermées\n";
    return 0;
  }
  return failed(Status::invalid_argument("outils.main.usage_user"), args);
}

int cmd_audit(const cli::Args& args, storage::CentralStore& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "list";
  if (sub == "list") {
    auto limit = positive(args.option("--limit"), 0, 100000000, "outils.main.quoi_limit");
    if (!limit) return failed(limit.error(), args);
    auto entries = store.audit_entries(static_cast<std::size_t>(*limit));
    if (!entries) return failed(entries.error(), args);
    Json arr = Json::array();
    for (const auto& e : *entries) {
      if (args.json()) arr.push(audit_entry_json(e));
      else std::cout << e.seq << "\t" << core::iso_timestamp(e.time_ms) << "\t" << e.kind << "\t" << e.actor << "\t" << e.subject << "\t" << e.detail << "\n";
    }
    if (args.json()) cli::print_json(arr);
    return 0;
  }
  if (sub == "verify") {
    // --head N:HASH, as printed by an earlier verify.
    std::optional<std::pair<std::uint64_t, std::string>> noted;
    if (auto head = args.option("--head")) {
      const auto colon = head->find(':');
      const std::string count = head->substr(0, colon);
      const std::string hash = colon == std::string::npos ? "" : head->substr(colon + 1);
      if (count.empty() || count.size() > 18 || count.find_first_not_of("0123456789") != std::string::npos ||
          !core::is_sha256_hex(hash)) {
        return failed(Status::invalid_argument("outils.main.head"), args);
      }
      noted.emplace(std::stoull(count), hash);
    }
    auto check = store.verify_audit(noted);
    if (!check) return failed(check.error(), args);
    if (!check->ok) {
      if (check->first_bad == 0)
        return failed(Status::corruption("outils.main.audit_altere", {{"detail", std::vector<core::Message>{*check->problem}}}), args);
      return failed(Status::corruption("outils.main.audit_altere_entree",
                                       {{"detail", std::vector<core::Message>{*check->problem}}, {"entree", check->first_bad}}),
                    args);
    }
    if (args.json()) {
      cli::print_json(Json::object()
                          .set("ok", true)
                          .set("entries", static_cast<std::int64_t>(check->count))
                          .set("head", std::to_string(check->count) + ":" + check->head_hash));
    } else {
      std::cout << "journal d'audit intègre : " << check->count << " entrée(s)\ntête : " << check->count << ":" << check->head_hash
                << "\n(noter cette tête hors du serveur : « audit verify --head " << check->count << ":… » révélera plus tard un journal\n"
                << " réécrit, ou tronqué avec sa tête, depuis ce jour)\n";
    }
    return 0;
  }
  return failed(Status::invalid_argument("outils.main.usage_audit"), args);
}

}  // namespace
}  // namespace carnet::central

int main(int argc, char** argv) {
  using namespace carnet;
  auto args = cli::Args::parse(argc, argv,
                               {"--listen", "--store", "--threads", "--request-timeout", "--public-url", "--name", "--host", "--minutes", "--format", "--output", "--keep",
                                "--value", "--limit", "--head", "--decision", "--role", "--password-file"},
                               {"--all"});
  if (!args) return cli::report_error(args.error(), false, "carnet-central");
  if (args->flag("--help") || args->positional().empty()) {
    std::cout << central::kUsage;
    return args->positional().empty() && !args->flag("--help") ? 2 : 0;
  }
  const std::string& command = args->positional()[0];
  if (command == "init") return central::cmd_init(*args);
  if (command == "serve") return central::cmd_serve(*args);
  auto store = central::open_store(*args);
  if (!store) return central::failed(store.error(), *args);
  if (command == "inspector") return central::cmd_inspector(*args, **store);
  if (command == "dossier") return central::cmd_dossier(*args, **store);
  if (command == "assign") return central::cmd_assign(*args, **store, true);
  if (command == "unassign") return central::cmd_assign(*args, **store, false);
  if (command == "grid") return central::cmd_grid(*args, **store);
  if (command == "enroll") return central::cmd_enroll(*args, **store);
  if (command == "device") return central::cmd_device(*args, **store);
  if (command == "inspection") return central::cmd_inspection(*args, **store);
  if (command == "report") return central::cmd_report(*args, **store);
  if (command == "conflicts") return central::cmd_conflicts(*args, **store);
  if (command == "quarantine") return central::cmd_quarantine(*args, **store);
  if (command == "audit") return central::cmd_audit(*args, **store);
  if (command == "addendum") return central::cmd_addendum(*args, **store);
  if (command == "user") return central::cmd_user(*args, **store);
  return central::failed(core::Status::invalid_argument("outils.main.commande_inconnue",
                                                        {{"commande", command}, {"programme", "carnet-central"}}),
                         *args);
}
