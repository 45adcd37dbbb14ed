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

Hlc HybridClock::now(std::int64_t max_physical_ms) {
  const std::int64_t wall = std::min(clock_->now_ms(), max_physical_ms);
  last_ = wall > last_.physical_ms() ? Hlc::from_parts(wall, 0) : last_.next();
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
