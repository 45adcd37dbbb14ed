#include "core/change.hpp"

namespace carnet::core {

MergeDecision merge(const std::optional<std::pair<Value, Version>>& current, const Change& incoming) {
  if (!current) return {true, false};
  const auto& [value, version] = *current;
  if (incoming.version == version) return {false, false};      // already applied
  if (incoming.base == version) return {true, false};          // clean successor
  const bool wins = incoming.version > version;                // concurrent: the higher version wins
  return {wins, !(incoming.value == value)};
}

}  // namespace carnet::core
