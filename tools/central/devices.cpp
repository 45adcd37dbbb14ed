// enroll, device: the tablets and their certificates.

#include <iostream>

#include "tools/central/node.hpp"
#include "tools/central/office_actions.hpp"

namespace carnet::central {

using core::Json;

int cmd_enroll(const cli::Args& args, storage::Central& store) {
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

int cmd_device(const cli::Args& args, storage::Central& store) {
  if (args.positional().size() > 1 && args.positional()[1] == "revoke") {
    auto id_text = args.required(2, "outils.args.quoi_id_appareil");
    if (!id_text) return failed(id_text.error(), args);
    auto id = core::Uuid::parse(*id_text);
    if (!id) return failed(Status::invalid_argument("outils.office_app.appareil_invalide", {{"id", *id_text}}), args);
    if (auto s = store.devices.revoke(*id, now_ms()); !s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("id", id->to_string()).set("revoked", true));
    else std::cout << "appareil " << id->to_string() << " révoqué : ses requêtes sont refusées et il effacera ses données\n";
    return 0;
  }
  auto all = store.devices.list();
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

}  // namespace carnet::central
