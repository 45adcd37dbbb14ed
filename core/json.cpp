#include "core/json.hpp"

#include <unordered_set>

#include "core/text.hpp"

namespace carnet::core {

class JsonParser {
 public:
  JsonParser(std::string_view text) : s_(text) {}

  Result<Json> parse() {
    Json v;
    CARNET_RETURN_IF_ERROR_R(value(v, 0));
    skip_ws();
    if (pos_ != s_.size()) return fail(error("coeur.json.contenu_en_trop"));
    return v;
  }

 private:
  Status error(Message what) const {
    return Status::invalid_argument(std::move(what)).with_context("coeur.json.invalide", {{"octet", pos_}});
  }
  Status error(MessageKey what) const { return error(Message(what)); }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }

  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Status value(Json& out, int depth) {
    if (depth > 64) return error("coeur.json.trop_imbrique");
    if (++values_ > kMaxJsonValues) return error(Message("coeur.json.trop_de_valeurs", {{"max", kMaxJsonValues}}));
    skip_ws();
    if (pos_ >= s_.size()) return error("coeur.json.fin_inattendue");
    const char c = s_[pos_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      std::string str;
      CARNET_RETURN_IF_ERROR(string(str));
      out = Json(std::move(str));
      return Status::ok_status();
    }
    if (literal("true")) { out = Json(true); return Status::ok_status(); }
    if (literal("false")) { out = Json(false); return Status::ok_status(); }
    if (literal("null")) { out = Json(); return Status::ok_status(); }
    if (c == '-' || (c >= '0' && c <= '9')) return number(out);
    return error(Message("coeur.json.valeur_attendue", {{"caractere", std::string(1, c)}}));
  }

  Status number(Json& out) {
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t d = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ - d;
    };
    if (s_[pos_] == '-') ++pos_;
    const std::size_t int_start = pos_;
    if (digits() == 0) return error("coeur.json.nombre_mal_forme");
    if (s_[int_start] == '0' && pos_ - int_start > 1) return error("coeur.json.zero_initial");
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) return error("coeur.json.nombre_mal_forme");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) return error("coeur.json.nombre_mal_forme");
    }
    if (pos_ - start > 64) return error("coeur.json.nombre_trop_long");
    out = Json::from_number_text(std::string(s_.substr(start, pos_ - start)));
    return Status::ok_status();
  }

  Status hex4(unsigned& cp) {
    if (pos_ + 4 > s_.size()) return error("coeur.json.echappement_u_incomplet");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = s_[pos_++];
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f') cp |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') cp |= static_cast<unsigned>(h - 'A' + 10);
      else return error("coeur.json.echappement_u_invalide");
    }
    return Status::ok_status();
  }

  static void utf8(unsigned cp, std::string& out) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  Status string(std::string& out) {
    ++pos_;  // opening quote
    const std::size_t start = pos_;
    while (true) {
      if (pos_ >= s_.size()) return error("coeur.json.texte_non_termine");
      const char c = s_[pos_];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) return error("coeur.json.caractere_controle");
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      if (++pos_ >= s_.size()) return error("coeur.json.echappement_incomplet");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = 0;
          CARNET_RETURN_IF_ERROR(hex4(cp));
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned low = 0;
            if (!literal("\\u")) return error("coeur.json.substitution_incomplete");
            CARNET_RETURN_IF_ERROR(hex4(low));
            if (low < 0xDC00 || low > 0xDFFF) return error("coeur.json.substitution_invalide");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return error("coeur.json.substitution_invalide");
          }
          if (cp == 0) return error("coeur.json.caractere_nul");
          utf8(cp, out);
          break;
        }
        default: return error("coeur.json.echappement_inconnu");
      }
    }
    ++pos_;  // closing quote
    (void)start;
    // Control characters are allowed through escapes (\n, \t); the bytes must be UTF-8.
    std::string check = out;
    for (char& ch : check) {
      if (ch == '\b' || ch == '\f') ch = ' ';
    }
    if (!valid_utf8_text(check)) return error("coeur.json.texte_non_utf8");
    return Status::ok_status();
  }

  Status array(Json& out, int depth) {
    ++pos_;
    Json::Array items;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      out = Json::array(std::move(items));
      return Status::ok_status();
    }
    while (true) {
      Json item;
      CARNET_RETURN_IF_ERROR(value(item, depth + 1));
      items.push_back(std::move(item));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
      if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; break; }
      return error("coeur.json.virgule_ou_crochet");
    }
    out = Json::array(std::move(items));
    return Status::ok_status();
  }

  // Duplicate keys are found with a hash set, so that an object costs time in proportion to
  // its size (a list scan made a 1 MiB object of short keys cost half a minute).
  Status object(Json& out, int depth) {
    ++pos_;
    Json::Object members;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      out = Json::object();
      return Status::ok_status();
    }
    std::unordered_set<std::string> keys;
    while (true) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return error("coeur.json.nom_champ_attendu");
      std::string key;
      CARNET_RETURN_IF_ERROR(string(key));
      if (members.size() == kMaxJsonMembers) return error(Message("coeur.json.trop_de_champs", {{"max", kMaxJsonMembers}}));
      if (!keys.insert(key).second) return error(Message("coeur.json.champ_double", {{"champ", key}}));
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') return error("coeur.json.deux_points_attendu");
      ++pos_;
      Json v;
      CARNET_RETURN_IF_ERROR(value(v, depth + 1));
      members.emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
      if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; break; }
      return error("coeur.json.virgule_ou_accolade");
    }
    out = Json::object(std::move(members));
    return Status::ok_status();
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t values_ = 0;  // values started so far, nested ones included
};

const Json* Json::find(std::string_view key) const {
  if (kind() != Kind::kObject) return nullptr;
  for (const auto& [k, v] : as_object()) {
    if (k == key) return &v;
  }
  return nullptr;
}

Json& Json::set(std::string key, Json value) {
  auto& members = std::get<Object>(v_);
  for (auto& [k, v] : members) {
    if (k == key) {
      v = std::move(value);
      return *this;
    }
  }
  members.emplace_back(std::move(key), std::move(value));
  return *this;
}

Json& Json::push(Json value) {
  std::get<Array>(v_).push_back(std::move(value));
  return *this;
}

void json_quote(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string Json::dump(int indent) const {
  std::string out;
  dump_to(out, indent, 0);
  return out;
}

void Json::dump_to(std::string& out, int indent, int level) const {
  auto newline = [&](int lvl) {
    if (indent <= 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(indent * lvl), ' ');
  };
  switch (kind()) {
    case Kind::kNull: out += "null"; break;
    case Kind::kBool: out += as_bool() ? "true" : "false"; break;
    case Kind::kNumber: out += number_text(); break;
    case Kind::kString: json_quote(as_string(), out); break;
    case Kind::kArray: {
      const auto& items = as_array();
      if (items.empty()) { out += "[]"; break; }
      out += '[';
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ',';
        newline(level + 1);
        items[i].dump_to(out, indent, level + 1);
      }
      newline(level);
      out += ']';
      break;
    }
    case Kind::kObject: {
      const auto& members = as_object();
      if (members.empty()) { out += "{}"; break; }
      out += '{';
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out += ',';
        newline(level + 1);
        json_quote(members[i].first, out);
        out += indent > 0 ? ": " : ":";
        members[i].second.dump_to(out, indent, level + 1);
      }
      newline(level);
      out += '}';
      break;
    }
  }
}

Result<Json> Json::parse(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    return fail(Status::out_of_range("coeur.json.trop_grand", {{"taille", text.size()}, {"max", max_bytes}}));
  }
  return JsonParser(text).parse();
}

}  // namespace carnet::core
