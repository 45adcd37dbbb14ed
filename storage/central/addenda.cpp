#include "storage/central/addenda.hpp"

#include "core/text.hpp"
#include "storage/central/change_batch.hpp"
#include "storage/central/statements.hpp"
#include "storage/inspection_reader.hpp"

namespace carnet::storage {

using namespace internal;

Result<std::vector<AddendumRecord>> Addenda::list(bool pending_only) {
  return db_.read([&](Database& db) -> Result<std::vector<AddendumRecord>> {
    EntityStore& entities = db_.entities(db);
    auto ids = entities.entities(entity::kAddendum);
    if (!ids) return fail(ids.error());
    std::vector<AddendumRecord> out;
    for (const auto& id : *ids) {
      auto a = read_addendum(entities, id);
      if (!a) return fail(a.error());
      if (pending_only && a->reviewed()) continue;
      auto place = entities.entity_place(entity::kAddendum, id);
      if (!place) return fail(place.error());
      out.push_back({std::move(*a), *place ? (*place)->second : std::string()});
    }
    return out;
  });
}

Status Addenda::review(std::string_view id, bool accept) {
  return db_.write([&](Transaction& tx) -> Status {
    EntityStore& entities = db_.entities(tx);
    auto a = read_addendum(entities, id);
    if (!a) return a.error();
    if (a->reviewed()) {
      return a->accepted() ? Status::failed_precondition("stockage.central_sqlite.addendum_accepte", {{"qui", a->reviewed_by}})
                           : Status::failed_precondition("stockage.central_sqlite.addendum_rejete", {{"qui", a->reviewed_by}});
    }
    auto place = entities.entity_place(entity::kAddendum, id);
    if (!place) return place.error();
    if (!*place) return Status::not_found("stockage.central_sqlite.addendum_inconnu", {{"id", id}});
    const std::int64_t now = db_.now_ms();
    namespace af = core::addendum_field;
    const auto& [parent, scope] = **place;
    const EntityRef addendum{entity::kAddendum, id, parent, scope};
    const std::string_view decision = accept ? core::kAddendumAccepted : core::kAddendumRejected;
    const std::string& office = audit_.office();
    ChangeBatch batch(db_, tx, ChangeBatch::Mode::kImmediate);
    CARNET_RETURN_IF_ERROR(batch.write_office(addendum, af::kReview, Value::text(std::string(decision)), now));
    CARNET_RETURN_IF_ERROR(batch.write_office(addendum, af::kReviewedBy, Value::text(office), now));
    CARNET_RETURN_IF_ERROR(batch.write_office(addendum, af::kReviewedAt, Value::text(core::iso_timestamp(now)), now));
    return audit_.append(tx, AuditKind::kAddendumReview, office, id, "decision=" + std::string(decision) + " inspection=" + parent);
  });
}

}  // namespace carnet::storage
