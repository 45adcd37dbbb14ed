#include "core/value.hpp"

#include "core/text.hpp"

namespace carnet::core {

Message value_kind_message(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull: return Message("coeur.value.type_vide");
    case ValueKind::kBool: return Message("coeur.value.type_booleen");
    case ValueKind::kNumber: return Message("coeur.value.type_nombre");
    case ValueKind::kDate: return Message("coeur.value.type_date");
    case ValueKind::kText: return Message("coeur.value.type_texte");
  }
  return Message("coeur.value.type_inconnu");
}

std::string_view value_kind_name(ValueKind kind) { return message_text(value_kind_message(kind).key()); }

std::string Value::encode() const {
  switch (kind()) {
    case ValueKind::kNull: break;
    case ValueKind::kBool: return as_bool() ? "b:1" : "b:0";
    case ValueKind::kNumber: return "n:" + as_number().canonical();
    case ValueKind::kDate: return "d:" + as_date().iso();
    case ValueKind::kText: return "t:" + as_text();
  }
  return {};
}

Result<Value> Value::decode(std::string_view encoded) {
  auto corrupt = [&] {
    return fail(Status::corruption("coeur.value.illisible", {{"valeur", encoded.substr(0, 40)}}));
  };
  if (encoded.size() < 2 || encoded[1] != ':') return corrupt();
  const std::string_view payload = encoded.substr(2);
  switch (encoded[0]) {
    case 'b':
      if (payload == "1") return boolean(true);
      if (payload == "0") return boolean(false);
      return corrupt();
    case 'n': {
      auto n = Number::parse_canonical(payload);
      if (!n) return corrupt();
      return number(*n);
    }
    case 'd': {
      auto d = Date::parse(payload);
      if (!d || d->iso() != payload) return corrupt();
      return date(*d);
    }
    case 't':
      if (!valid_utf8_text(payload)) return corrupt();
      return text(std::string(payload));
    default: return corrupt();
  }
}

std::string Value::display() const {
  switch (kind()) {
    case ValueKind::kNull: return {};
    case ValueKind::kBool:
      return std::string(as_bool() ? catalogue_text("coeur.valeur.affichage.oui")
                                   : catalogue_text("coeur.valeur.affichage.non"));
    case ValueKind::kNumber: return as_number().to_french(2);
    case ValueKind::kDate: return as_date().french();
    case ValueKind::kText: return as_text();
  }
  return {};
}

}  // namespace carnet::core
