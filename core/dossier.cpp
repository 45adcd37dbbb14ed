#include "core/dossier.hpp"

#include <algorithm>
#include <set>

#include "core/text.hpp"

namespace carnet::core {
namespace {

constexpr std::size_t kMaxDossiers = 10000;
constexpr std::size_t kMaxRecommendations = 100;

Status text_field(const Json& obj, std::string_view key, bool required, std::size_t max, std::string& out) {
  const Json* v = obj.find(key);
  if (v == nullptr || v->is_null()) {
    if (required) return Status::invalid_argument("coeur.dossier.champ_manquant", {{"champ", key}});
    return Status::ok_status();
  }
  if (v->kind() != Json::Kind::kString) {
    return Status::invalid_argument("coeur.dossier.texte_attendu", {{"champ", key}});
  }
  if (v->as_string().size() > max) {
    return Status::out_of_range("coeur.dossier.trop_long", {{"champ", key}, {"max", max}});
  }
  if (required && trim(v->as_string()).empty()) return Status::invalid_argument("coeur.dossier.vide", {{"champ", key}});
  out = v->as_string();
  return Status::ok_status();
}

Status count_field(const Json& obj, std::string_view key, std::optional<std::int64_t>& out) {
  const Json* v = obj.find(key);
  if (v == nullptr || v->is_null()) return Status::ok_status();
  auto bad = Status::invalid_argument("coeur.dossier.entier_attendu", {{"champ", key}});
  if (v->kind() != Json::Kind::kNumber) return bad;
  auto n = Number::parse(v->number_text());
  if (!n || !n->is_integer() || n->numerator() < 0 || n->numerator() > 100000) return bad;
  out = n->numerator();
  return Status::ok_status();
}

Result<Dossier> one(const Json& obj) {
  if (obj.kind() != Json::Kind::kObject) return fail(Status::invalid_argument("coeur.dossier.objet_attendu"));
  static const std::set<std::string, std::less<>> known = {"id", "kind", "name", "reference", "holder", "address",
                                                            "capacity", "subsidised_places", "last_visit",
                                                            "recommendations"};
  for (const auto& [k, v] : obj.as_object()) {
    if (!known.contains(k)) return fail(Status::invalid_argument("coeur.dossier.champ_inconnu", {{"champ", k}}));
  }
  Dossier d;
  CARNET_RETURN_IF_ERROR_R(text_field(obj, "id", true, 64, d.id));
  if (!valid_dossier_id(d.id)) {
    return fail(Status::invalid_argument("coeur.dossier.id_invalide"));
  }
  CARNET_RETURN_IF_ERROR_R(text_field(obj, "kind", true, 64, d.kind));
  CARNET_RETURN_IF_ERROR_R(text_field(obj, "name", true, 200, d.name));
  CARNET_RETURN_IF_ERROR_R(text_field(obj, "reference", true, 64, d.reference));
  CARNET_RETURN_IF_ERROR_R(text_field(obj, "holder", false, 200, d.holder));
  CARNET_RETURN_IF_ERROR_R(text_field(obj, "address", false, 300, d.address));
  CARNET_RETURN_IF_ERROR_R(count_field(obj, "capacity", d.capacity));
  CARNET_RETURN_IF_ERROR_R(count_field(obj, "subsidised_places", d.subsidised_places));
  std::string last_visit;
  CARNET_RETURN_IF_ERROR_R(text_field(obj, "last_visit", false, 10, last_visit));
  if (!last_visit.empty()) {
    auto date = Date::parse(last_visit);
    if (!date) return fail(date.error().with_context("coeur.dossier.champ", {{"champ", "last_visit"}}));
    d.last_visit = *date;
  }
  if (const Json* recs = obj.find("recommendations"); recs != nullptr && !recs->is_null()) {
    if (recs->kind() != Json::Kind::kArray) {
      return fail(Status::invalid_argument("coeur.dossier.recommandations_liste"));
    }
    if (recs->as_array().size() > kMaxRecommendations) {
      return fail(Status::out_of_range("coeur.dossier.recommandations_trop"));
    }
    for (const Json& r : recs->as_array()) {
      if (r.kind() != Json::Kind::kString || r.as_string().size() > 10000) {
        return fail(Status::invalid_argument("coeur.dossier.recommandation_texte"));
      }
      d.recommendations.push_back(r.as_string());
    }
  }
  return d;
}

}  // namespace

bool valid_dossier_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == ':' || c == '-';
  });
}

Result<std::vector<Dossier>> dossiers_from_json(const Json& doc) {
  if (doc.kind() != Json::Kind::kArray) return fail(Status::invalid_argument("coeur.dossier.liste_attendue"));
  if (doc.as_array().size() > kMaxDossiers) return fail(Status::out_of_range("coeur.dossier.trop_de_dossiers"));
  std::vector<Dossier> out;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < doc.as_array().size(); ++i) {
    auto d = one(doc.as_array()[i]);
    Message where("coeur.dossier.numero", {{"n", i + 1}});
    if (const Json* id = doc.as_array()[i].find("id"); id != nullptr && id->kind() == Json::Kind::kString) {
      where = Message("coeur.dossier.numero_id", {{"n", i + 1}, {"id", id->as_string().substr(0, 64)}});
    }
    if (!d) return fail(d.error().with_context(where));
    if (!ids.insert(d->id).second) {
      return fail(Status::invalid_argument("coeur.dossier.id_en_double").with_context(where));
    }
    out.push_back(std::move(*d));
  }
  return out;
}

Json dossier_to_json(const Dossier& d) {
  Json j = Json::object();
  j.set("id", d.id).set("kind", d.kind).set("name", d.name).set("reference", d.reference);
  if (!d.holder.empty()) j.set("holder", d.holder);
  if (!d.address.empty()) j.set("address", d.address);
  if (d.capacity) j.set("capacity", *d.capacity);
  if (d.subsidised_places) j.set("subsidised_places", *d.subsidised_places);
  if (d.last_visit) j.set("last_visit", d.last_visit->iso());
  Json recs = Json::array();
  for (const auto& r : d.recommendations) recs.push(r);
  j.set("recommendations", std::move(recs));
  return j;
}

}  // namespace carnet::core
