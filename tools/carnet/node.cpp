#include "tools/carnet/node.hpp"

#include <ctime>
#include <filesystem>
#include <iostream>

#include "core/report.hpp"
#include "storage/builtin_grids.hpp"
#include "storage/files.hpp"
#include "storage/grid_file.hpp"
#include "storage/key_file.hpp"
#include "tools/cli/documents.hpp"
#include "sync/report_signing.hpp"
#include "tools/cli/secret.hpp"

namespace carnet::tool {

namespace fs = std::filesystem;
using core::Json;

std::string replica_path(const std::string& data_dir) { return data_dir + "/carnet.db"; }
std::string key_path(const std::string& data_dir) { return data_dir + "/carnet.key"; }

Result<storage::DataKey> node_key(const cli::Args& args, const std::string& data_dir, bool create) {
  const std::string path = key_path(data_dir);
  std::error_code ec;
  if (create && !fs::exists(path, ec)) {
    auto secret = cli::new_secret(args, false);
    if (!secret) return core::fail(secret.error());
    return storage::create_key_file(path, *secret);
  }
  auto secret = cli::current_secret(args);
  if (!secret) return core::fail(secret.error());
  return storage::unlock_key_file(path, *secret);
}

Result<std::unique_ptr<storage::Replica>> open_replica(const cli::Args& args, const std::string& data_dir,
                                                       storage::Database::Mode mode) {
  auto key = node_key(args, data_dir, mode == storage::Database::Mode::kCreate);
  if (!key) return core::fail(key.error());
  return storage::Replica::open(replica_path(data_dir), mode, core::SystemClock::instance(), std::move(*key));
}

int failed(const Status& s, const cli::Args& args) { return cli::report_error(s, args.json(), "carnet"); }

core::InspectorNames names_of(storage::Replica& replica) {
  auto node = replica.node();
  std::string id = node ? node->inspector_id : std::string();
  std::string name = node ? node->inspector_name : std::string();
  return [id, name](std::string_view who) { return who == id ? name : std::string(); };
}

core::SignatureVerdict check_signature(const std::string& data_dir, storage::Replica& replica,
                                       const core::InspectionView& view) {
  std::string ca;  // none (not enrolled, or a CA file that is not the pinned one): not verifiable
  if (!data_dir.empty()) {
    if (auto pem = sync::read_pinned_ca(sync::DeviceFiles(data_dir), replica)) ca = std::move(*pem);
  }
  return sync::verify_report_signature(view, ca);
}

core::Date today() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return *core::Date::from_ymd(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
}

Result<std::unique_ptr<storage::Replica>> open_node(const cli::Args& args) {
  auto dir = cli::data_dir(args);
  if (!dir) return core::fail(dir.error());
  const std::string path = replica_path(*dir);
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return core::fail(Status::failed_precondition("outils.node.aucun_noeud", {{"dossier", *dir}}));
  }
  auto replica = open_replica(args, *dir, storage::Database::Mode::kReadWrite);
  if (!replica) return core::fail(replica.error());
  auto node = (*replica)->node();
  if (!node) return core::fail(node.error());
  return replica;
}

int cmd_init(const cli::Args& args) {
  if (auto s = args.no_more_than(1); !s.ok()) return failed(s, args);
  auto dir = cli::data_dir(args);
  auto inspector = args.required_option("--inspector");
  auto name = args.required_option("--name");
  for (const auto* r : {&dir, &inspector, &name}) {
    if (!*r) return failed(r->error(), args);
  }
  if (!core::valid_dossier_id(*inspector)) {
    return failed(Status::invalid_argument("outils.node.inspector_invalide"), args);
  }
  if (name->size() > 200) return failed(Status::invalid_argument("outils.node.nom_trop_long"), args);
  // The replica holds personal data: owner only.
  if (const Status made = storage::create_directories_durably(*dir, 0700); !made.ok()) return failed(made, args);

  // Check the built-in grids before touching the disk.
  std::vector<std::pair<std::shared_ptr<const core::Grid>, std::string_view>> grids;
  for (const auto& g : storage::builtin_grids()) {
    auto grid = storage::parse_grid(g.text, g.file_name);
    if (!grid) return failed(grid.error(), args);
    grids.emplace_back(*grid, g.text);
  }
  auto replica = open_replica(args, *dir, storage::Database::Mode::kCreate);
  if (!replica) return failed(replica.error(), args);
  auto tx = storage::Transaction::begin((*replica)->db());
  if (!tx) return failed(tx.error(), args);
  if (auto s = (*replica)->initialise(**tx, *inspector, *name); !s.ok()) return failed(s, args);
  for (const auto& [grid, text] : grids) {
    if (auto s = (*replica)->install_grid(**tx, *grid, text); !s.ok()) return failed(s, args);
  }
  if (auto s = (*tx)->commit(); !s.ok()) return failed(s, args);
  auto node = (*replica)->node();
  if (!node) return failed(node.error(), args);
  if (args.json()) {
    cli::print_json(Json::object()
                        .set("node_id", node->node_id.to_string())
                        .set("inspector", node->inspector_id)
                        .set("name", node->inspector_name)
                        .set("grids", grids.size())
                        .set("data", *dir));
  } else {
    std::cout << "Nœud " << node->node_id.to_string() << " initialisé pour " << node->inspector_name << " ("
              << node->inspector_id << "), " << grids.size() << " grilles installées, données dans " << *dir << "\n";
  }
  return 0;
}

namespace {

std::string_view type_word(core::ItemType t) { return core::item_type_name(t); }

Json grid_json(const core::Grid& grid) {
  Json sections = Json::array();
  for (const auto& sec : grid.def().sections) {
    Json items = Json::array();
    for (const auto& item : sec.items) {
      Json it = Json::object();
      it.set("key", item.key).set("label", item.label).set("type", std::string(type_word(item.type)));
      if (!item.unit.empty()) it.set("unit", item.unit);
      if (!item.help.empty()) it.set("help", item.help);
      if (!item.calculate.empty()) it.set("calculate", item.calculate);
      if (!item.relevant.empty()) it.set("relevant", item.relevant);
      if (!item.choices.empty()) {
        Json cs = Json::array();
        for (const auto& c : item.choices) cs.push(Json::object().set("value", c.value).set("label", c.label));
        it.set("choices", std::move(cs));
      }
      if (!item.columns.empty()) {
        Json cols = Json::array();
        for (const auto& c : item.columns) {
          cols.push(Json::object().set("key", c.key).set("label", c.label).set("type", std::string(type_word(c.type))));
        }
        it.set("columns", std::move(cols));
      }
      Json norms = Json::array();
      for (const auto& n : item.norms) {
        norms.push(Json::object().set("id", n.id).set("reference", n.reference).set("requirement", n.requirement)
                       .set("condition", n.condition));
      }
      it.set("norms", std::move(norms));
      items.push(std::move(it));
    }
    sections.push(Json::object().set("key", sec.key).set("number", sec.number).set("title", sec.title)
                      .set("items", std::move(items)));
  }
  Json params = Json::array();
  for (const auto& p : grid.def().params) {
    params.push(Json::object().set("name", p.name).set("value", Json::number(p.value)).set("label", p.label)
                    .set("reference", p.reference));
  }
  return Json::object()
      .set("key", grid.key())
      .set("version", grid.version())
      .set("title", grid.def().title)
      .set("params", std::move(params))
      .set("sections", std::move(sections));
}

void print_grid(const core::Grid& grid) {
  std::cout << grid.def().title << " — " << grid.key() << " v" << grid.version() << "\n";
  for (const auto& p : grid.def().params) {
    std::cout << "  paramètre " << p.name << " = " << p.value.to_french(6) << " (" << p.label << ")\n";
  }
  for (const auto& sec : grid.def().sections) {
    std::cout << "\n" << sec.number << ". " << sec.title << "\n";
    for (const auto& item : sec.items) {
      std::cout << "  " << item.key << " [" << type_word(item.type);
      if (!item.unit.empty()) std::cout << ", " << item.unit;
      if (!item.calculate.empty()) std::cout << ", calculé";
      std::cout << "] " << item.label << "\n";
      for (const auto& c : item.choices) std::cout << "      " << c.value << " : " << c.label << "\n";
      for (const auto& c : item.columns) {
        std::cout << "      [" << c.key << "] " << c.label << " (" << type_word(c.type) << ")\n";
      }
      for (const auto& n : item.norms) std::cout << "      norme " << n.id << " : " << n.requirement << " (" << n.reference << ")\n";
    }
  }
}

}  // namespace

int cmd_grid(const cli::Args& args) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "";
  if (sub == "check") {
    auto file = args.required(2, "outils.args.quoi_fichier_grille");
    if (!file) return failed(file.error(), args);
    auto loaded = storage::load_grid_file(*file);
    if (!loaded) return failed(loaded.error(), args);
    const auto& grid = loaded->grid;
    std::size_t items = static_cast<std::size_t>(grid->item_count());
    if (args.json()) {
      cli::print_json(Json::object().set("key", grid->key()).set("version", grid->version()).set("items", items)
                          .set("norms", grid->norms().size()));
    } else {
      std::cout << *file << " : grille " << grid->key() << " v" << grid->version() << " valide (" << items
                << " items, " << grid->norms().size() << " normes)\n";
    }
    return 0;
  }
  auto replica = open_node(args);
  if (!replica) return failed(replica.error(), args);
  if (sub == "list") {
    auto grids = (*replica)->grids();
    if (!grids) return failed(grids.error(), args);
    if (args.json()) {
      Json arr = Json::array();
      for (const auto& g : *grids) arr.push(Json::object().set("key", g.key).set("version", g.version).set("title", g.title));
      cli::print_json(arr);
    } else {
      for (const auto& g : *grids) std::cout << g.key << "\tv" << g.version << "\t" << g.title << "\n";
    }
    return 0;
  }
  if (sub == "show") {
    auto key = args.required(2, "outils.args.quoi_cle_grille");
    if (!key) return failed(key.error(), args);
    int version = 0;
    if (auto v = args.option("--version")) {
      auto n = core::Number::parse(*v);
      if (!n || !n->is_integer() || n->numerator() < 1 || n->numerator() > 100000) {
        return failed(Status::invalid_argument("outils.node.version"), args);
      }
      version = static_cast<int>(n->numerator());
    }
    auto grid = (*replica)->grid(*key, version);
    if (!grid) return failed(grid.error(), args);
    if (args.json()) cli::print_json(grid_json(**grid));
    else print_grid(**grid);
    return 0;
  }
  return failed(Status::invalid_argument("outils.node.usage_grid"), args);
}

int cmd_dossier(const cli::Args& args) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "";
  auto replica = open_node(args);
  if (!replica) return failed(replica.error(), args);
  storage::Capture capture(**replica);
  if (sub == "import") {
    const Status s = cli::import_dossier_file(args, [&](const auto& dossiers) { return capture.import_dossiers(dossiers); });
    return s.ok() ? 0 : failed(s, args);
  }
  if (sub == "list") {
    auto dossiers = capture.dossiers();
    if (!dossiers) return failed(dossiers.error(), args);
    if (args.json()) {
      Json arr = Json::array();
      for (const auto& d : *dossiers) arr.push(core::dossier_to_json(d));
      cli::print_json(arr);
    } else {
      for (const auto& d : *dossiers) std::cout << d.id << "\t" << d.kind << "\t" << d.reference << "\t" << d.name << "\n";
    }
    return 0;
  }
  if (sub == "show") {
    auto id = args.required(2, "outils.args.quoi_id_dossier");
    if (!id) return failed(id.error(), args);
    auto d = capture.dossier(*id);
    if (!d) return failed(d.error(), args);
    if (args.json()) {
      cli::print_json(core::dossier_to_json(*d));
    } else {
      std::cout << d->name << " — " << d->reference << " (" << d->kind << ")\n";
      if (!d->holder.empty()) std::cout << "Pouvoir organisateur : " << d->holder << "\n";
      if (!d->address.empty()) std::cout << "Adresse : " << d->address << "\n";
      if (d->capacity) std::cout << "Capacité agréée : " << *d->capacity << " places\n";
      if (d->subsidised_places) std::cout << "Places subventionnées : " << *d->subsidised_places << "\n";
      if (d->last_visit) std::cout << "Dernière visite : " << d->last_visit->french() << "\n";
      for (const auto& r : d->recommendations) std::cout << "  - " << r << "\n";
    }
    return 0;
  }
  return failed(Status::invalid_argument("outils.node.usage_dossier"), args);
}

int cmd_changes(const cli::Args& args) {
  auto replica = open_node(args);
  if (!replica) return failed(replica.error(), args);
  std::size_t limit = 1000;
  if (auto l = args.option("--limit")) {
    auto n = core::Number::parse(*l);
    if (!n || !n->is_integer() || n->numerator() < 1 || n->numerator() > 1000000) {
      return failed(Status::invalid_argument("outils.node.limit"), args);
    }
    limit = static_cast<std::size_t>(n->numerator());
  }
  auto total = (*replica)->pending_count();
  if (!total) return failed(total.error(), args);
  auto changes = (*replica)->pending_changes(limit);
  if (!changes) return failed(changes.error(), args);
  if (args.json()) {
    Json arr = Json::array();
    for (const auto& [seq, c] : *changes) {
      Json j = Json::object();
      j.set("id", c.id.to_string())
          .set("entity_type", c.entity_type)
          .set("entity_id", c.entity_id)
          .set("field", c.field)
          .set("value", core::value_json(c.value))
          .set("hlc", std::to_string(c.version.hlc.value))
          .set("node", c.version.node.to_string())
          .set("base_hlc", std::to_string(c.base.hlc.value))
          .set("dossier", c.scope);
      if (!c.grid_key.empty()) j.set("grid", c.grid_key).set("grid_version", c.grid_version);
      arr.push(std::move(j));
    }
    cli::print_json(Json::object().set("pending", *total).set("changes", std::move(arr)));
  } else {
    std::cout << *total << " changement(s) en attente d'envoi\n";
    for (const auto& [seq, c] : *changes) {
      std::cout << core::iso_timestamp(c.version.hlc.physical_ms()) << "  " << c.entity_type << " " << c.entity_id << "  "
                << c.field << " = " << (c.value.is_null() ? "(effacé)" : c.value.display()) << "\n";
    }
  }
  return 0;
}

int cmd_passphrase(const cli::Args& args) {
  if (auto s = args.no_more_than(2); !s.ok()) return failed(s, args);
  auto sub = args.required(1, "outils.args.quoi_change");
  if (!sub) return failed(sub.error(), args);
  if (*sub != "change") return failed(Status::invalid_argument("outils.node.usage_passphrase"), args);
  auto dir = cli::data_dir(args);
  if (!dir) return failed(dir.error(), args);
  auto current = cli::current_secret(args);
  if (!current) return failed(current.error(), args);
  auto next = cli::new_secret(args, true);
  if (!next) return failed(next.error(), args);
  if (auto s = storage::rewrap_key_file(key_path(*dir), *current, *next); !s.ok()) return failed(s, args);
  if (args.json()) {
    cli::print_json(Json::object().set("changed", true));
  } else {
    std::cout << "Phrase de passe changée : la clé des données est désormais protégée par le nouveau secret\n";
  }
  return 0;
}

}  // namespace carnet::tool
