// carnet-bench: benchmarks (not tests). Each prints one line per figure, with the median of
// several runs; see README.md for the figures and their targets.
//
//   carnet-bench capture [--answers N] [--runs R]
//     Records N answers (default 100 000) on a fresh replica through storage::Capture::set,
//     the code path of `carnet inspection set`: one answer per command, each one durable
//     transaction (WAL, synchronous=NORMAL) with its outbox change. Prints the median rate in
//     answers/s over R runs (default 5) and the process's peak resident memory.
//
//   carnet-bench sync: see sync_bench.cpp.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
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

double capture_run(std::size_t answers, const fs::path& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto replica = check(storage::Replica::open((dir / "carnet.db").string(), storage::Database::Mode::kCreate));
  {
    auto tx = check(storage::Transaction::begin(replica->db()));
    check(replica->initialise(*tx, "bench", "Banc d'essai"));
    for (const auto& g : storage::builtin_grids()) {
      auto grid = check(storage::parse_grid(g.text, g.file_name));
      check(replica->install_grid(*tx, *grid, g.text));
    }
    check(tx->commit());
  }
  storage::Capture capture(*replica);
  core::Dossier d;
  d.id = "ma-bench";
  d.kind = "maison-accueil";
  d.name = "Maison d'accueil (banc d'essai)";
  d.reference = "RW/AHA/000";
  check(capture.import_dossiers({d}));
  constexpr std::size_t kInspections = 20;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < kInspections; ++i) ids.push_back(check(capture.start(d.id, std::nullopt, core::Date::parse("2026-03-10").value())));

  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < answers; ++i) {
    const std::string& id = ids[i % kInspections];
    const std::size_t changed = check(capture.set(id, {answer(i / kInspections)}));
    if (changed != 1) die(core::Status::internal("answer " + std::to_string(i) + " changed nothing"));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (check(replica->pending_count()) < static_cast<std::int64_t>(answers)) die(core::Status::internal("outbox short"));
  return static_cast<double>(answers) / seconds;
}

}  // namespace

int capture_main(const cli::Args& args) {
  const std::size_t answers = count_option(args, "--answers", 100000);
  const std::size_t runs = count_option(args, "--runs", 5);
  const fs::path dir = fs::temp_directory_path() / ("carnet-bench-" + std::to_string(::getpid()));
  std::vector<double> rates;
  for (std::size_t r = 0; r < runs; ++r) {
    rates.push_back(capture_run(answers, dir));
    std::printf("  run %zu: %.0f answers/s\n", r + 1, rates.back());
    std::fflush(stdout);
  }
  fs::remove_all(dir);
  const double low = *std::min_element(rates.begin(), rates.end());
  const double high = *std::max_element(rates.begin(), rates.end());
  std::printf("capture: %zu answers, median %.0f answers/s over %zu runs (min %.0f, max %.0f), peak RSS %.1f MiB\n",
              answers, median(rates), runs, low, high, static_cast<double>(peak_rss_kib()) / 1024.0);
  return 0;
}

}  // namespace carnet::bench

int main(int argc, char** argv) {
  using namespace carnet;
  auto args = cli::Args::parse(argc, argv, {"--answers", "--runs", "--changes", "--tablets", "--per-tablet"}, {});
  if (!args) bench::die(args.error());
  const std::string what = args->positional().empty() ? "" : args->positional()[0];
  if (what == "capture") return bench::capture_main(*args);
  if (what == "sync") return bench::sync_main(*args);
  std::cerr << "usage : carnet-bench capture [--answers N] [--runs R]\n"
               "        carnet-bench sync [--changes N] [--tablets K] [--per-tablet M] [--runs R]\n";
  return 2;
}
