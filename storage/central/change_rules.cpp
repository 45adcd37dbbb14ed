#include "storage/central/change_rules.hpp"

#include "core/addendum.hpp"
#include "core/validation.hpp"
#include "storage/central/statements.hpp"
#include "storage/inspection_reader.hpp"

namespace carnet::storage {

using namespace internal;

Result<std::optional<Refusal>> ChangeRules::check(ChangeBatch& batch, const core::Change& c, const std::string& device) {
  auto place = batch.entity_place(c.entity_type, c.entity_id);
  if (!place) return fail(place.error());
  if (*place) {
    if ((*place)->second != c.scope || (*place)->first != c.parent) {
      return Refusal{"autre_dossier", core::Message("stockage.central_sqlite.autre_dossier")};
    }
  } else if (c.entity_type == entity::kInspection) {
    if (c.parent != c.scope) {
      return Refusal{"inspection_hors_dossier", core::Message("stockage.central_sqlite.inspection_hors_dossier")};
    }
    auto dossier = batch.entities().entity_exists(entity::kDossier, c.scope);
    if (!dossier) return fail(dossier.error());
    if (!*dossier) {
      return Refusal{"dossier_inconnu", core::Message("stockage.central_sqlite.dossier_inconnu", {{"id", c.scope}})};
    }
  } else if (c.entity_type == entity::kRow || c.entity_type == entity::kAddendum) {
    auto parent = batch.entity_place(entity::kInspection, c.parent);
    if (!parent) return fail(parent.error());
    if (!*parent || (*parent)->second != c.scope) {
      return Refusal{"ligne_orpheline", c.entity_type == entity::kRow
                                            ? core::Message("stockage.central_sqlite.ligne_orpheline")
                                            : core::Message("stockage.central_sqlite.addendum_orphelin")};
    }
  }
  if (c.grid_key.empty()) return Refusal{"sans_grille", core::Message("stockage.central_sqlite.sans_grille")};
  auto g = batch.entities().grid(c.grid_key, c.grid_version);
  if (!g) {
    return Refusal{"grille_inconnue", core::Message("stockage.central_sqlite.grille_inconnue",
                                                    {{"grille", c.grid_key}, {"version", c.grid_version}})};
  }
  std::string row_table;
  if (c.entity_type == entity::kRow && c.field.starts_with(row_field::kCellPrefix)) {
    auto t = batch.field(entity::kRow, c.entity_id, row_field::kTable);
    if (!t) return fail(t.error());
    if (*t && (*t)->value.kind() == core::ValueKind::kText) row_table = (*t)->value.as_text();
  }
  const Status typed = core::check_change(c, **g, row_table);
  if (!typed.ok()) {
    // check_change() answers one message; should it carry contexts, their French text is kept.
    if (typed.parts().size() == 1) {
      return Refusal{"valeur_invalide",
                     core::Message("stockage.central_sqlite.valeur_invalide", {{"raison", typed.parts()}})};
    }
    return Refusal{"valeur_invalide", core::Message("stockage.central_sqlite.valeur_invalide", {{"raison", typed.message()}})};
  }
  // A signed report never changes, except for the holder's answer.
  const std::string inspection = c.entity_type == entity::kInspection ? c.entity_id : c.parent;
  auto status = batch.field(entity::kInspection, inspection, field::kStatus);
  if (!status) return fail(status.error());
  // An addendum is reviewed once: after that it never changes either.
  if (c.entity_type == entity::kAddendum) {
    auto review = batch.field(entity::kAddendum, c.entity_id, core::addendum_field::kReview);
    if (!review) return fail(review.error());
    if (*review && !(*review)->value.is_null()) {
      return Refusal{"addendum_revu", core::Message("stockage.central_sqlite.addendum_revu")};
    }
    return std::nullopt;
  }
  if (*status && (*status)->value == Value::text("signed") &&
      !(c.entity_type == entity::kInspection && c.field == field::kHolderAnswer)) {
    return Refusal{"inspection_signee", core::Message("stockage.central_sqlite.inspection_signee")};
  }
  // The signature, and the move to "signed", only with a signature that verifies against
  // what the central node holds.
  if (c.entity_type == entity::kInspection &&
      ((c.field == field::kSignature && !c.value.is_null()) || (c.field == field::kStatus && c.value == Value::text("signed")))) {
    return check_signature(batch, c, device);
  }
  return std::nullopt;
}

Result<std::optional<Refusal>> ChangeRules::check_signature(ChangeBatch& batch, const core::Change& c,
                                                            const std::string& device) {
  CARNET_RETURN_IF_ERROR_R(batch.flush());  // the inspection is read from the tables
  auto view = read_inspection(batch.entities(), c.entity_id);
  if (!view) {
    if (view.error().code() == core::StatusCode::kNotFound) {
      return Refusal{"signature_invalide", core::Message("stockage.central_sqlite.signature_inspection_inconnue")};
    }
    return fail(view.error());
  }
  if (c.field == field::kSignature) view->fields.insert_or_assign(std::string(field::kSignature), c.value);
  core::SignatureVerdict verdict;
  const SignatureVerifier& verify = db_.options().verify_signature;
  if (!core::report_signature(*view)) {
    verdict = {core::SignatureState::kInvalid, "signature_absente", core::Message("stockage.central_sqlite.signee_sans_signature")};
  } else if (!verify) {
    verdict = {core::SignatureState::kUnverifiable, "sans_autorite", core::Message("stockage.central_sqlite.signature_inverifiable")};
  } else {
    verdict = verify(*view, device);
  }
  const std::string where = c.field == field::kSignature ? "signature" : "statut";
  CARNET_RETURN_IF_ERROR_R(audit_.append(batch.tx(), AuditKind::kSignatureCheck, device, c.entity_id,
                                         "champ=" + where + " resultat=" + std::string(core::signature_state_name(verdict.state)) +
                                             (verdict.code.empty() ? "" : " raison=" + verdict.code)));
  if (verdict.valid()) return std::nullopt;
  std::vector<core::Message> why;
  if (verdict.message) why.push_back(*verdict.message);
  return Refusal{"signature_invalide", core::Message("stockage.central_sqlite.signature_refusee", {{"verdict", std::move(why)}})};
}

}  // namespace carnet::storage
