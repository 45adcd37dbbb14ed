#include "tools/carnet/conflicts.hpp"

#include <algorithm>

namespace carnet::tool {

ConflictSides sides_of(const storage::ConflictRecord& c, std::string_view inspector_id) {
  ConflictSides s;
  s.record = &c;
  s.kept_mine = c.winner_author == inspector_id;
  s.mine = s.kept_mine ? &c.winner_value : &c.loser_value;
  s.theirs = s.kept_mine ? &c.loser_value : &c.winner_value;
  s.their_author = s.kept_mine ? c.loser_author : c.winner_author;
  s.their_ms = (s.kept_mine ? c.loser_version : c.winner_version).hlc.physical_ms();
  return s;
}

core::Result<core::Value> resolve_conflict(storage::Replica& replica, std::string_view id, bool keep_mine) {
  auto node = replica.node();
  if (!node) return core::fail(node.error());
  auto all = replica.conflicts();
  if (!all) return core::fail(all.error());
  auto it = std::find_if(all->begin(), all->end(), [&](const auto& c) { return c.id == id; });
  if (it == all->end()) return core::fail(core::Status::not_found("outils.conflicts.conflit_inconnu", {{"id", id}}));
  const ConflictSides s = sides_of(*it, node->inspector_id);
  const core::Value value = keep_mine ? *s.mine : *s.theirs;
  storage::Capture capture(replica);
  CARNET_RETURN_IF_ERROR_R(capture.set_value(it->entity_type, it->entity_id, it->field, value));
  auto tx = storage::Transaction::begin(replica.db());
  if (!tx) return core::fail(tx.error());
  CARNET_RETURN_IF_ERROR_R(replica.mark_conflict_resolved(**tx, id));
  CARNET_RETURN_IF_ERROR_R((*tx)->commit());
  return value;
}

}  // namespace carnet::tool
