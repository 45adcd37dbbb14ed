#include "storage/central/catalogue.hpp"

#include "core/json.hpp"
#include "storage/central/change_batch.hpp"
#include "storage/central/statements.hpp"
#include "storage/inspection_reader.hpp"

namespace carnet::storage {
namespace {

using namespace internal;

// The dossier and the inspector both exist; kNotFound (French) otherwise.
Status require_dossier_and_inspector(Transaction& tx, EntityStore& entities, std::string_view dossier,
                                     std::string_view inspector_id) {
  auto exists = entities.entity_exists(entity::kDossier, dossier);
  if (!exists) return exists.error();
  if (!*exists) return Status::not_found("stockage.central_sqlite.dossier_inconnu", {{"id", dossier}});
  auto who = Catalogue::inspector(tx.db(), inspector_id);
  if (!who) return who.error();
  if (!*who) return Status::not_found("stockage.central_sqlite.inspecteur_inconnu", {{"id", inspector_id}});
  return Status::ok_status();
}

}  // namespace

// --- Reading ------------------------------------------------------------------------------

Result<std::vector<core::Dossier>> Catalogue::dossiers() {
  return db_.read([&](Database& db) { return read_dossiers(db_.entities(db)); });
}

Result<std::vector<GridInfo>> Catalogue::published_grids() {
  return db_.read([&](Database& db) { return db_.entities(db).grids(); });
}

Result<std::vector<InspectionListing>> Catalogue::inspections() {
  return db_.read([&](Database& db) -> Result<std::vector<InspectionListing>> {
    EntityStore& entities = db_.entities(db);
    auto all = read_inspections(entities);
    if (!all) return fail(all.error());
    std::map<std::string, std::string, std::less<>> dossier_names;
    std::vector<InspectionListing> out;
    out.reserve(all->size());
    for (auto& s : *all) {
      InspectionListing l;
      l.id = std::move(s.id);
      l.dossier_id = std::move(s.dossier_id);
      l.grid_key = std::move(s.grid_key);
      l.status = s.status;
      l.visit_date = s.visit_date;
      auto meta = entities.some_fields(entity::kInspection, l.id, {field::kGridVersion, field::kLeadInspector});
      if (!meta) return fail(meta.error());
      if (auto it = meta->find(field::kGridVersion); it != meta->end() && it->second.value.kind() == core::ValueKind::kNumber) {
        const core::Number& n = it->second.value.as_number();
        if (n.is_integer()) l.grid_version = static_cast<int>(n.numerator());
      }
      if (auto it = meta->find(field::kLeadInspector); it != meta->end() && it->second.value.kind() == core::ValueKind::kText) {
        l.inspector_id = it->second.value.as_text();
      }
      auto name = dossier_names.find(l.dossier_id);
      if (name == dossier_names.end()) {
        auto f = entities.field(entity::kDossier, l.dossier_id, "name");
        if (!f) return fail(f.error());
        const std::string text = *f && (*f)->value.kind() == core::ValueKind::kText ? (*f)->value.as_text() : std::string();
        name = dossier_names.emplace(l.dossier_id, text).first;
      }
      l.dossier_name = name->second;
      out.push_back(std::move(l));
    }
    return out;
  });
}

Result<core::InspectionView> Catalogue::inspection(std::string_view id) {
  return db_.read([&](Database& db) { return read_inspection(db_.entities(db), id); });
}

Result<std::map<core::InspectionStatus, std::int64_t>> Catalogue::inspection_counts() {
  auto all = db_.read([&](Database& db) { return read_inspections(db_.entities(db)); });
  if (!all) return fail(all.error());
  std::map<core::InspectionStatus, std::int64_t> out;
  for (auto s : {core::InspectionStatus::kDraft, core::InspectionStatus::kInProgress, core::InspectionStatus::kCompleted,
                 core::InspectionStatus::kSigned}) {
    out[s] = 0;
  }
  for (const auto& s : *all) ++out[s.status];
  return out;
}

Result<CentralTotals> Catalogue::totals() {
  return db_.read([&](Database& db) -> Result<CentralTotals> {
    CentralTotals t;
    const std::pair<const char*, std::int64_t*> queries[] = {
        {"SELECT count(*) FROM changes", &t.changes},
        {"SELECT count(*) FROM conflicts WHERE status = 'open'", &t.conflicts_open},
        {"SELECT count(*) FROM quarantine", &t.quarantined},
        {"SELECT count(*) FROM quarantine WHERE review IS NULL", &t.quarantine_open},
        {"SELECT count(*) FROM devices WHERE revoked_ms IS NULL", &t.devices},
    };
    for (const auto& [sql, target] : queries) {
      auto st = db.prepare(sql);
      if (!st) return fail(st.error());
      if (!st->step().value_or(false)) return fail(Status::internal("stockage.central_sqlite.comptage"));
      *target = st->column_int(0);
    }
    return t;
  });
}

// --- Inspectors, dossiers, assignments, grids --------------------------------------------

Status Catalogue::add_inspector(const Inspector& inspector) {
  return db_.write([&](Transaction& tx) -> Status {
    auto st = tx.db().prepare("INSERT INTO inspectors(id, name, created_ms) VALUES(?1, ?2, ?3)");
    if (!st) return st.error();
    const Status s = st->bind(1, inspector.id).bind(2, inspector.name).bind(3, db_.now_ms()).run();
    if (!s.ok()) {
      if (s.code() == core::StatusCode::kInternal) {
        return Status::already_exists("stockage.central_sqlite.inspecteur_existant", {{"id", inspector.id}});
      }
      return s;
    }
    return audit_.append(tx, AuditKind::kInspectorAdd, audit_.office(), inspector.id, {});
  });
}

Result<std::vector<Inspector>> Catalogue::inspectors() {
  return db_.read([&](Database& db) -> Result<std::vector<Inspector>> {
    auto st = db.prepare("SELECT id, name FROM inspectors ORDER BY id");
    if (!st) return fail(st.error());
    return collect(*st, [](const Statement& s) { return Inspector{s.column_text(0), s.column_text(1)}; });
  });
}

Result<std::optional<Inspector>> Catalogue::inspector(std::string_view id) {
  return db_.read([&](Database& db) { return inspector(db, id); });
}

Result<std::optional<Inspector>> Catalogue::inspector(Database& held, std::string_view id) {
  auto st = held.prepare("SELECT id, name FROM inspectors WHERE id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, id);
  return first_row(*st, [](const Statement& s) { return Inspector{s.column_text(0), s.column_text(1)}; });
}

Result<std::size_t> Catalogue::import_dossiers(const std::vector<core::Dossier>& dossiers) {
  return db_.write([&](Transaction& tx) -> Result<std::size_t> {
    for (const auto& d : dossiers) {
      auto g = db_.entities(tx).grid(d.kind);
      if (!g) {
        return fail(Status::invalid_argument("stockage.central_sqlite.type_inconnu", {{"id", d.id}, {"type", d.kind}}));
      }
    }
    ChangeBatch batch(db_, tx, ChangeBatch::Mode::kImmediate);
    const std::int64_t now = db_.now_ms();
    for (const auto& d : dossiers) {
      CARNET_RETURN_IF_ERROR_R(batch.create_entity({entity::kDossier, d.id, {}, d.id}));
      const core::Json j = core::dossier_to_json(d);
      auto text = [&](const char* key) {
        const core::Json* v = j.find(key);
        return v ? Value::text(v->as_string()) : Value();
      };
      auto count = [](const std::optional<std::int64_t>& n) { return n ? Value::number(core::Number::integer(*n)) : Value(); };
      const std::pair<const char*, Value> values[] = {
          {"kind", text("kind")},
          {"name", text("name")},
          {"reference", text("reference")},
          {"holder", text("holder")},
          {"address", text("address")},
          {"capacity", count(d.capacity)},
          {"subsidised_places", count(d.subsidised_places)},
          {"last_visit", d.last_visit ? Value::date(*d.last_visit) : Value()},
          {"recommendations", Value::text(j.find("recommendations")->dump())},
      };
      std::size_t changed = 0;
      for (const auto& [name, value] : values) {
        CARNET_RETURN_IF_ERROR_R(batch.write_office({entity::kDossier, d.id, "", d.id}, name, value, now, &changed));
      }
      if (changed > 0) {  // a dossier imported again unchanged is not an action
        CARNET_RETURN_IF_ERROR_R(
            audit_.append(tx, AuditKind::kDossierImport, audit_.office(), d.id, "champs=" + std::to_string(changed)));
      }
    }
    return dossiers.size();
  });
}

Status Catalogue::assign(std::string_view dossier, std::string_view inspector_id) {
  return db_.write([&](Transaction& tx) -> Status {
    CARNET_RETURN_IF_ERROR(require_dossier_and_inspector(tx, db_.entities(tx), dossier, inspector_id));
    auto st = tx.db().prepare("INSERT INTO assignments(dossier, inspector) VALUES(?1, ?2) ON CONFLICT DO NOTHING");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, dossier).bind(2, inspector_id).run());
    if (tx.db().changes() > 0) {
      CARNET_RETURN_IF_ERROR(
          audit_.append(tx, AuditKind::kAssignment, audit_.office(), dossier, "inspecteur=" + std::string(inspector_id)));
    }
    // Every device of the inspector receives the dossier (again, if it was being evicted).
    auto scope = tx.db().prepare(
        "INSERT INTO device_scope(device, dossier, state) SELECT id, ?1, 'snapshot' FROM devices "
        "WHERE inspector = ?2 AND revoked_ms IS NULL ON CONFLICT(device, dossier) DO UPDATE SET state = "
        "CASE WHEN device_scope.state = 'evicting' THEN 'snapshot' ELSE device_scope.state END");
    if (!scope) return scope.error();
    return scope->bind(1, dossier).bind(2, inspector_id).run();
  });
}

Status Catalogue::unassign(std::string_view dossier, std::string_view inspector_id) {
  return db_.write([&](Transaction& tx) -> Status {
    auto st = tx.db().prepare("DELETE FROM assignments WHERE dossier = ?1 AND inspector = ?2");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, dossier).bind(2, inspector_id).run());
    if (tx.db().changes() == 0) {
      return Status::not_found("stockage.central_sqlite.dossier_non_attribue",
                               {{"dossier", dossier}, {"inspecteur", inspector_id}});
    }
    auto scope = tx.db().prepare(
        "UPDATE device_scope SET state = 'evicting' WHERE dossier = ?1 AND device IN "
        "(SELECT id FROM devices WHERE inspector = ?2)");
    if (!scope) return scope.error();
    CARNET_RETURN_IF_ERROR(scope->bind(1, dossier).bind(2, inspector_id).run());
    return audit_.append(tx, AuditKind::kUnassignment, audit_.office(), dossier, "inspecteur=" + std::string(inspector_id));
  });
}

Result<std::vector<std::pair<std::string, std::string>>> Catalogue::assignments() {
  return db_.read([&](Database& db) -> Result<std::vector<std::pair<std::string, std::string>>> {
    auto st = db.prepare("SELECT dossier, inspector FROM assignments ORDER BY dossier, inspector");
    if (!st) return fail(st.error());
    return collect(*st, [](const Statement& s) { return std::make_pair(s.column_text(0), s.column_text(1)); });
  });
}

Status Catalogue::publish_grid(const core::Grid& g, std::string_view source) {
  return db_.write([&](Transaction& tx) -> Status {
    auto st = tx.db().prepare("SELECT source FROM grids WHERE key = ?1 AND version = ?2");
    if (!st) return st.error();
    st->bind(1, g.key()).bind(2, static_cast<std::int64_t>(g.version()));
    auto row = st->step();
    if (!row) return row.error();
    if (*row) {
      if (st->column_text(0) == source) return Status::ok_status();
      return Status::already_exists("stockage.central_sqlite.grille_publiee", {{"grille", g.key()}, {"version", g.version()}});
    }
    auto ins = tx.db().prepare("INSERT INTO grids(key, version, title, source) VALUES(?1, ?2, ?3, ?4)");
    if (!ins) return ins.error();
    CARNET_RETURN_IF_ERROR(
        ins->bind(1, g.key()).bind(2, static_cast<std::int64_t>(g.version())).bind(3, g.def().title).bind(4, source).run());
    return audit_.append(tx, AuditKind::kGridPublish, audit_.office(), g.key(), "version=" + std::to_string(g.version()));
  });
}

}  // namespace carnet::storage
