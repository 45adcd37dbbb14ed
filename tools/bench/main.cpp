// carnet-bench: benchmarks (not tests). Each prints one line per figure, with the median of
// several runs; see README.md for the figures and their targets.
//
//   carnet-bench capture [--answers N] [--runs R]
//     Records N answers (default 100 000) on a fresh replica through storage::Capture::set,
//     the code path of `carnet inspection set`: one answer per command, each one durable
//     transaction (WAL, synchronous=NORMAL) with its outbox change. Prints the median rate in
//     answers/s over R runs (default 5) and the process's peak resident memory.
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
#include "tools/cli/args.hpp"

namespace {

using namespace carnet;
namespace fs = std::filesystem;

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

[[noreturn]] void die(const core::Status& s) {
  std::cerr << "carnet-bench : " << s.to_string() << "\n";
  std::exit(1);
}

template <class T>
T check(core::Result<T> r) {
  if (!r) die(r.error());
  return std::move(*r);
}

void check(const core::Status& s) {
  if (!s.ok()) die(s);
}

// The answers an inspector types for a shelter, cycled with changing values so that every
// one is a real change.
std::string answer(std::size_t i) {
  static const std::vector<std::pair<const char*, int>> kItems = {
      {"agrement.places_subventionnees", 0}, {"fonctionnement.nuitees_totales", 1}, {"fonctionnement.nuitees_agreees", 1},
      {"fonctionnement.nuitees_enfants", 1}, {"batiments.nb_heberges", 0},          {"batiments.nb_wc", 0},
      {"batiments.nb_douches", 0},           {"batiments.nb_lavabos", 0},           {"introduction.ca_hommes", 0},
      {"introduction.ca_femmes", 0},         {"participation.paf_gite", 2},         {"participation.paf_gite_couvert", 2},
      {"personnel.art94.etp_as", 3},         {"batiments.attestation_incendie_expiration", 4},
  };
  const auto& [key, kind] = kItems[i % kItems.size()];
  const std::size_t round = i / kItems.size();
  std::string value;
  switch (kind) {
    case 0: value = std::to_string(10 + round % 50); break;
    case 1: value = std::to_string(4000 + round % 3000); break;
    case 2: value = std::to_string(8 + round % 5) + "," + std::to_string(10 + round % 90); break;
    case 3: value = std::to_string(round % 3) + ",5"; break;
    default: {
      char date[16];
      std::snprintf(date, sizeof date, "2026-%02zu-%02zu", 1 + round % 12, 1 + round % 28);
      value = date;
      break;
    }
  }
  return std::string(key) + "=" + value;
}

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

std::size_t count_option(const cli::Args& args, const char* name, std::size_t fallback) {
  auto v = args.option(name);
  if (!v) return fallback;
  auto n = core::Number::parse(*v);
  if (!n || !n->is_integer() || n->numerator() < 1) die(core::Status::invalid_argument(std::string(name) + " : entier positif attendu"));
  return static_cast<std::size_t>(n->numerator());
}

}  // namespace

int main(int argc, char** argv) {
  auto args = cli::Args::parse(argc, argv, {"--answers", "--runs"}, {});
  if (!args) die(args.error());
  if (args->positional().empty() || args->positional()[0] != "capture") {
    std::cerr << "usage : carnet-bench capture [--answers N] [--runs R]\n";
    return 2;
  }
  const std::size_t answers = count_option(*args, "--answers", 100000);
  const std::size_t runs = count_option(*args, "--runs", 5);
  const fs::path dir = fs::temp_directory_path() / ("carnet-bench-" + std::to_string(::getpid()));
  std::vector<double> rates;
  for (std::size_t r = 0; r < runs; ++r) {
    rates.push_back(capture_run(answers, dir));
    std::printf("  run %zu: %.0f answers/s\n", r + 1, rates.back());
    std::fflush(stdout);
  }
  fs::remove_all(dir);
  std::sort(rates.begin(), rates.end());
  std::printf("capture: %zu answers, median %.0f answers/s over %zu runs (min %.0f, max %.0f), peak RSS %.1f MiB\n",
              answers, rates[rates.size() / 2], runs, rates.front(), rates.back(),
              static_cast<double>(peak_rss_kib()) / 1024.0);
  return 0;
}
