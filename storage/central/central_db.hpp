// CentralDb: the central node's database and what every room of the store shares (the
// writer lock, the wall clock and the hybrid logical clock, the node id, the options). The
// rooms (storage/central/central.hpp) hold no state of their own: each action runs in
// write() or read(), and the pieces one room lends another take the Transaction& (or the
// Database&) that write() or read() handed out, so that a write outside a transaction, or
// outside the lock, does not compile.
//
// Thread safety: write() and read() serialise every use of the database and of the clocks
// on one mutex; everything else is immutable once open() returns.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/hlc.hpp"
#include "core/uuid.hpp"
#include "core/inspection_view.hpp"
#include "core/report_signature.hpp"
#include "core/thread_annotations.hpp"
#include "storage/database.hpp"
#include "storage/entity_store.hpp"

namespace carnet::storage {

// Checks the signature of a report (sync/report_signing.hpp provides one over the central
// CA): `view` is the inspection as the central node holds it, with the signature fields;
// `pushing_device` is the device whose push carries the signature, or "" outside a sync.
using SignatureVerifier =
    std::function<core::SignatureVerdict(const core::InspectionView& view, std::string_view pushing_device)>;

struct CentralOptions {
  std::size_t max_pull = 5000;  // changes per page
  std::int64_t max_clock_drift_ms = 5 * 60 * 1000;
  // The actor recorded in the audit log for the office's actions through this store.
  std::string office_actor = "bureau";
  // Checks a signature when it arrives (the `signature` field, then the move to "signed"):
  // one that does not verify is quarantined ("signature_invalide") and the inspection stays
  // unsigned. Without a verifier, every signature is refused as unverifiable.
  SignatureVerifier verify_signature;
  // Office web sessions end after this long without a request, and this long after login
  // whatever happens.
  std::int64_t session_idle_ms = 30 * 60 * 1000;
  std::int64_t session_absolute_ms = 8 * 60 * 60 * 1000;
};

class CentralDb {
 public:
  // `db` with the central schema brought up to date, its node id read (or made, once, by the
  // first central node on it) and the hybrid clock past every version it holds.
  static Result<std::unique_ptr<CentralDb>> open(std::unique_ptr<Database> db, CentralOptions options,
                                                 const core::PhysicalClock& clock);
  CentralDb(const CentralDb&) = delete;
  CentralDb& operator=(const CentralDb&) = delete;

  // Runs fn(Transaction&) under the lock in one writing transaction, committed when fn
  // succeeds (an ok Status, or a value), rolled back otherwise. Returns fn's result, or the
  // failure to begin or to commit.
  template <class Fn>
  std::invoke_result_t<Fn&, Transaction&> write(Fn&& fn) EXCLUDES(mu_);
  // Runs fn(Database&) under the lock, outside any transaction: each statement reads what
  // is committed. fn must not write.
  template <class Fn>
  std::invoke_result_t<Fn&, Database&> read(Fn&& fn) EXCLUDES(mu_);

  // --- Under the lock: only with the Database or Transaction that write() or read() gave.
  // The analysis cannot follow the lock into the function write() or read() runs, so these
  // two hand out what the lock guards on the word of that argument, which only write() and
  // read() make, and check at run time (assertions on) that this thread holds the lock.

  // The replicated state (entities, fields, grids; compiled grids cached).
  EntityStore& entities(Database& held) NO_THREAD_SAFETY_ANALYSIS;
  EntityStore& entities(Transaction& tx) { return entities(tx.db()); }
  core::HybridClock& hlc(Transaction& tx) NO_THREAD_SAFETY_ANALYSIS;

  // --- Immutable.

  // The id under which the office's changes are written (shared by every central node on
  // the database).
  const core::Uuid& node() const { return node_; }
  std::int64_t now_ms() const { return clock_->now_ms(); }
  const CentralOptions& options() const { return options_; }
  bool sqlite() const { return dialect_ == Database::Dialect::kSqlite; }

 private:
  CentralDb(std::unique_ptr<Database> db, CentralOptions options, const core::PhysicalClock& clock);
  Status load() EXCLUDES(mu_);

  const CentralOptions options_;
  const core::PhysicalClock* const clock_;
  const Database::Dialect dialect_;
  core::Uuid node_;  // set by load(), before the store is shared

  mutable core::Mutex mu_;
  const std::unique_ptr<Database> db_ PT_GUARDED_BY(mu_);
  EntityStore entities_ GUARDED_BY(mu_);
  std::optional<core::HybridClock> hlc_ GUARDED_BY(mu_);
};

namespace internal {
// The failure `s` as a T (a Status, or a Result's error).
template <class T>
T failed_as(Status s) {
  if constexpr (std::is_same_v<T, Status>) {
    return s;
  } else {
    return core::fail(std::move(s));
  }
}
template <class T>
bool succeeded(const T& r) {
  if constexpr (std::is_same_v<T, Status>) {
    return r.ok();
  } else {
    return r.has_value();
  }
}
}  // namespace internal

template <class Fn>
std::invoke_result_t<Fn&, Transaction&> CentralDb::write(Fn&& fn) {
  using R = std::invoke_result_t<Fn&, Transaction&>;
  core::MutexLock lock(mu_);
  auto tx = Transaction::begin(*db_);
  if (!tx) return internal::failed_as<R>(tx.error());
  R result = fn(**tx);
  if (!internal::succeeded(result)) return result;
  if (Status committed = (*tx)->commit(); !committed.ok()) return internal::failed_as<R>(std::move(committed));
  return result;
}

template <class Fn>
std::invoke_result_t<Fn&, Database&> CentralDb::read(Fn&& fn) {
  core::MutexLock lock(mu_);
  return fn(*db_);
}

}  // namespace carnet::storage
