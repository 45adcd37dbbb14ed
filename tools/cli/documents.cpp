#include "tools/cli/documents.hpp"

#include <iostream>

#include "storage/files.hpp"

namespace carnet::cli {

namespace {

Result<std::vector<core::Dossier>> read_dossier_file(const std::string& path) {
  auto text = storage::read_file(path, 16u << 20);
  if (!text) return core::fail(text.error());
  auto doc = core::Json::parse(*text);
  if (!doc) return core::fail(doc.error().with_context("outils.documents.fichier", {{"chemin", path}}));
  auto dossiers = core::dossiers_from_json(*doc);
  if (!dossiers) return core::fail(dossiers.error().with_context("outils.documents.fichier", {{"chemin", path}}));
  return dossiers;
}

}  // namespace

Status import_dossier_file(const cli::Args& args, const DossierImport& import) {
  auto file = args.required(2, "outils.args.quoi_fichier_dossiers");
  if (!file) return file.error();
  auto dossiers = read_dossier_file(*file);
  if (!dossiers) return dossiers.error();
  auto n = import(*dossiers);
  if (!n) return n.error();
  if (args.json()) print_json(core::Json::object().set("imported", *n));
  else std::cout << *n << " dossier(s) importé(s)\n";
  return Status::ok_status();
}

int write_report(const cli::Args& args, const core::InspectionView& view, const core::InspectorNames& names,
                 std::string_view program, const core::SignatureVerdict& signature) {
  const std::string format = args.option("--format").value_or("html");
  if (format != "html" && format != "json") {
    return report_error(Status::invalid_argument("outils.documents.format"), args.json(), program);
  }
  const std::string content = format == "html" ? core::report_html(view, names, signature)
                                                : core::report_json(view, names, signature).dump(2) + "\n";
  if (auto out = args.option("--output")) {
    if (auto s = storage::write_file_durably(*out, content); !s.ok()) return report_error(s, args.json(), program);
    if (args.json()) print_json(core::Json::object().set("path", *out).set("format", format));
    else std::cout << "rapport écrit dans " << *out << "\n";
  } else {
    std::cout << content;
  }
  return 0;
}

}  // namespace carnet::cli
