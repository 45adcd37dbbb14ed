// inspector, dossier, assign/unassign, grid: what the central node knows and who inspects what.

#include <iostream>

#include "core/text.hpp"
#include "storage/grid_file.hpp"
#include "tools/central/node.hpp"
#include "tools/cli/documents.hpp"

namespace carnet::central {

using core::Json;

int cmd_inspector(const cli::Args& args, storage::Central& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "";
  if (sub == "add") {
    auto id = args.required(2, "outils.args.quoi_id_inspecteur");
    auto name = args.required_option("--name");
    if (!id) return failed(id.error(), args);
    if (!name) return failed(name.error(), args);
    if (!core::valid_dossier_id(*id)) return failed(Status::invalid_argument("outils.main.identifiant_invalide"), args);
    if (name->size() > 200) return failed(Status::invalid_argument("outils.node.nom_trop_long"), args);
    if (auto s = store.catalogue.add_inspector({*id, *name}); !s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("id", *id).set("name", *name));
    else std::cout << "inspecteur " << *id << " ajouté\n";
    return 0;
  }
  if (sub == "list") {
    auto all = store.catalogue.inspectors();
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

int cmd_dossier(const cli::Args& args, storage::Central& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "";
  if (sub == "import") {
    const Status s = cli::import_dossier_file(args, [&](const auto& dossiers) { return store.catalogue.import_dossiers(dossiers); });
    return s.ok() ? 0 : failed(s, args);
  }
  if (sub == "list") {
    auto all = store.catalogue.dossiers();
    if (!all) return failed(all.error(), args);
    auto assigned = store.catalogue.assignments();
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

int cmd_assign(const cli::Args& args, storage::Central& store, bool assign) {
  auto dossier = args.required(1, "outils.args.quoi_dossier");
  auto inspector = args.required(2, "outils.args.quoi_inspecteur");
  if (!dossier) return failed(dossier.error(), args);
  if (!inspector) return failed(inspector.error(), args);
  const Status s = assign ? store.catalogue.assign(*dossier, *inspector) : store.catalogue.unassign(*dossier, *inspector);
  if (!s.ok()) return failed(s, args);
  if (args.json()) cli::print_json(Json::object().set("dossier", *dossier).set("inspector", *inspector).set("assigned", assign));
  else std::cout << "dossier " << *dossier << (assign ? " attribué à " : " retiré à ") << *inspector << "\n";
  return 0;
}

int cmd_grid(const cli::Args& args, storage::Central& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "";
  if (sub == "publish") {
    auto file = args.required(2, "outils.args.quoi_fichier_grille");
    if (!file) return failed(file.error(), args);
    auto loaded = storage::load_grid_file(*file);
    if (!loaded) return failed(loaded.error(), args);
    const auto& grid = loaded->grid;
    if (auto s = store.catalogue.publish_grid(*grid, loaded->text); !s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("key", grid->key()).set("version", grid->version()));
    else std::cout << "grille " << grid->key() << " v" << grid->version() << " publiée\n";
    return 0;
  }
  if (sub == "list") {
    auto grids = store.catalogue.published_grids();
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

}  // namespace carnet::central
