// Hybrid logical clock (Kulkarni et al., 2014) and the versions it stamps.
//
// An Hlc packs wall-clock milliseconds (high 48 bits) and a logical counter (low 16 bits)
// into one 64-bit integer, so versions compare as integers and stay close to real time.
// A Version is an Hlc plus the id of the node that wrote it; versions are totally ordered
// (HLC first, node id as the tie-break).
#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>
#include <limits>
#include <string>

#include "core/status.hpp"
#include "core/uuid.hpp"

namespace carnet::core {

struct Hlc {
  std::uint64_t value = 0;

  static Hlc from_parts(std::int64_t physical_ms, std::uint16_t logical) {
    return {(static_cast<std::uint64_t>(physical_ms) << 16) | logical};
  }
  std::int64_t physical_ms() const { return static_cast<std::int64_t>(value >> 16); }
  std::uint16_t logical() const { return static_cast<std::uint16_t>(value & 0xFFFF); }
  // The smallest timestamp above this one: the next count, or the next millisecond when the
  // counter is full (rather than wrap).
  Hlc next() const { return logical() == 0xFFFF ? from_parts(physical_ms() + 1, 0) : Hlc{value + 1}; }

  friend bool operator==(const Hlc&, const Hlc&) = default;
  friend std::strong_ordering operator<=>(const Hlc&, const Hlc&) = default;
};

struct Version {
  Hlc hlc;
  Uuid node;

  bool is_zero() const { return hlc.value == 0 && node.is_nil(); }
  friend bool operator==(const Version&, const Version&) = default;
  friend std::strong_ordering operator<=>(const Version&, const Version&) = default;
};

// Source of wall-clock time, a seam for tests.
class PhysicalClock {
 public:
  virtual ~PhysicalClock() = default;
  virtual std::int64_t now_ms() const = 0;  // milliseconds since the Unix epoch
};

class SystemClock final : public PhysicalClock {
 public:
  std::int64_t now_ms() const override;
  static const SystemClock& instance();
};

// The node's clock. Not thread safe: owned by the one writer of a replica.
class HybridClock {
 public:
  // `last` is the highest timestamp this node ever issued or observed (persisted by the
  // caller), so that a restart, even with the wall clock set back, never goes backwards.
  HybridClock(const PhysicalClock& clock, Hlc last) : clock_(&clock), last_(last) {}

  // A timestamp for a local event, strictly greater than every earlier one. Its physical part
  // is the wall clock, or `max_physical_ms` when the wall clock is beyond it (a clock known to
  // run ahead), but never below the last timestamp.
  Hlc now(std::int64_t max_physical_ms = std::numeric_limits<std::int64_t>::max());
  // Absorbs a timestamp seen from another node. kOutOfRange, leaving the clock unchanged,
  // when `remote` is more than `max_drift_ms` ahead of this node's wall clock.
  Status observe(Hlc remote, std::int64_t max_drift_ms);
  // Moves the clock to at least `seen`, whatever the wall clock says: a version already
  // stored (a pulled change, another writer's), which every later timestamp must pass.
  void advance(Hlc seen) { last_ = std::max(last_, seen); }

  Hlc last() const { return last_; }

 private:
  const PhysicalClock* clock_;
  Hlc last_;
};

}  // namespace carnet::core
