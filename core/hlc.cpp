#include "core/hlc.hpp"

#include <algorithm>
#include <chrono>

namespace carnet::core {

std::int64_t SystemClock::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

Hlc HybridClock::now() {
  const std::int64_t wall = clock_->now_ms();
  if (wall > last_.physical_ms()) {
    last_ = Hlc::from_parts(wall, 0);
  } else if (last_.logical() == 0xFFFF) {
    // The counter is full: borrow the next millisecond rather than wrap.
    last_ = Hlc::from_parts(last_.physical_ms() + 1, 0);
  } else {
    last_ = Hlc{last_.value + 1};
  }
  return last_;
}

Status HybridClock::observe(Hlc remote, std::int64_t max_drift_ms) {
  const std::int64_t wall = clock_->now_ms();
  if (remote.physical_ms() > wall + max_drift_ms) {
    return Status::out_of_range("coeur.hlc.horloge_en_avance", {{"secondes", (remote.physical_ms() - wall) / 1000}});
  }
  last_ = std::max(last_, remote);
  return Status::ok_status();
}

}  // namespace carnet::core
