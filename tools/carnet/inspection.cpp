#include <chrono>
#include <iostream>

#include "core/report.hpp"
#include "storage/blob_store.hpp"
#include "storage/files.hpp"
#include "sync/report_signing.hpp"
#include "tools/carnet/edit_syntax.hpp"
#include "tools/carnet/node.hpp"
#include "tools/cli/documents.hpp"

namespace carnet::tool {
namespace {

constexpr std::uint64_t kMaxAttachmentBytes = 32u << 20;  // the central node's default limit

using core::Json;

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Non-conformities first, then what remains to be checked, then what is conform.
void print_findings(const std::vector<core::Finding>& findings) {
  std::size_t counts[4] = {0, 0, 0, 0};
  for (const auto& f : findings) ++counts[static_cast<int>(f.status)];
  for (auto status : {core::FindingStatus::kNonConform, core::FindingStatus::kUnknown, core::FindingStatus::kConform}) {
    for (const auto& f : findings) {
      if (f.status != status) continue;
      std::cout << "[" << core::finding_status_label(f.status) << "] " << f.item << " — " << f.message << " ("
                << f.reference << ")\n";
    }
  }
  std::cout << counts[1] << " non-conformité(s), " << counts[2] << " à vérifier, " << counts[0] << " conforme(s), "
            << counts[3] << " sans objet\n";
}

void print_view(const core::InspectionView& v) {
  const core::Grid& grid = *v.grid;
  std::cout << "Inspection " << v.id << " — " << core::inspection_status_label(v.status) << "\n"
            << v.dossier.name << " — " << v.dossier.reference << " — grille " << grid.key() << " v" << grid.version() << "\n";
  for (const auto& mf : core::inspection_fields()) {
    const auto& value = v.field(mf.spec.key);
    if (value.is_null() || mf.spec.key == core::field::kSignatureCertificate || mf.spec.key == core::field::kSignature) continue;
    std::cout << "  " << mf.spec.label << " (" << mf.spec.key << ") : " << value.display() << "\n";
  }
  auto print_rows = [&](std::string_view key, std::string_view label, const std::vector<core::Column>& cols) {
    const auto& rows = v.table(key);
    std::cout << "  " << label << " (" << key << ") : " << rows.size() << " ligne(s)\n";
    for (std::size_t r = 0; r < rows.size(); ++r) {
      std::cout << "    " << r + 1 << ".";
      for (std::size_t c = 0; c < cols.size(); ++c) {
        if (!rows[r].cells[c].is_null()) std::cout << " " << cols[c].key << "=" << rows[r].cells[c].display();
      }
      std::cout << "\n";
    }
  };
  for (const auto& t : core::inspection_tables()) print_rows(t.key, t.label, t.columns);
  for (const auto& sec : grid.def().sections) {
    std::cout << "\n" << sec.number << ". " << sec.title << "\n";
    for (const auto& item : sec.items) {
      if (item.type == core::ItemType::kTable) {
        print_rows(item.key, item.label, item.columns);
        continue;
      }
      auto value = v.answers->item(*grid.find_item(item.key));
      std::string shown = value ? (value->is_null() ? "—" : value->display()) : "calcul impossible";
      std::cout << "  " << item.key << " : " << shown << (item.unit.empty() || !value || value->is_null() ? "" : " " + item.unit)
                << "\n";
    }
    for (const char* prefix : {"remarques.", "recommandations."}) {
      const auto& text = v.field(std::string(prefix) + sec.key);
      if (!text.is_null()) std::cout << "  " << prefix << sec.key << " : " << text.display() << "\n";
    }
  }
  if (!v.addenda.empty()) std::cout << "\nAddenda (après signature)\n";
  for (const auto& a : v.addenda) {
    std::cout << "  " << a.id << " — " << a.created_at << " — " << core::addendum_review_label(a) << " : " << a.text << "\n";
  }
}

Result<int> position_arg(const std::string& text) {
  auto n = core::Number::parse(text);
  if (!n || !n->is_integer() || n->numerator() < 1 || n->numerator() > 100000) {
    return core::fail(Status::invalid_argument("outils.inspection.numero_ligne", {{"numero", text}}));
  }
  return static_cast<int>(n->numerator());
}

}  // namespace

int cmd_inspection(const cli::Args& args) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "";
  auto replica = open_node(args);
  if (!replica) return failed(replica.error(), args);
  storage::Capture capture(**replica);

  if (sub == "start") {
    if (auto s = args.no_more_than(2); !s.ok()) return failed(s, args);
    auto dossier = args.required_option("--dossier");
    if (!dossier) return failed(dossier.error(), args);
    std::optional<core::Date> date = today();
    if (auto d = args.option("--date")) {
      auto parsed = core::Date::parse(*d);
      if (!parsed) return failed(parsed.error().with_context("outils.args.option", {{"option", "--date"}}), args);
      date = *parsed;
    }
    auto id = capture.start(*dossier, args.option("--grid"), date);
    if (!id) return failed(id.error(), args);
    if (args.json()) cli::print_json(Json::object().set("id", *id));
    else std::cout << *id << "\n";
    return 0;
  }
  if (sub == "list") {
    auto list = capture.list();
    if (!list) return failed(list.error(), args);
    if (args.json()) {
      Json arr = Json::array();
      for (const auto& s : *list) {
        arr.push(Json::object()
                     .set("id", s.id)
                     .set("dossier", s.dossier_id)
                     .set("grid", s.grid_key)
                     .set("status", std::string(core::inspection_status_name(s.status)))
                     .set("visit_date", s.visit_date ? Json(s.visit_date->iso()) : Json()));
      }
      cli::print_json(arr);
    } else {
      for (const auto& s : *list) {
        std::cout << s.id << "\t" << s.dossier_id << "\t" << s.grid_key << "\t" << core::inspection_status_label(s.status)
                  << "\t" << (s.visit_date ? s.visit_date->french() : "") << "\n";
      }
    }
    return 0;
  }
  auto id = args.required(2, "outils.args.quoi_id_inspection");
  if (!id) return failed(id.error(), args);
  if (sub == "set") {
    auto edits = parse_assignments({args.positional().begin() + 3, args.positional().end()});
    if (!edits) return failed(edits.error(), args);
    auto n = capture.set(*id, *edits);
    if (!n) return failed(n.error(), args);
    if (args.json()) cli::print_json(Json::object().set("changed", *n));
    else std::cout << *n << " valeur(s) enregistrée(s)\n";
    return 0;
  }
  if (sub == "attach") {
    // inspection attach ID KEY FILE: a photo or scanned document for a photo item (or a
    // photo column of a new or existing row: T[+].photo).
    if (auto s = args.no_more_than(5); !s.ok()) return failed(s, args);
    auto key = args.required(3, "outils.args.quoi_cle_photo");
    auto file = args.required(4, "outils.args.quoi_fichier");
    if (!key) return failed(key.error(), args);
    if (!file) return failed(file.error(), args);
    auto path = parse_key_path(*key);
    if (!path) return failed(path.error(), args);
    auto dir = cli::data_dir(args);
    storage::BlobStore blobs(*dir + "/blobs", kMaxAttachmentBytes, (*replica)->key());
    auto sha = blobs.put_file(*file);
    if (!sha) return failed(sha.error(), args);
    auto tx = storage::Transaction::begin((*replica)->db());
    if (!tx) return failed(tx.error(), args);
    if (auto s = (*replica)->add_blob(**tx, *sha, *blobs.size(*sha)); !s.ok()) return failed(s, args);
    if (auto s = (*tx)->commit(); !s.ok()) return failed(s, args);
    auto n = capture.set(*id, {storage::Edit{*path, *sha}});
    if (!n) return failed(n.error(), args);
    if (args.json()) cli::print_json(Json::object().set("sha256", *sha).set("key", *key));
    else std::cout << "pièce jointe enregistrée (" << *sha << ")\n";
    return 0;
  }
  if (sub == "delete-row") {
    if (auto s = args.no_more_than(5); !s.ok()) return failed(s, args);
    auto table = args.required(3, "outils.args.quoi_tableau");
    auto position = args.required(4, "outils.args.quoi_numero_ligne");
    if (!table) return failed(table.error(), args);
    if (!position) return failed(position.error(), args);
    auto n = position_arg(*position);
    if (!n) return failed(n.error(), args);
    if (auto s = capture.delete_row(*id, *table, *n); !s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("deleted", true));
    else std::cout << "ligne " << *n << " de " << *table << " supprimée\n";
    return 0;
  }
  if (sub == "addendum") {
    if (auto s = args.no_more_than(3); !s.ok()) return failed(s, args);
    auto text = args.required_option("--text");
    if (!text) return failed(text.error(), args);
    auto added = capture.add_addendum(*id, *text);
    if (!added) return failed(added.error(), args);
    if (args.json()) cli::print_json(Json::object().set("id", *added).set("inspection", *id));
    else std::cout << "addendum " << *added << " enregistré (il sera examiné au bureau après synchronisation)\n";
    return 0;
  }
  if (auto s = args.no_more_than(3); !s.ok()) return failed(s, args);
  if (sub == "complete" || sub == "sign") {
    Status s = Status::ok_status();
    if (sub == "complete") {
      s = capture.complete(*id);
    } else {
      auto dir = cli::data_dir(args);
      if (!dir) return failed(dir.error(), args);
      auto signer = sync::device_report_signer(sync::DeviceFiles(*dir, (*replica)->key()), now_s());
      if (!signer) return failed(signer.error(), args);
      s = capture.sign(*id, *signer);
    }
    if (!s.ok()) return failed(s, args);
    const char* status = sub == "complete" ? "completed" : "signed";
    if (args.json()) cli::print_json(Json::object().set("id", *id).set("status", status));
    else std::cout << "inspection " << (sub == "complete" ? "clôturée" : "signée") << "\n";
    return 0;
  }
  auto view = capture.load(*id);
  if (!view) return failed(view.error(), args);
  if (sub == "show") {
    if (args.json()) cli::print_json(core::report_json(*view, names_of(**replica), check_signature(cli::data_dir(args).value_or(std::string()), **replica, *view)));
    else print_view(*view);
    return 0;
  }
  if (sub == "findings") {
    const auto findings = view->findings();
    if (args.json()) {
      Json arr = Json::array();
      for (const auto& f : findings) arr.push(core::finding_json(f));
      cli::print_json(arr);
    } else {
      print_findings(findings);
    }
    return 0;
  }
  return failed(Status::invalid_argument("outils.inspection.sous_commande", {{"commande", sub}}), args);
}

int cmd_report(const cli::Args& args) {
  if (auto s = args.no_more_than(2); !s.ok()) return failed(s, args);
  auto id = args.required(1, "outils.args.quoi_id_inspection");
  if (!id) return failed(id.error(), args);
  const std::string format = args.option("--format").value_or("html");
  if (format != "html" && format != "json") {
    return failed(Status::invalid_argument("outils.documents.format"), args);
  }
  auto replica = open_node(args);
  if (!replica) return failed(replica.error(), args);
  storage::Capture capture(**replica);
  auto view = capture.load(*id);
  if (!view) return failed(view.error(), args);
  return cli::write_report(args, *view, names_of(**replica), "carnet", check_signature(cli::data_dir(args).value_or(std::string()), **replica, *view));
}

}  // namespace carnet::tool
