#include "storage/central/central_db.hpp"

#include <algorithm>
#include <cassert>

#include "storage/central_schema.hpp"
#include "storage/meta_table.hpp"

namespace carnet::storage {

CentralDb::CentralDb(std::unique_ptr<Database> db, CentralOptions options, const core::PhysicalClock& clock)
    : options_(std::move(options)), clock_(&clock), dialect_(db->dialect()), db_(std::move(db)), entities_(*db_) {}

Result<std::unique_ptr<CentralDb>> CentralDb::open(std::unique_ptr<Database> db, CentralOptions options,
                                                   const core::PhysicalClock& clock) {
  CARNET_RETURN_IF_ERROR_R(migrate_central(*db));
  std::unique_ptr<CentralDb> central(new CentralDb(std::move(db), std::move(options), clock));
  CARNET_RETURN_IF_ERROR_R(central->load());
  return central;
}

Status CentralDb::load() {
  // In a transaction: a second central node starting on the same database at the same time
  // reads the id the first one wrote.
  CARNET_RETURN_IF_ERROR(write([&](Transaction& tx) -> Status {
    auto id = read_meta(tx.db(), "node_id");
    if (!id) return id.error();
    if (!*id) {
      node_ = core::Uuid::generate(clock_->now_ms());
      return write_meta(tx, "node_id", node_.to_string());
    }
    auto parsed = core::Uuid::parse(**id);
    if (!parsed) return Status::corruption("stockage.central_sqlite.noeud_illisible");
    node_ = *parsed;
    return Status::ok_status();
  }));
  core::MutexLock lock(mu_);
  std::uint64_t last = 0;
  for (const char* sql : {"SELECT coalesce(max(hlc), 0) FROM changes", "SELECT coalesce(max(hlc), 0) FROM fields"}) {
    auto st = db_->prepare(sql);
    if (!st) return st.error();
    if (!st->step().value_or(false)) return Status::internal("stockage.central_sqlite.lecture_horloge");
    last = std::max(last, static_cast<std::uint64_t>(st->column_int(0)));
  }
  hlc_.emplace(*clock_, core::Hlc{last});
  return Status::ok_status();
}

EntityStore& CentralDb::entities(Database& held) {
  mu_.assert_held();
  assert(&held == db_.get());
  static_cast<void>(held);
  return entities_;
}

core::HybridClock& CentralDb::hlc(Transaction& tx) {
  mu_.assert_held();
  assert(&tx.db() == db_.get());
  static_cast<void>(tx);
  return *hlc_;
}

}  // namespace carnet::storage
