// carnet-bench: benchmarks (not tests). Each prints one line per figure, with the median of
// several runs; see README.md for the figures and their targets.
//
//   carnet-bench capture [--answers N] [--runs R] [--synchronous full|normal]
//     Records N answers (default 100 000) on a fresh replica through storage::Capture::set,
//     the code path of a person's save (`carnet inspection set`, the tablet app's
//     « Enregistré »): one answer per save, each one transaction with its outbox change,
//     committed durably (WAL with synchronous=FULL, as storage::Database opens every file).
//     --synchronous normal measures, for comparison only, the same commits without the sync
//     of the log (not durable: a power cut loses the last ones). Each run records them on
//     an encrypted replica (the tablet's, storage/encrypted_vfs) and on one in clear, in
//     alternating slices of 1 000, so that the cost of encryption is a ratio within one run. Prints the median rates in
//     answers/s over R runs (default 5), the median slowdown, and the peak resident memory.
//
//   carnet-bench sync [--store sqlite|postgres|postgresql://…]: see sync_bench.cpp.
//   carnet-bench json, carnet-bench attack: see attack_bench.cpp.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "storage/builtin_grids.hpp"
#include "storage/capture.hpp"
#include "storage/grid_file.hpp"
#include "storage/replica.hpp"
#include "tools/bench/bench.hpp"

namespace carnet::bench {
namespace {

namespace fs = std::filesystem;

// A fresh replica in `dir` with the built-in grids, a shelter dossier and 20 inspections.
struct CaptureTarget {
  std::unique_ptr<storage::Replica> replica;
  std::vector<std::string> inspections;
  std::size_t written = 0;
  double seconds = 0;
};

CaptureTarget capture_target(const fs::path& dir, bool encrypted, bool full_sync) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::optional<storage::DataKey> key;
  if (encrypted) key = check(storage::DataKey::random());
  CaptureTarget t;
  t.replica = check(storage::Replica::open((dir / "carnet.db").string(), storage::Database::Mode::kCreate,
                                           core::SystemClock::instance(), key));
  // The replica commits with synchronous=FULL (storage::Database::open); NORMAL only to
  // measure what the sync of the log costs.
  if (!full_sync) check(t.replica->db().exec("PRAGMA synchronous=NORMAL"));
  {
    auto tx = check(storage::Transaction::begin(t.replica->db()));
    check(t.replica->initialise(*tx, "bench", "Banc d'essai"));
    for (const auto& g : storage::builtin_grids()) {
      auto grid = check(storage::parse_grid(g.text, g.file_name));
      check(t.replica->install_grid(*tx, *grid, g.text));
    }
    check(tx->commit());
  }
  storage::Capture capture(*t.replica);
  core::Dossier d;
  d.id = "ma-bench";
  d.kind = "maison-accueil";
  d.name = "Maison d'accueil (banc d'essai)";
  d.reference = "RW/AHA/000";
  check(capture.import_dossiers({d}));
  for (std::size_t i = 0; i < 20; ++i) {
    t.inspections.push_back(check(capture.start(d.id, std::nullopt, core::Date::parse("2026-03-10").value())));
  }
  return t;
}

// Records the next `n` answers on `t`, timing them.
void capture_some(CaptureTarget& t, std::size_t n) {
  storage::Capture capture(*t.replica);
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < n; ++k, ++t.written) {
    const std::size_t i = t.written;
    const std::string& id = t.inspections[i % t.inspections.size()];
    const std::size_t changed = check(capture.set(id, {answer(i / t.inspections.size())}));
    if (changed != 1) die(core::Status::internal("outils.bench.reponse_sans_effet", {{"n", i}}));
  }
  t.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// One run: the same answers on an encrypted and a clear replica, in alternating slices of
// 1 000, so that both see the same machine. Returns the rates (encrypted, clear).
std::pair<double, double> capture_run(std::size_t answers, const fs::path& dir, bool full_sync) {
  CaptureTarget sealed = capture_target(dir / "chiffre", true, full_sync);
  CaptureTarget clear = capture_target(dir / "clair", false, full_sync);
  constexpr std::size_t kSlice = 1000;
  for (std::size_t done = 0; done < answers; done += kSlice) {
    const std::size_t n = std::min(kSlice, answers - done);
    capture_some(sealed, n);
    capture_some(clear, n);
  }
  for (const auto* t : {&sealed, &clear}) {
    if (check(t->replica->pending_count()) < static_cast<std::int64_t>(answers)) {
      die(core::Status::internal("outils.bench.outbox_incomplete"));
    }
  }
  return {static_cast<double>(answers) / sealed.seconds, static_cast<double>(answers) / clear.seconds};
}

}  // namespace

int capture_main(const cli::Args& args) {
  const std::size_t answers = count_option(args, "--answers", 100000);
  const std::size_t runs = count_option(args, "--runs", 5);
  const std::string sync_mode = args.option("--synchronous").value_or("full");
  if (sync_mode != "normal" && sync_mode != "full") {
    die(core::Status::invalid_argument("outils.bench.synchronous", {{"valeur", sync_mode}}));
  }
  const bool full_sync = sync_mode == "full";
  const fs::path dir = fs::temp_directory_path() / ("carnet-bench-" + std::to_string(::getpid()));
  std::vector<double> sealed, clear, slowdown;
  for (std::size_t r = 0; r < runs; ++r) {
    const auto [with_key, without] = capture_run(answers, dir, full_sync);
    sealed.push_back(with_key);
    clear.push_back(without);
    slowdown.push_back(1.0 - sealed.back() / clear.back());
    std::printf("  run %zu: encrypted %.0f answers/s, in clear %.0f answers/s (%.1f %% slower)\n", r + 1, sealed.back(),
                clear.back(), 100.0 * slowdown.back());
    std::fflush(stdout);
  }
  fs::remove_all(dir);
  const double low = *std::min_element(sealed.begin(), sealed.end());
  const double high = *std::max_element(sealed.begin(), sealed.end());
  std::printf("capture (synchronous=%s%s): %zu answers, encrypted median %.0f answers/s over %zu runs (min %.0f, max %.0f), in clear "
              "median %.0f answers/s, encryption costs %.1f %% (median of the runs' ratios), peak RSS %.1f MiB\n",
              full_sync ? "FULL" : "NORMAL", full_sync ? ", durable" : ", not durable", answers, median(sealed), runs, low, high, median(clear), 100.0 * median(slowdown),
              static_cast<double>(peak_rss_kib()) / 1024.0);
  return 0;
}

}  // namespace carnet::bench

int main(int argc, char** argv) {
  using namespace carnet;
  auto args = cli::Args::parse(argc, argv, {"--answers", "--runs", "--changes", "--tablets", "--per-tablet", "--synchronous", "--store", "--attackers"}, {});
  if (!args) bench::die(args.error());
  const std::string what = args->positional().empty() ? "" : args->positional()[0];
  if (what == "capture") return bench::capture_main(*args);
  if (what == "sync") return bench::sync_main(*args);
  if (what == "json") return bench::json_main(*args);
  if (what == "attack") return bench::attack_main(*args);
  std::cerr << "usage : carnet-bench capture [--answers N] [--runs R] [--synchronous full|normal]\n"
               "        carnet-bench sync [--store sqlite|postgres|postgresql://…] [--changes N] [--tablets K] [--per-tablet M] [--runs R]\n"
               "        carnet-bench json [--runs R]\n"
               "        carnet-bench attack [--tablets K] [--per-tablet M] [--attackers N] [--runs R]\n";
  return 2;
}
