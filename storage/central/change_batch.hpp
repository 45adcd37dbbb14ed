// ChangeBatch: the changes one transaction writes to the central log (`changes`, numbered
// by `seq`) and to the fields' state (`fields`), and what it has read of that state.
//
// Written at once (kImmediate: an office action writes each change as it is made), or as a
// push (kPush: a page of a tablet's changes is read in a few multi-row statements, applied
// in memory, and written by flush() in a few more), so that a page costs a few statements
// instead of several per change. Between prefetch and flush, field() and entity_place()
// answer from what the push has read and written.
//
// Thread safety: one transaction's, on its thread, under the CentralDb's lock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "core/change.hpp"
#include "core/message.hpp"
#include "storage/central/central_db.hpp"

namespace carnet::storage {

class ChangeBatch {
 public:
  enum class Mode { kImmediate, kPush };
  // A push with `exact` reads which of its change ids the log holds before it applies any
  // (prefetch_answers()); without, it looks up only those it answers without applying, and
  // flush() fails, setting retry_exactly(), if the log refuses one as already there.
  ChangeBatch(CentralDb& db, Transaction& tx, Mode mode, bool exact = true);
  ChangeBatch(const ChangeBatch&) = delete;
  ChangeBatch& operator=(const ChangeBatch&) = delete;

  Transaction& tx() { return tx_; }
  EntityStore& entities() { return entities_; }

  // A field's state and an entity's place (parent, scope), as this batch sees them.
  Result<std::optional<FieldValue>> field(std::string_view type, std::string_view id, std::string_view f);
  Result<std::optional<std::pair<std::string, std::string>>> entity_place(std::string_view type, std::string_view id);

  // Records an entity (nothing if it exists).
  Status create_entity(const EntityRef& e);
  // Appends an applied change to the log and makes it the field's state: at once, or in a
  // push at the next flush(). `device` is "" for the office; `author` as tablets see it.
  Status log_and_apply(const core::Change& c, const std::string& device, std::string_view author, std::int64_t now);
  // A change written at the central node (the office): a clean successor of the current
  // state, under the office's node id. Nothing when the field already holds `value`;
  // otherwise counts one in `*changed`.
  Status write_office(const EntityRef& e, std::string_view f, const core::Value& value, std::int64_t now,
                      std::size_t* changed = nullptr);
  // Writes what the push has applied: the log rows in multi-row inserts (their sequence
  // numbers in the order they were applied, checked), then each field's last state once.
  Status flush();

  // --- A push's exactly-once answers ----------------------------------------------------------

  // The first answer given to a change received but not applied.
  struct Answer {
    std::int64_t status = 0;  // ChangeOutcome::Status
    std::string reason;
    std::optional<core::Message> message;
  };
  // Reads, before the push is applied: the first answers given to those of its changes
  // received but not applied, and when exact which of its change ids are in the log.
  Status prefetch_answers(const std::vector<core::Change>& push);
  // Reads, before the push is applied, the state it reads: the places of the entities it
  // writes (and of their inspections), and the fields it writes or checks (an inspection's
  // status, a row's table, an addendum's review).
  Status prefetch_state(const std::vector<core::Change>& push);
  // Whether the push has seen change id `cid` (16 bytes) in the log.
  bool logged(const std::string& cid) const { return logged_.contains(cid); }
  // The first answer to `cid`, if it was received and not applied.
  const Answer* answer(const std::string& cid) const;
  void remember_answer(const std::string& cid, Answer answer);
  // Whether the log holds `cid`: as prefetched when exact, else asked.
  Result<bool> in_log(const std::string& cid);
  // Set by flush() when it failed on a change already logged (not exact): run again exact.
  bool retry_exactly() const { return retry_exactly_; }

 private:
  using FieldKey = std::tuple<std::string, std::string, std::string>;  // entity type, id, field
  using PlaceKey = std::pair<std::string, std::string>;                // entity type, id
  using Place = std::pair<std::string, std::string>;                   // parent, scope
  struct Pending {
    core::Change change;
    std::string device;
    std::string author;
    std::int64_t now = 0;
  };

  CentralDb& db_;
  Transaction& tx_;
  EntityStore& entities_;
  const bool push_;
  const bool exact_;
  bool retry_exactly_ = false;
  std::set<std::string, std::less<>> logged_;            // change ids (16 bytes) in the log
  std::map<std::string, Answer, std::less<>> received_;  // change id -> first answer
  std::map<PlaceKey, std::optional<Place>> places_;      // read, or written by this push
  std::map<FieldKey, std::optional<FieldValue>> fields_;
  std::vector<Pending> log_;                // applied, not yet written
  std::map<FieldKey, std::size_t> dirty_;  // field -> its last entry in `log_`
};

}  // namespace carnet::storage
