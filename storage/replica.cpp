#include "storage/replica.hpp"

#include <set>
#include <tuple>

#include "storage/grid_file.hpp"
#include "storage/meta_table.hpp"
#include "storage/replica_schema.hpp"
#include "storage/scope_checksum.hpp"
#include "storage/sqlite_values.hpp"

namespace carnet::storage {
using namespace internal;


Result<std::unique_ptr<Replica>> Replica::open(const std::string& path, Database::Mode mode,
                                               const core::PhysicalClock& clock, std::optional<DataKey> key) {
  auto db = Database::open(path, mode, key ? &*key : nullptr);
  if (!db) return fail(db.error());
  CARNET_RETURN_IF_ERROR_R(migrate_replica(**db));
  std::unique_ptr<Replica> r(new Replica(std::move(*db), clock, std::move(key)));
  CARNET_RETURN_IF_ERROR_R(r->load_clock());
  return r;
}

Result<std::optional<std::string>> Replica::meta(std::string_view key) { return read_meta(*db_, key); }

Status Replica::set_meta(Transaction& tx, std::string_view key, std::string_view value) {
  return write_meta(tx, key, value);
}

Status Replica::initialise(Transaction& tx, std::string_view inspector_id, std::string_view inspector_name,
                           std::optional<core::Uuid> node_id) {
  auto existing = meta("node_id");
  if (!existing) return existing.error();
  if (*existing) return Status::already_exists("stockage.replica.deja_initialise", {{"noeud", **existing}});
  CARNET_RETURN_IF_ERROR(set_meta(tx, "node_id", node_id.value_or(new_id()).to_string()));
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
    return fail(Status::failed_precondition("stockage.replica.non_initialise"));
  }
  auto inspector = meta("inspector_id");
  auto name = meta("inspector_name");
  if (!inspector) return fail(inspector.error());
  if (!name) return fail(name.error());
  auto uuid = core::Uuid::parse(**id);
  if (!uuid) return fail(Status::corruption("stockage.replica.noeud_illisible"));
  node_ = NodeInfo{*uuid, inspector->value_or(""), name->value_or("")};
  return *node_;
}

core::Uuid Replica::new_id() { return core::Uuid::generate(clock_->now_ms()); }

Status Replica::install_grid(Transaction& tx, const core::Grid& grid, std::string_view source) {
  auto st = tx.db().prepare("SELECT source FROM grids WHERE key = ?1 AND version = ?2");
  if (!st) return st.error();
  st->bind(1, grid.key()).bind(2, static_cast<std::int64_t>(grid.version()));
  auto row = st->step();
  if (!row) return row.error();
  if (*row) {
    if (st->column_text(0) == source) return Status::ok_status();
    return Status::already_exists("stockage.replica.grille_installee",
                                  {{"grille", grid.key()}, {"version", grid.version()}});
  }
  auto ins = tx.db().prepare("INSERT INTO grids(key, version, title, source) VALUES(?1, ?2, ?3, ?4)");
  if (!ins) return ins.error();
  return ins->bind(1, grid.key()).bind(2, static_cast<std::int64_t>(grid.version())).bind(3, grid.def().title)
      .bind(4, source).run();
}

Status Replica::create_entity(Transaction& tx, const EntityRef& e) {
  auto st = tx.db().prepare("INSERT INTO entities(type, id, parent, scope) VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
  if (!st) return st.error();
  st->bind(1, e.type).bind(2, e.id);
  if (e.parent.empty()) st->bind_null(3);
  else st->bind(3, e.parent);
  if (e.scope.empty()) st->bind_null(4);
  else st->bind(4, e.scope);
  return st->run();
}

Result<std::optional<core::Change>> Replica::write(Transaction& tx, const EntityRef& entity, std::string_view field,
                                                   const core::Value& value, core::Hlc hlc, std::string_view grid_key,
                                                   int grid_version) {
  const std::string_view type = entity.type;
  const std::string_view id = entity.id;
  auto node = this->node();
  if (!node) return fail(node.error());
  core::Change change;
  change.id = new_id();
  change.entity_type = std::string(type);
  change.entity_id = std::string(id);
  change.parent = std::string(entity.parent);
  change.scope = std::string(entity.scope);
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
      // The version rule: tick() passed every stored version, this one included.
      if (!(change.base < change.version)) {
        return fail(Status::internal("stockage.replica.version_sous_base", {{"champ", field}}));
      }
    } else if (value.is_null()) {
      return std::optional<core::Change>();
    }
  }
  CARNET_RETURN_IF_ERROR_R(put(tx, type, id, field, value, change.version));
  if (type == core::entity::kRow && field == core::row_field::kDeleted) {
    // What the deleter had seen of the row: the central node judges its other edits by it.
    auto seen = cursor();
    if (!seen) return fail(seen.error());
    change.seen_cursor = *seen;
  }

  auto out = tx.db().prepare(
      "INSERT INTO outbox(change_id, entity_type, entity_id, field, value, hlc, node, base_hlc, base_node, grid_key, "
      "grid_version, parent, scope, seen_cursor) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
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
  out->bind(12, entity.parent).bind(13, entity.scope).bind(14, static_cast<std::int64_t>(change.seen_cursor));
  CARNET_RETURN_IF_ERROR_R(out->run());
  return std::optional<core::Change>(std::move(change));
}

Status Replica::put(Transaction& tx, std::string_view type, std::string_view id, std::string_view field,
                    const core::Value& value, const core::Version& version) {
  auto st = tx.db().prepare(
      "INSERT INTO fields(entity_type, entity_id, field, value, hlc, node) VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
      "ON CONFLICT(entity_type, entity_id, field) DO UPDATE SET value = ?4, hlc = ?5, node = ?6");
  if (!st) return st.error();
  hlc_->advance(version.hlc);  // stored by save_clock() or tick() before the commit
  const auto nid = uuid_bytes(version.node);
  return st->bind(1, type)
      .bind(2, id)
      .bind(3, field)
      .bind_optional(4, encoded(value))
      .bind(5, static_cast<std::int64_t>(version.hlc.value))
      .bind_blob(6, nid.data(), nid.size())
      .run();
}

Result<std::vector<PendingChange>> Replica::pending_changes(std::size_t limit) {
  auto st = db_->prepare(std::string("SELECT ") + kChangeColumns + ", seq, seen_cursor FROM outbox ORDER BY seq LIMIT ?1");
  if (!st) return fail(st.error());
  st->bind(1, static_cast<std::int64_t>(limit));
  std::vector<PendingChange> out;
  while (true) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    auto c = read_change(*st, 0);
    if (!c) return fail(c.error());
    c->seen_cursor = static_cast<std::uint64_t>(st->column_int(14));
    out.push_back({st->column_int(13), std::move(*c)});
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

Result<std::int64_t> Replica::pending_count(std::string_view scope) {
  auto st = db_->prepare("SELECT count(*) FROM outbox WHERE scope = ?1");
  if (!st) return fail(st.error());
  st->bind(1, scope);
  auto row = st->step();
  if (!row) return fail(row.error());
  return st->column_int(0);
}

Status Replica::acknowledge(Transaction& tx, std::int64_t seq) {
  auto st = tx.db().prepare("DELETE FROM outbox WHERE seq <= ?1");
  if (!st) return st.error();
  return st->bind(1, seq).run();
}

namespace {

Result<bool> field_pending(Database& db, std::string_view type, std::string_view id, std::string_view field) {
  auto st = db.prepare("SELECT 1 FROM outbox WHERE entity_type = ?1 AND entity_id = ?2 AND field = ?3 LIMIT 1");
  if (!st) return fail(st.error());
  st->bind(1, type).bind(2, id).bind(3, field);
  return st->step();
}

}  // namespace

Result<bool> Replica::apply_remote(Transaction& tx, const core::Change& c) {
  CARNET_RETURN_IF_ERROR_R(create_entity(tx, {c.entity_type, c.entity_id, c.parent, c.scope}));
  auto pending = field_pending(tx.db(), c.entity_type, c.entity_id, c.field);
  if (!pending) return fail(pending.error());
  if (*pending) return false;  // the central node has not seen our change yet: keep it
  auto current = field(c.entity_type, c.entity_id, c.field);
  if (!current) return fail(current.error());
  if (*current && !((*current)->version < c.version)) return false;
  CARNET_RETURN_IF_ERROR_R(put(tx, c.entity_type, c.entity_id, c.field, c.value, c.version));
  return true;
}

Status Replica::set_authoritative(Transaction& tx, std::string_view type, std::string_view id, std::string_view f,
                                  const core::Value& value, const core::Version& version) {
  auto pending = field_pending(tx.db(), type, id, f);
  if (!pending) return pending.error();
  if (*pending) return Status::ok_status();
  return put(tx, type, id, f, value, version);
}

Status Replica::observe_clock(Transaction& tx, core::Hlc remote, std::int64_t max_drift_ms) {
  CARNET_RETURN_IF_ERROR(hlc_->observe(remote, max_drift_ms));
  return save_clock(tx);
}

Result<std::uint64_t> Replica::cursor() {
  auto v = meta("cursor");
  if (!v) return fail(v.error());
  return *v ? std::stoull(**v) : 0;
}

Status Replica::set_cursor(Transaction& tx, std::uint64_t cursor, std::int64_t now_ms) {
  CARNET_RETURN_IF_ERROR(set_meta(tx, "cursor", std::to_string(cursor)));
  return set_meta(tx, "last_sync", std::to_string(now_ms));
}

Result<std::optional<std::int64_t>> Replica::last_sync_ms() {
  auto v = meta("last_sync");
  if (!v) return fail(v.error());
  if (!*v) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(std::stoll(**v));
}

Status Replica::replace_conflicts(Transaction& tx, const std::vector<ConflictRecord>& conflicts) {
  // A conflict settled here after the exchange left is still open in its answer: it keeps
  // its settlement, which the next exchange sends.
  auto settled = locally_resolved_conflicts();
  if (!settled) return settled.error();
  CARNET_RETURN_IF_ERROR(tx.db().run_cached("DELETE FROM conflicts"));
  auto st = tx.db().prepare(std::string("INSERT INTO conflicts(") + kConflictColumns +
                            ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  if (!st) return st.error();
  for (const auto& c : conflicts) CARNET_RETURN_IF_ERROR(bind_conflict(*st, c).run());
  // One the central node no longer lists is settled there: gone here too.
  auto mark = tx.db().prepare("UPDATE conflicts SET resolved_locally = 1 WHERE id = ?1");
  if (!mark) return mark.error();
  for (const auto& id : *settled) CARNET_RETURN_IF_ERROR(mark->bind(1, id).run());
  return Status::ok_status();
}

Result<std::vector<ConflictRecord>> Replica::conflicts() {
  auto st = db_->prepare(std::string("SELECT ") + kConflictColumns +
                         " FROM conflicts WHERE resolved_locally = 0 ORDER BY created, id");
  if (!st) return fail(st.error());
  std::vector<ConflictRecord> out;
  while (true) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    auto c = read_conflict(*st);
    if (!c) return fail(c.error());
    out.push_back(std::move(*c));
  }
  return out;
}

Status Replica::add_quarantined(Transaction& tx, const QuarantineNotice& n) {
  auto st = tx.db().prepare(
      "INSERT OR REPLACE INTO quarantined(change_id, entity_type, entity_id, field, value, reason, at, reason_message) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!st) return st.error();
  return st->bind_all(Statement::Blob{uuid_bytes(n.change_id)}, n.entity_type, n.entity_id, n.field, encoded(n.value),
                      n.reason, n.at_ms, encoded(n.reason_message))
      .run();
}

Result<std::vector<QuarantineNotice>> Replica::quarantined() {
  auto st = db_->prepare(
      "SELECT change_id, entity_type, entity_id, field, value, reason, at, reason_message "
      "FROM quarantined ORDER BY at");
  if (!st) return fail(st.error());
  std::vector<QuarantineNotice> out;
  while (true) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    auto cid = uuid_from_blob(st->column_blob(0));
    auto value = value_column(*st, 4);
    if (!cid) return fail(cid.error());
    if (!value) return fail(value.error());
    out.push_back({*cid, st->column_text(1), st->column_text(2), st->column_text(3), std::move(*value),
                   st->column_text(5), message_column(*st, 7), st->column_int(6)});
  }
  return out;
}

Status Replica::add_eviction(Transaction& tx, std::string_view dossier) {
  auto st = tx.db().prepare("INSERT INTO evictions(dossier) VALUES(?1) ON CONFLICT DO NOTHING");
  if (!st) return st.error();
  return st->bind(1, dossier).run();
}

Result<std::vector<std::string>> Replica::evictions(bool done) {
  auto st = db_->prepare("SELECT dossier FROM evictions WHERE done = ?1 ORDER BY dossier");
  if (!st) return fail(st.error());
  st->bind(1, static_cast<std::int64_t>(done ? 1 : 0));
  return first_column(*st);
}

Status Replica::evict(Transaction& tx, std::string_view dossier) {
  for (const char* sql :
       {"DELETE FROM fields WHERE (entity_type, entity_id) IN (SELECT type, id FROM entities WHERE scope = ?1)",
        "DELETE FROM entities WHERE scope = ?1", "DELETE FROM conflicts WHERE scope = ?1",
        "UPDATE evictions SET done = 1 WHERE dossier = ?1"}) {
    auto st = tx.db().prepare(sql);
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, dossier).run());
  }
  return Status::ok_status();
}

Status Replica::checkpoint() { return db_->exec("PRAGMA wal_checkpoint(TRUNCATE)"); }

Status Replica::forget_evictions(Transaction& tx, const std::vector<std::string>& dossiers) {
  auto st = tx.db().prepare("DELETE FROM evictions WHERE dossier = ?1 AND done = 1");
  if (!st) return st.error();
  for (const auto& d : dossiers) {
    CARNET_RETURN_IF_ERROR(st->bind(1, d).run());
  }
  return Status::ok_status();
}

Result<std::string> Replica::scope_checksum(const std::vector<std::string>& dossiers) {
  return storage::scope_checksum(
      *db_, dossiers,
      "SELECT f.entity_type, f.entity_id, f.field, f.value, f.hlc, f.node FROM fields f JOIN entities e "
      "ON e.type = f.entity_type AND e.id = f.entity_id WHERE e.scope = ?1 ORDER BY f.entity_type, f.entity_id, f.field");
}

Result<std::size_t> Replica::repair(Transaction& tx, std::string_view dossier, const std::vector<core::Change>& snapshot) {
  using Key = std::tuple<std::string, std::string, std::string>;
  std::set<Key> central;
  std::size_t changed = 0;
  for (const core::Change& c : snapshot) {
    central.emplace(c.entity_type, c.entity_id, c.field);
    auto pending = field_pending(tx.db(), c.entity_type, c.entity_id, c.field);
    if (!pending) return fail(pending.error());
    if (*pending) continue;
    auto mine = field(c.entity_type, c.entity_id, c.field);
    if (!mine) return fail(mine.error());
    if (*mine && (*mine)->value == c.value && (*mine)->version == c.version) continue;
    CARNET_RETURN_IF_ERROR_R(create_entity(tx, {c.entity_type, c.entity_id, c.parent, c.scope}));
    CARNET_RETURN_IF_ERROR_R(put(tx, c.entity_type, c.entity_id, c.field, c.value, c.version));
    ++changed;
  }
  auto st = tx.db().prepare(
      "SELECT f.entity_type, f.entity_id, f.field FROM fields f JOIN entities e ON e.type = f.entity_type "
      "AND e.id = f.entity_id WHERE e.scope = ?1");
  if (!st) return fail(st.error());
  st->bind(1, dossier);
  std::vector<Key> extra;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    Key k{st->column_text(0), st->column_text(1), st->column_text(2)};
    if (!central.contains(k)) extra.push_back(std::move(k));
  }
  for (const auto& [type, id, f] : extra) {
    auto pending = field_pending(tx.db(), type, id, f);
    if (!pending) return fail(pending.error());
    if (*pending) continue;
    CARNET_RETURN_IF_ERROR_R(take_state(tx, type, id, f, std::nullopt));
    ++changed;
  }
  return changed;
}

Status Replica::take_state(Transaction& tx, std::string_view type, std::string_view id, std::string_view f,
                           const std::optional<std::pair<core::Value, core::Version>>& state) {
  if (state) return set_authoritative(tx, type, id, f, state->first, state->second);
  auto pending = field_pending(tx.db(), type, id, f);
  if (!pending) return pending.error();
  if (*pending) return Status::ok_status();
  auto st = tx.db().prepare("DELETE FROM fields WHERE entity_type = ?1 AND entity_id = ?2 AND field = ?3");
  if (!st) return st.error();
  return st->bind(1, type).bind(2, id).bind(3, f).run();
}

Result<std::vector<std::string>> Replica::locally_resolved_conflicts() {
  auto st = db_->prepare("SELECT id FROM conflicts WHERE resolved_locally = 1 ORDER BY id");
  if (!st) return fail(st.error());
  return first_column(*st);
}

Status Replica::mark_conflict_resolved(Transaction& tx, std::string_view id) {
  auto st = tx.db().prepare("UPDATE conflicts SET resolved_locally = 1 WHERE id = ?1");
  if (!st) return st.error();
  CARNET_RETURN_IF_ERROR(st->bind(1, id).run());
  if (tx.db().changes() == 0) return Status::not_found("stockage.central_sqlite.conflit_inconnu", {{"id", id}});
  return Status::ok_status();
}

Status Replica::wipe(Transaction& tx) {
  for (const char* sql : {"DELETE FROM fields", "DELETE FROM entities", "DELETE FROM outbox", "DELETE FROM conflicts",
                          "DELETE FROM quarantined", "DELETE FROM evictions", "DELETE FROM blobs",
                          "DELETE FROM meta WHERE key IN ('central_url', 'cursor')"}) {
    CARNET_RETURN_IF_ERROR(tx.db().exec(sql));
  }
  return set_meta(tx, "revoked", "1");
}

Status Replica::add_blob(Transaction& tx, std::string_view sha256, std::uint64_t size) {
  auto st = tx.db().prepare("INSERT INTO blobs(sha256, size) VALUES(?1, ?2) ON CONFLICT DO NOTHING");
  if (!st) return st.error();
  return st->bind(1, sha256).bind(2, static_cast<std::int64_t>(size)).run();
}

Result<std::vector<std::pair<std::string, std::uint64_t>>> Replica::blobs_to_upload() {
  auto st = db_->prepare("SELECT sha256, size FROM blobs WHERE uploaded = 0 ORDER BY sha256");
  if (!st) return fail(st.error());
  std::vector<std::pair<std::string, std::uint64_t>> out;
  while (true) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.emplace_back(st->column_text(0), static_cast<std::uint64_t>(st->column_int(1)));
  }
  return out;
}

Status Replica::mark_blob_uploaded(Transaction& tx, std::string_view sha256) {
  auto st = tx.db().prepare("UPDATE blobs SET uploaded = 1 WHERE sha256 = ?1");
  if (!st) return st.error();
  return st->bind(1, sha256).run();
}

Result<std::vector<std::string>> Replica::referenced_blobs() {
  auto st = db_->prepare(
      "SELECT DISTINCT substr(value, 3) FROM fields WHERE length(value) = 66 AND value GLOB 't:[0-9a-f]*' "
      "AND substr(value, 3) NOT GLOB '*[^0-9a-f]*'");
  if (!st) return fail(st.error());
  return first_column(*st);
}

}  // namespace carnet::storage
