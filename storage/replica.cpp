#include "storage/replica.hpp"

#include <cstring>

#include "storage/grid_file.hpp"
#include "storage/replica_schema.hpp"

namespace carnet::storage {
namespace {

using core::fail;

std::string_view uuid_bytes(const core::Uuid& u) {
  return {reinterpret_cast<const char*>(u.bytes().data()), u.bytes().size()};
}

Result<core::Uuid> uuid_from_blob(const std::string& blob) {
  if (blob.size() != 16) return fail(Status::corruption("identifiant de nœud mal enregistré"));
  std::array<std::uint8_t, 16> b{};
  std::memcpy(b.data(), blob.data(), 16);
  return core::Uuid::from_bytes(b);
}

Result<core::Value> value_column(const Statement& st, int col) {
  if (st.column_is_null(col)) return core::Value();
  return core::Value::decode(st.column_text(col));
}

// A stored field from the columns (value, hlc, node) starting at `first`.
Result<FieldValue> field_value_at(const Statement& st, int first) {
  auto value = value_column(st, first);
  if (!value) return fail(value.error());
  auto node = uuid_from_blob(st.column_blob(first + 2));
  if (!node) return fail(node.error());
  return FieldValue{std::move(*value), {core::Hlc{static_cast<std::uint64_t>(st.column_int(first + 1))}, *node}};
}

// Reads every row of a "SELECT field, value, hlc, node" statement into `out`.
template <class Map>
Status collect_fields(Statement& st, Map& out) {
  while (true) {
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) return Status::ok_status();
    auto fv = field_value_at(st, 1);
    if (!fv) return fv.error();
    out.emplace(st.column_text(0), std::move(*fv));
  }
}

std::optional<std::string> encoded(const core::Value& v) {
  if (v.is_null()) return std::nullopt;
  return v.encode();
}

}  // namespace

Result<std::unique_ptr<Replica>> Replica::open(const std::string& path, Database::Mode mode,
                                               const core::PhysicalClock& clock) {
  auto db = Database::open(path, mode);
  if (!db) return fail(db.error());
  CARNET_RETURN_IF_ERROR_R(migrate_replica(**db));
  std::unique_ptr<Replica> r(new Replica(std::move(*db), clock));
  CARNET_RETURN_IF_ERROR_R(r->load_clock());
  return r;
}

Result<std::optional<std::string>> Replica::meta(std::string_view key) {
  auto st = db_->prepare("SELECT value FROM meta WHERE key = ?1");
  if (!st) return fail(st.error());
  st->bind(1, key);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(st->column_text(0));
}

Status Replica::set_meta(Transaction& tx, std::string_view key, std::string_view value) {
  auto st = tx.db().prepare("INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2");
  if (!st) return st.error();
  return st->bind(1, key).bind(2, value).run();
}

Status Replica::load_clock() {
  // The highest timestamp ever issued or seen. Every timestamp a write uses is stored with
  // it (in `fields` and in `outbox`, same transaction), so the clock is recovered from the
  // data; `meta.hlc` keeps it when data is removed (see persist_clock).
  std::uint64_t last = 0;
  auto saved = meta("hlc");
  if (!saved) return saved.error();
  if (*saved) last = std::stoull(**saved);
  for (const char* sql : {"SELECT coalesce(max(hlc), 0) FROM fields", "SELECT coalesce(max(hlc), 0) FROM outbox"}) {
    auto st = db_->prepare(sql);
    if (!st) return st.error();
    auto row = st->step();
    if (!row) return row.error();
    last = std::max(last, static_cast<std::uint64_t>(st->column_int(0)));
  }
  hlc_.emplace(*clock_, core::Hlc{last});
  return Status::ok_status();
}

Status Replica::persist_clock(Transaction& tx) { return set_meta(tx, "hlc", std::to_string(hlc_->last().value)); }

Status Replica::initialise(Transaction& tx, std::string_view inspector_id, std::string_view inspector_name) {
  auto existing = meta("node_id");
  if (!existing) return existing.error();
  if (*existing) return Status::already_exists("ce dossier de données est déjà initialisé (nœud " + **existing + ")");
  CARNET_RETURN_IF_ERROR(set_meta(tx, "node_id", new_id().to_string()));
  CARNET_RETURN_IF_ERROR(set_meta(tx, "inspector_id", inspector_id));
  CARNET_RETURN_IF_ERROR(set_meta(tx, "inspector_name", inspector_name));
  node_.reset();
  return Status::ok_status();
}

Result<NodeInfo> Replica::node() {
  if (node_) return *node_;
  auto id = meta("node_id");
  if (!id) return fail(id.error());
  if (!*id) {
    return fail(Status::failed_precondition("ce nœud n'est pas initialisé : lancer d'abord « carnet init --inspector ID --name NOM »"));
  }
  auto inspector = meta("inspector_id");
  auto name = meta("inspector_name");
  if (!inspector) return fail(inspector.error());
  if (!name) return fail(name.error());
  auto uuid = core::Uuid::parse(**id);
  if (!uuid) return fail(Status::corruption("identifiant de nœud illisible"));
  node_ = NodeInfo{*uuid, inspector->value_or(""), name->value_or("")};
  return *node_;
}

core::Hlc Replica::tick() { return hlc_->now(); }

core::Uuid Replica::new_id() { return core::Uuid::generate(clock_->now_ms()); }

Status Replica::install_grid(Transaction& tx, const core::Grid& grid, std::string_view source) {
  auto st = tx.db().prepare("SELECT source FROM grids WHERE key = ?1 AND version = ?2");
  if (!st) return st.error();
  st->bind(1, grid.key()).bind(2, static_cast<std::int64_t>(grid.version()));
  auto row = st->step();
  if (!row) return row.error();
  if (*row) {
    if (st->column_text(0) == source) return Status::ok_status();
    return Status::already_exists("la grille " + grid.key() + " v" + std::to_string(grid.version()) +
                                  " est déjà installée avec un autre contenu : publier une nouvelle version");
  }
  auto ins = tx.db().prepare("INSERT INTO grids(key, version, title, source) VALUES(?1, ?2, ?3, ?4)");
  if (!ins) return ins.error();
  return ins->bind(1, grid.key()).bind(2, static_cast<std::int64_t>(grid.version())).bind(3, grid.def().title)
      .bind(4, source).run();
}

Result<std::shared_ptr<const core::Grid>> Replica::grid(std::string_view key, int version) {
  if (version > 0) {
    if (auto it = grid_cache_.find(std::make_pair(std::string(key), version)); it != grid_cache_.end()) return it->second;
  }
  auto st = version > 0 ? db_->prepare("SELECT version, source FROM grids WHERE key = ?1 AND version = ?2")
                        : db_->prepare("SELECT version, source FROM grids WHERE key = ?1 ORDER BY version DESC LIMIT 1");
  if (!st) return fail(st.error());
  st->bind(1, key);
  if (version > 0) st->bind(2, static_cast<std::int64_t>(version));
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) {
    return fail(Status::not_found("grille inconnue : " + std::string(key) +
                                  (version > 0 ? " v" + std::to_string(version) : std::string())));
  }
  const int v = static_cast<int>(st->column_int(0));
  const auto cache_key = std::make_pair(std::string(key), v);
  if (auto it = grid_cache_.find(cache_key); it != grid_cache_.end()) return it->second;
  auto grid = parse_grid(st->column_text(1), std::string(key) + " v" + std::to_string(v));
  if (!grid) return fail(grid.error());
  grid_cache_.emplace(cache_key, *grid);
  return *grid;
}

Result<std::vector<GridInfo>> Replica::grids() {
  auto st = db_->prepare("SELECT key, version, title FROM grids ORDER BY key, version");
  if (!st) return fail(st.error());
  std::vector<GridInfo> out;
  while (true) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.push_back({st->column_text(0), static_cast<int>(st->column_int(1)), st->column_text(2)});
  }
  return out;
}

Status Replica::create_entity(Transaction& tx, std::string_view type, std::string_view id, std::string_view parent) {
  auto st = tx.db().prepare("INSERT INTO entities(type, id, parent) VALUES(?1, ?2, ?3) ON CONFLICT DO NOTHING");
  if (!st) return st.error();
  st->bind(1, type).bind(2, id);
  if (parent.empty()) st->bind_null(3);
  else st->bind(3, parent);
  return st->run();
}

Result<bool> Replica::entity_exists(std::string_view type, std::string_view id) {
  auto st = db_->prepare("SELECT 1 FROM entities WHERE type = ?1 AND id = ?2");
  if (!st) return fail(st.error());
  st->bind(1, type).bind(2, id);
  return st->step();
}

Result<std::vector<std::string>> Replica::entities(std::string_view type, std::optional<std::string_view> parent) {
  auto st = parent ? db_->prepare("SELECT id FROM entities WHERE parent = ?2 AND type = ?1 ORDER BY id")
                   : db_->prepare("SELECT id FROM entities WHERE type = ?1 ORDER BY id");
  if (!st) return fail(st.error());
  st->bind(1, type);
  if (parent) st->bind(2, *parent);
  std::vector<std::string> out;
  while (true) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.push_back(st->column_text(0));
  }
  return out;
}

Result<std::optional<FieldValue>> Replica::field(std::string_view type, std::string_view id, std::string_view field) {
  auto st = db_->prepare("SELECT value, hlc, node FROM fields WHERE entity_type = ?1 AND entity_id = ?2 AND field = ?3");
  if (!st) return fail(st.error());
  st->bind(1, type).bind(2, id).bind(3, field);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<FieldValue>();
  auto fv = field_value_at(*st, 0);
  if (!fv) return fail(fv.error());
  return std::optional<FieldValue>(std::move(*fv));
}

Result<std::map<std::string, FieldValue, std::less<>>> Replica::some_fields(
    std::string_view type, std::string_view id, std::initializer_list<std::string_view> names) {
  auto st = db_->prepare(
      "SELECT field, value, hlc, node FROM fields WHERE entity_type = ?1 AND entity_id = ?2 AND field IN (?3, ?4, ?5, ?6)");
  if (!st) return fail(st.error());
  st->bind(1, type).bind(2, id);
  int index = 3;
  for (std::string_view name : names) {
    if (index > 6) return fail(Status::internal("some_fields: au plus quatre champs"));
    st->bind(index++, name);
  }
  for (; index <= 6; ++index) st->bind_null(index);
  std::map<std::string, FieldValue, std::less<>> out;
  CARNET_RETURN_IF_ERROR_R(collect_fields(*st, out));
  return out;
}

Result<std::map<std::string, FieldValue>> Replica::fields(std::string_view type, std::string_view id) {
  auto st = db_->prepare("SELECT field, value, hlc, node FROM fields WHERE entity_type = ?1 AND entity_id = ?2");
  if (!st) return fail(st.error());
  st->bind(1, type).bind(2, id);
  std::map<std::string, FieldValue> out;
  CARNET_RETURN_IF_ERROR_R(collect_fields(*st, out));
  return out;
}

Result<std::optional<core::Change>> Replica::write(Transaction& tx, std::string_view type, std::string_view id,
                                    std::string_view field, const core::Value& value, core::Hlc hlc,
                                    std::string_view grid_key, int grid_version) {
  auto node = this->node();
  if (!node) return fail(node.error());
  core::Change change;
  change.id = new_id();
  change.entity_type = std::string(type);
  change.entity_id = std::string(id);
  change.field = std::string(field);
  change.value = value;
  change.version = {hlc, node->node_id};
  change.grid_key = std::string(grid_key);
  change.grid_version = grid_version;

  {
    auto base = tx.db().prepare("SELECT value, hlc, node FROM fields WHERE entity_type = ?1 AND entity_id = ?2 AND field = ?3");
    if (!base) return fail(base.error());
    base->bind(1, type).bind(2, id).bind(3, field);
    auto row = base->step();
    if (!row) return fail(row.error());
    if (*row) {
      auto current = field_value_at(*base, 0);
      if (!current) return fail(current.error());
      if (current->value == value) return std::optional<core::Change>();
      change.base = current->version;
    } else if (value.is_null()) {
      return std::optional<core::Change>();
    }
  }
  CARNET_RETURN_IF_ERROR_R(put(tx, type, id, field, value, change.version));

  auto out = tx.db().prepare(
      "INSERT INTO outbox(change_id, entity_type, entity_id, field, value, hlc, node, base_hlc, base_node, grid_key, "
      "grid_version) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  if (!out) return fail(out.error());
  const auto cid = uuid_bytes(change.id);
  const auto nid = uuid_bytes(change.version.node);
  const auto bid = uuid_bytes(change.base.node);
  out->bind_blob(1, cid.data(), cid.size())
      .bind(2, type)
      .bind(3, id)
      .bind(4, field)
      .bind_optional(5, encoded(value))
      .bind(6, static_cast<std::int64_t>(hlc.value))
      .bind_blob(7, nid.data(), nid.size())
      .bind(8, static_cast<std::int64_t>(change.base.hlc.value))
      .bind_blob(9, bid.data(), bid.size());
  if (grid_key.empty()) {
    out->bind_null(10).bind_null(11);
  } else {
    out->bind(10, grid_key).bind(11, static_cast<std::int64_t>(grid_version));
  }
  CARNET_RETURN_IF_ERROR_R(out->run());
  return std::optional<core::Change>(std::move(change));
}

Status Replica::put(Transaction& tx, std::string_view type, std::string_view id, std::string_view field,
                    const core::Value& value, const core::Version& version) {
  auto st = tx.db().prepare(
      "INSERT INTO fields(entity_type, entity_id, field, value, hlc, node) VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
      "ON CONFLICT(entity_type, entity_id, field) DO UPDATE SET value = ?4, hlc = ?5, node = ?6");
  if (!st) return st.error();
  const auto nid = uuid_bytes(version.node);
  return st->bind(1, type)
      .bind(2, id)
      .bind(3, field)
      .bind_optional(4, encoded(value))
      .bind(5, static_cast<std::int64_t>(version.hlc.value))
      .bind_blob(6, nid.data(), nid.size())
      .run();
}

Result<std::vector<core::Change>> Replica::pending_changes(std::size_t limit) {
  auto st = db_->prepare(
      "SELECT change_id, entity_type, entity_id, field, value, hlc, node, base_hlc, base_node, grid_key, grid_version "
      "FROM outbox ORDER BY seq LIMIT ?1");
  if (!st) return fail(st.error());
  st->bind(1, static_cast<std::int64_t>(limit));
  std::vector<core::Change> out;
  while (true) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    core::Change c;
    auto cid = uuid_from_blob(st->column_blob(0));
    auto nid = uuid_from_blob(st->column_blob(6));
    auto bid = uuid_from_blob(st->column_blob(8));
    auto value = value_column(*st, 4);
    if (!cid || !nid || !bid) return fail(Status::corruption("changement en attente illisible"));
    if (!value) return fail(value.error());
    c.id = *cid;
    c.entity_type = st->column_text(1);
    c.entity_id = st->column_text(2);
    c.field = st->column_text(3);
    c.value = std::move(*value);
    c.version = {core::Hlc{static_cast<std::uint64_t>(st->column_int(5))}, *nid};
    c.base = {core::Hlc{static_cast<std::uint64_t>(st->column_int(7))}, *bid};
    c.grid_key = st->column_text(9);
    c.grid_version = static_cast<int>(st->column_int(10));
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::int64_t> Replica::pending_count() {
  auto st = db_->prepare("SELECT count(*) FROM outbox");
  if (!st) return fail(st.error());
  auto row = st->step();
  if (!row) return fail(row.error());
  return st->column_int(0);
}

}  // namespace carnet::storage
