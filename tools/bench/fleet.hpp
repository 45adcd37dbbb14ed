// The fleet that carnet-bench's sync and attack benchmarks share: a central store with its
// inspectors, dossiers and device certificates; the central node in a child process; tablets
// (encrypted replicas with their own HTTPS clients) and their syncs at once.
#pragma once

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "core/uuid.hpp"
#include "storage/replica.hpp"
#include "sync/http.hpp"
#include "sync/pki.hpp"
#include "sync/tablet_sync.hpp"
#include "tools/bench/bench.hpp"

namespace carnet::bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Device {
  std::string name;
  std::string inspector;
  std::string dossier;
  core::Uuid id;
  sync::Credentials credentials;  // certificate and key
};

struct World {
  fs::path dir;
  std::string store;  // an SQLite file or a PostgreSQL URL
  sync::Credentials ca;
  sync::Credentials server;
  std::vector<Device> devices;
};

// The central store with its inspectors, dossiers and devices (certificates signed by the
// CA): devices[0] and devices[1] for the dossier "big", then one per fleet tablet, each for
// dossier "f<i>" of inspector "i<i>".
World make_world(const fs::path& dir, const std::string& store_address, std::size_t fleet);

// Runs the central node (HTTPS with carnet-central serve's limits) in a child process;
// returns its pid and port. It stops when `stop_write` closes and writes its peak RSS (KiB)
// to `report_read`.
pid_t start_central(const World& w, std::uint16_t& port, int& stop_write, int& report_read);

struct TabletHandle {
  std::unique_ptr<storage::Replica> replica;
  std::unique_ptr<sync::HttpsClient> client;
};

TabletHandle open_tablet(const World& w, const Device& d, std::uint16_t port);
sync::SyncReport sync_or_die(TabletHandle& t);
// Writes `count` answers on a new inspection of `dossier`.
void capture_answers(TabletHandle& t, const std::string& dossier, std::size_t count);

// Every tablet syncs at once (released together); the time each took, or -1 for a sync that
// failed or pushed fewer than `per_tablet` changes.
std::vector<double> sync_at_once(std::vector<TabletHandle>& tablets, std::size_t per_tablet);

struct Latencies {
  std::size_t ok = 0;
  double p50 = 0, p99 = 0;
};
Latencies latencies_of(const std::vector<double>& seconds);

// Runs `once` in a fresh child process, so that the processes it forks (a central node, a
// tablet) start small and their peak RSS is their own, and returns the figures it made.
template <class Figures, class F>
Figures in_child_process(F&& once) {
  static_assert(std::is_trivially_copyable_v<Figures>);
  int figures[2];
  if (::pipe(figures) != 0) die(core::Status::io_error("outils.sync_bench.pipe"));
  const pid_t run = ::fork();
  if (run == 0) {
    ::close(figures[0]);
    const Figures f = once();
    if (::write(figures[1], &f, sizeof f) != sizeof f) ::_exit(3);
    ::_exit(0);
  }
  ::close(figures[1]);
  Figures f;
  const bool got = ::read(figures[0], &f, sizeof f) == sizeof f;
  ::close(figures[0]);
  ::waitpid(run, nullptr, 0);
  if (!got) die(core::Status::internal("outils.sync_bench.mesure"));
  return f;
}

}  // namespace carnet::bench
