// inspection, report, addendum: the reports the tablets sent.

#include <iostream>

#include "core/report.hpp"
#include "sync/report_signing.hpp"
#include "tools/central/node.hpp"
#include "tools/central/office_actions.hpp"
#include "tools/cli/documents.hpp"

namespace carnet::central {

using core::Json;

int cmd_inspection(const cli::Args& args, storage::Central& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "";
  if (sub == "list") {
    auto list = store.catalogue.inspections();
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

namespace {

// `report verify ID`: checks the signature again over what the central node holds, records
// the result in the audit log; exit 0 when it verifies, 6 when it does not, 3 for an unknown id.
int cmd_report_verify(const cli::Args& args, storage::Central& store) {
  if (auto s = args.no_more_than(3); !s.ok()) return failed(s, args);
  auto id = args.required(2, "outils.args.quoi_id_inspection");
  if (!id) return failed(id.error(), args);
  auto dir = cli::data_dir(args);
  if (!dir) return failed(dir.error(), args);
  auto view = store.catalogue.inspection(*id);
  if (!view) return failed(view.error(), args);
  const core::SignatureVerdict v = sync::verify_report_signature(*view, ca_certificate(*dir));
  const storage::AuditEvent event{storage::AuditKind::kSignatureCheck, office_actor(), *id,
                                  "resultat=" + std::string(core::signature_state_name(v.state)) +
                                      (v.code.empty() ? "" : " raison=" + v.code) + " via=report_verify"};
  if (auto s = store.audit.audited(event, [] { return Status::ok_status(); }); !s.ok()) return failed(s, args);
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

}  // namespace

int cmd_report(const cli::Args& args, storage::Central& store) {
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

// addendum list [--all] | accept ID | reject ID: the office reviews what inspectors add to
// signed reports; each decision is audited and reaches the tablets.
int cmd_addendum(const cli::Args& args, storage::Central& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "list";
  if (sub == "list") {
    auto all = store.addenda.list(!args.flag("--all"));
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
    if (auto s = store.addenda.review(*id, sub == "accept"); !s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("id", *id).set("review", sub == "accept" ? "acceptee" : "rejetee"));
    else std::cout << "addendum " << (sub == "accept" ? "accepté" : "rejeté") << "\n";
    return 0;
  }
  return failed(Status::invalid_argument("outils.main.usage_addendum"), args);
}

}  // namespace carnet::central
