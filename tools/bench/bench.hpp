// Shared pieces of carnet-bench's benchmarks.
#pragma once

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "storage/edit.hpp"
#include "tools/cli/args.hpp"

namespace carnet::bench {

inline long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

[[noreturn]] inline void die(const core::Status& s) {
  std::cerr << "carnet-bench : " << s.to_string() << "\n";
  std::exit(1);
}

template <class T>
T check(core::Result<T> r) {
  if (!r) die(r.error());
  return std::move(*r);
}

inline void check(const core::Status& s) {
  if (!s.ok()) die(s);
}

// The answers an inspector types for a shelter, cycled with changing values so that every
// one is a real change.
inline storage::Edit answer(std::size_t i) {
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
  return storage::Edit::answer(key, std::move(value));
}

inline std::size_t count_option(const cli::Args& args, const char* name, std::size_t fallback) {
  auto v = args.option(name);
  if (!v) return fallback;
  auto n = core::Number::parse(*v);
  if (!n || !n->is_integer() || n->numerator() < 1)
    die(core::Status::invalid_argument("outils.bench.entier_positif", {{"option", name}}));
  return static_cast<std::size_t>(n->numerator());
}

// The median of `values` (sorted in place).
inline double median(std::vector<double>& values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

int capture_main(const cli::Args& args);
int sync_main(const cli::Args& args);
int json_main(const cli::Args& args);
int attack_main(const cli::Args& args);

}  // namespace carnet::bench
