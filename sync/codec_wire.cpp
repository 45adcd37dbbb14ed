#include "sync/codec_wire.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>

#include "core/text.hpp"

namespace carnet::sync {
namespace {

using core::fail;

Result<core::Uuid> uuid_from(const std::string& bytes) {
  if (bytes.size() != 16) return fail(Status::invalid_argument("sync.codec.identifiant_16_octets"));
  std::array<std::uint8_t, 16> b{};
  std::memcpy(b.data(), bytes.data(), 16);
  return core::Uuid::from_bytes(b);
}

// Interns strings into a repeated field, returning their index.
template <class Key>
class Table {
 public:
  std::uint32_t index(const Key& key, const std::function<void()>& append) {
    auto [it, inserted] = map_.emplace(key, static_cast<std::uint32_t>(map_.size()));
    if (inserted) append();
    return it->second;
  }

 private:
  std::map<Key, std::uint32_t> map_;
};

// An entity id as the wire carries it: 16 bytes for a canonical UUID, else the text.
void encode_entity_id(const std::string& id, v1::Entity& entity, bool parent) {
  auto uuid = core::Uuid::parse(id);
  const bool binary = uuid && uuid->to_string() == id;
  if (parent) {
    if (binary) entity.set_parent_uuid(uuid_bytes(*uuid));
    else if (!id.empty()) entity.set_parent_name(id);
  } else {
    if (binary) entity.set_uuid(uuid_bytes(*uuid));
    else entity.set_name(id);
  }
}

}  // namespace

std::string uuid_bytes(const core::Uuid& u) {
  return std::string(reinterpret_cast<const char*>(u.bytes().data()), u.bytes().size());
}

v1::Value encode_value(const core::Value& value) {
  v1::Value out;
  switch (value.kind()) {
    case core::ValueKind::kNull: break;
    case core::ValueKind::kBool: out.set_boolean(value.as_bool()); break;
    case core::ValueKind::kNumber: out.set_number(value.as_number().canonical()); break;
    case core::ValueKind::kDate: out.set_date(value.as_date().iso()); break;
    case core::ValueKind::kText: out.set_text(value.as_text()); break;
  }
  return out;
}

Result<core::Value> decode_value(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::KIND_NOT_SET: return core::Value();
    case v1::Value::kBoolean: return core::Value::boolean(value.boolean());
    case v1::Value::kNumber: {
      auto n = core::Number::parse_canonical(value.number());
      if (!n) return fail(Status::invalid_argument("sync.codec.nombre_mal_encode"));
      return core::Value::number(*n);
    }
    case v1::Value::kDate: {
      auto d = core::Date::parse(value.date());
      if (!d || d->iso() != value.date()) return fail(Status::invalid_argument("sync.codec.date_mal_encodee"));
      return core::Value::date(*d);
    }
    case v1::Value::kText:
      if (value.text().size() > kMaxValueBytes) return fail(Status::out_of_range("sync.codec.texte_trop_long"));
      if (!core::valid_utf8_text(value.text())) return fail(Status::invalid_argument("sync.codec.texte_non_utf8"));
      return core::Value::text(value.text());
  }
  return fail(Status::invalid_argument("sync.codec.valeur_inconnue"));
}

namespace {

const core::Change& change_of(const SequencedChange& sc) { return sc.change; }
const core::Change& change_of(const core::Change& c) { return c; }
std::uint64_t seq_of(const SequencedChange& sc) { return sc.seq; }
std::uint64_t seq_of(const core::Change&) { return 0; }

template <class Item>
v1::ChangeBatch encode_changes(const std::vector<Item>& changes) {
  v1::ChangeBatch batch;
  if (changes.empty()) return batch;
  std::uint64_t base = std::numeric_limits<std::uint64_t>::max();
  for (const auto& item : changes) base = std::min(base, change_of(item).version.hlc.value);
  batch.set_base_hlc(base);
  batch.add_grids();  // index 0: no grid
  Table<core::Uuid> nodes;
  Table<std::pair<std::string, std::string>> entities;
  Table<std::string> fields;
  Table<std::string> scopes;
  Table<std::pair<std::string, int>> grids;
  auto node_index = [&](const core::Uuid& u) { return nodes.index(u, [&] { batch.add_nodes(uuid_bytes(u)); }); };
  for (const auto& item : changes) {
    const core::Change& c = change_of(item);
    v1::Change* out = batch.add_changes();
    out->set_id(uuid_bytes(c.id));
    out->set_entity(entities.index({c.entity_type, c.entity_id}, [&] {
      v1::Entity* e = batch.add_entities();
      e->set_type(c.entity_type);
      encode_entity_id(c.entity_id, *e, false);
      encode_entity_id(c.parent, *e, true);
      e->set_scope(scopes.index(c.scope, [&] { batch.add_scopes(c.scope); }));
    }));
    out->set_field(fields.index(c.field, [&] { batch.add_fields(c.field); }));
    *out->mutable_value() = encode_value(c.value);
    out->set_hlc(c.version.hlc.value - base);
    out->set_node(node_index(c.version.node));
    if (!c.base.is_zero()) {
      out->set_base_hlc(static_cast<std::int64_t>(c.base.hlc.value - base));
      out->set_base_node(node_index(c.base.node));
    }
    if (!c.grid_key.empty()) {
      out->set_grid(grids.index({c.grid_key, c.grid_version}, [&] {
                      v1::GridRef* g = batch.add_grids();
                      g->set_key(c.grid_key);
                      g->set_version(c.grid_version);
                    }) + 1);
    }
    out->set_seq(seq_of(item));
    out->set_seen_cursor(c.seen_cursor);
  }
  return batch;
}

}  // namespace

v1::ChangeBatch encode_batch(const std::vector<SequencedChange>& changes) { return encode_changes(changes); }
v1::ChangeBatch encode_batch(const std::vector<core::Change>& changes) { return encode_changes(changes); }

namespace {

constexpr int kMaxParts = 8;
constexpr int kMaxPartDepth = 4;

void encode_text(const core::Message& m, v1::Text& out) {
  out.set_key(std::string(m.key()));
  for (const core::MessageParam& p : m.params()) {
    v1::Text::Param& wire = *out.add_params();
    wire.set_name(p.name);
    wire.set_value(p.value);
    for (const core::Message& sub : p.messages) encode_text(sub, *wire.add_messages());
  }
}

std::optional<core::Message> decode_text(const v1::Text& t, int depth) {
  if (depth > kMaxPartDepth || t.params_size() > kMaxParts) return std::nullopt;
  std::vector<core::MessageParam> params;
  for (const v1::Text::Param& p : t.params()) {
    if (p.messages_size() == 0) {
      params.emplace_back(p.name(), p.value());
      continue;
    }
    if (p.messages_size() > kMaxParts) return std::nullopt;
    std::vector<core::Message> list;
    for (const v1::Text& sub : p.messages()) {
      auto m = decode_text(sub, depth + 1);
      if (!m) return std::nullopt;
      list.push_back(std::move(*m));
    }
    params.emplace_back(p.name(), std::move(list));
  }
  return core::Message::received(t.key(), std::move(params));
}

}  // namespace

void encode_parts(const std::vector<core::Message>& parts, google::protobuf::RepeatedPtrField<v1::Text>& out) {
  for (const core::Message& m : parts) encode_text(m, *out.Add());
}

std::optional<std::vector<core::Message>> decode_parts(const google::protobuf::RepeatedPtrField<v1::Text>& parts) {
  if (parts.empty() || parts.size() > kMaxParts) return std::nullopt;
  std::vector<core::Message> out;
  for (const v1::Text& t : parts) {
    auto m = decode_text(t, 1);
    if (!m) return std::nullopt;
    out.push_back(std::move(*m));
  }
  return out;
}

Result<std::vector<SequencedChange>> decode_batch(const v1::ChangeBatch& batch) {
  if (static_cast<std::size_t>(batch.changes_size()) > kMaxBatchChanges) {
    return fail(Status::out_of_range("sync.codec.trop_de_changements", {{"max", kMaxBatchChanges}}));
  }
  std::vector<core::Uuid> nodes;
  for (const auto& n : batch.nodes()) {
    auto u = uuid_from(n);
    if (!u) return fail(u.error().with_context("sync.codec.noeud"));
    nodes.push_back(*u);
  }
  std::vector<SequencedChange> out;
  out.reserve(static_cast<std::size_t>(batch.changes_size()));
  for (int i = 0; i < batch.changes_size(); ++i) {
    const v1::Change& in = batch.changes(i);
    auto bad = [&](core::MessageKey what) {
      return fail(Status::invalid_argument("sync.codec.changement", {{"n", i + 1}, {"detail", {core::Message(what)}}}));
    };
    SequencedChange sc;
    core::Change& c = sc.change;
    auto id = uuid_from(in.id());
    if (!id) return bad("sync.codec.identifiant_invalide");
    c.id = *id;
    if (in.entity() >= static_cast<std::uint32_t>(batch.entities_size())) return bad("sync.codec.entite_inconnue");
    const v1::Entity& e = batch.entities(static_cast<int>(in.entity()));
    if (e.type().empty() || e.type().size() > 32) return bad("sync.codec.type_entite_invalide");
    c.entity_type = e.type();
    if (e.id_case() == v1::Entity::kUuid) {
      auto u = uuid_from(e.uuid());
      if (!u) return bad("sync.codec.identifiant_entite_invalide");
      c.entity_id = u->to_string();
    } else if (e.id_case() == v1::Entity::kName && !e.name().empty() && e.name().size() <= 64) {
      c.entity_id = e.name();
    } else {
      return bad("sync.codec.identifiant_entite_invalide");
    }
    if (e.parent_case() == v1::Entity::kParentUuid) {
      auto u = uuid_from(e.parent_uuid());
      if (!u) return bad("sync.codec.parent_invalide");
      c.parent = u->to_string();
    } else if (e.parent_case() == v1::Entity::kParentName) {
      if (e.parent_name().size() > 64) return bad("sync.codec.parent_invalide");
      c.parent = e.parent_name();
    }
    if (e.scope() >= static_cast<std::uint32_t>(batch.scopes_size())) return bad("sync.codec.dossier_inconnu");
    c.scope = batch.scopes(static_cast<int>(e.scope()));
    if (c.scope.size() > 64) return bad("sync.codec.dossier_invalide");
    if (in.field() >= static_cast<std::uint32_t>(batch.fields_size())) return bad("sync.codec.champ_inconnu");
    c.field = batch.fields(static_cast<int>(in.field()));
    if (c.field.empty() || c.field.size() > 200) return bad("sync.codec.nom_champ_invalide");
    auto value = decode_value(in.value());
    if (!value) {
      return fail(Status::invalid_argument("sync.codec.changement", {{"n", i + 1}, {"detail", value.error().parts()}}));
    }
    c.value = std::move(*value);
    if (in.node() >= nodes.size()) return bad("sync.codec.noeud_inconnu");
    // Versions stay within int64 (an HLC of 2^63 is a year beyond 285 000), so that every
    // difference encode_batch writes between two of them fits its sint64.
    constexpr auto kMaxHlc = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (batch.base_hlc() > kMaxHlc || in.hlc() > kMaxHlc - batch.base_hlc()) return bad("sync.codec.horloge_invalide");
    c.version = {core::Hlc{batch.base_hlc() + in.hlc()}, nodes[in.node()]};
    if (in.has_base_hlc()) {
      if (in.base_node() >= nodes.size()) return bad("sync.codec.noeud_base_inconnu");
      // batch.base_hlc + base_hlc without signed overflow (both come from the network).
      const auto origin = static_cast<std::int64_t>(batch.base_hlc());
      const std::int64_t delta = in.base_hlc();
      constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
      constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
      if ((delta > 0 && origin > kMax - delta) || (delta < 0 && origin < kMin - delta)) {
        return bad("sync.codec.version_base_invalide");
      }
      const std::int64_t base = origin + delta;
      if (base < 0) return bad("sync.codec.version_base_invalide");
      c.base = {core::Hlc{static_cast<std::uint64_t>(base)}, nodes[in.base_node()]};
    }
    if (in.grid() > 0) {
      if (in.grid() >= static_cast<std::uint32_t>(batch.grids_size())) return bad("sync.codec.grille_inconnue");
      const v1::GridRef& g = batch.grids(static_cast<int>(in.grid()));
      c.grid_key = g.key();
      c.grid_version = g.version();
    }
    sc.seq = in.seq();
    c.seen_cursor = in.seen_cursor();
    out.push_back(std::move(sc));
  }
  return out;
}

}  // namespace carnet::sync
