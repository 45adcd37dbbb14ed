// Convergence under random histories (docs/sync.md): seeded runs of tablets writing, syncing
// and failing at once, checked over the whole history (tests/sync/convergence_test.cpp holds
// the edges, one regression test each).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "storage/replica.hpp"
#include "storage/sqlite_values.hpp"
#include "support/sync_fixture.hpp"

namespace carnet::testing {
namespace {

using storage::Edit;
using storage::ExistingRow;
using storage::NewRow;

constexpr std::int64_t kMinute = 60 * 1000;

// The randomized convergence test, with the faults the first one did not model: per-tablet
// clocks (skew within the tolerance, a month's excursion after a restart, corrections), two
// writers on one replica (the app writing while its sync pulls), repeated keys, row additions,
// edits and deletions, syncs cut short after the central node acted (a central node killed
// after its commit), and two central nodes on one store. A checker over the whole history:
// every change a sync took is in the central log, superseded, re-stamped under a new id with
// the same value, or kept by a conflict or quarantine record; every replica equals the
// central node after the final sync, with nothing to repair.
//
// CARNET_CONVERGENCE_SEEDS=N runs seeds 1..N (default 1000, 100 on PostgreSQL; `tools/dev soak N`),
// CARNET_TEST_SEED=S replays seed S alone, CARNET_TEST_TRACE=1 prints each operation.
TEST(ConvergenceSeeds, EveryCopyEndsEqualAndNothingATabletSentIsLost) {
  // On PostgreSQL (the same code, another database) a tenth of them.
  unsigned first = 1, last = std::getenv("CARNET_TEST_POSTGRES") != nullptr ? 100 : 1000;
  if (const char* n = std::getenv("CARNET_CONVERGENCE_SEEDS")) last = static_cast<unsigned>(std::stoul(n));
  if (const char* one = std::getenv("CARNET_TEST_SEED")) first = last = static_cast<unsigned>(std::stoul(one));
  const bool trace = std::getenv("CARNET_TEST_TRACE") != nullptr;
  // Its files in memory when the machine has a tmpfs: the test is about convergence, and every
  // commit syncs to disk (durability has its own tests, docs/durability.md).
  struct ScratchInMemory {
    std::string before = std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "";
    bool moved = std::filesystem::is_directory("/dev/shm") && ::setenv("TMPDIR", "/dev/shm", 1) == 0;
    ~ScratchInMemory() {
      if (!moved) return;
      if (before.empty()) ::unsetenv("TMPDIR");
      else ::setenv("TMPDIR", before.c_str(), 1);
    }
  } scratch;
  SyncWorld world;
  const std::vector<std::string> inspectors = {"i1", "i2", "i3"};
  std::map<std::string, std::unique_ptr<storage::Replica>> apps;  // each tablet's second writer
  for (const auto& i : inspectors) {
    world.add_inspector(i);
    Tablet& t = world.add_tablet(i, i);
    auto app = storage::Replica::open(world.dir().file(i + ".db"), storage::Database::Mode::kReadWrite, *t.clock);
    ASSERT_OK(app);
    apps[i] = std::move(*app);
  }
  world.add_node();
  const std::vector<std::string> keys = {"batiments.nb_wc", "batiments.nb_douches", "batiments.nb_lavabos",
                                         "introduction.ca_hommes", "introduction.ca_femmes"};
  std::map<std::string, std::size_t> done;  // operations and faults, by name
  auto db = world.central_place().database();
  ASSERT_OK(db);
  auto known = [&](const core::Uuid& id, std::string_view sql) {
    const auto b = id.bytes();
    auto st = (*db)->prepare(std::string(sql));
    EXPECT_OK(st);
    st->bind_blob(1, b.data(), b.size());
    return st->step().value_or(false);
  };
  // The id of a change in the central log or answered once (`received`), and its outcome.
  std::vector<core::Change> taken;  // every change a successful sync carried
  auto sync_once = [&](Tablet& t, bool verify) -> Result<sync::SyncReport> {
    auto pending = t.replica->pending_changes(1000000);
    EXPECT_OK(pending);
    auto r = t.sync(verify);
    if (r) {
      for (const auto& p : *pending) taken.push_back(p.change);
      done["sync"]++;
      done["réhorodaté"] += r->restamped;
    }
    return r;
  };

  for (unsigned seed = first; seed <= last; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " (CARNET_TEST_SEED=" + std::to_string(seed) + ")");
    std::mt19937 rng(seed);
    const std::string dossier = "d" + std::to_string(seed);
    world.add_dossier(dossier);
    for (const auto& i : inspectors) {
      ASSERT_OK(world.central().catalogue.assign(dossier, i));
      world.tablet(i).clock->set_offset(0);
      ASSERT_OK(world.tablet(i).sync());
    }
    auto id = world.tablet("i1").capture().start(dossier, std::nullopt, core::Date::parse("2025-03-10").value());
    ASSERT_OK(id);
    for (const auto& i : inspectors) ASSERT_OK(world.tablet(i).sync());
    // The grid's table with the smallest cap and a text column, to fill up to its cap.
    std::string capped, capped_column;
    std::size_t cap = 0;
    {
      auto view = world.tablet("i1").capture().load(*id);
      ASSERT_OK(view);
      for (int i = 0; i < view->grid->item_count(); ++i) {
        const core::Item& item = view->grid->item(i);
        if (item.type != core::ItemType::kTable || (cap != 0 && static_cast<std::size_t>(item.max_rows) >= cap)) continue;
        for (const auto& c : item.columns) {
          if (c.type != core::ItemType::kText) continue;
          capped = item.key, capped_column = c.key, cap = static_cast<std::size_t>(item.max_rows);
          break;
        }
      }
      ASSERT_FALSE(capped.empty());
    }

    for (int op = 0; op < 40; ++op) {
      const std::string& who = inspectors[rng() % inspectors.size()];
      Tablet& t = world.tablet(who);
      world.route(t, rng() % 2);
      // One of the two writers of this tablet's replica.
      const bool by_app = rng() % 2 == 0;
      storage::Capture writer = by_app ? storage::Capture(*apps[who]) : t.capture();
      const int action = static_cast<int>(rng() % 17);
      auto rows = t.capture().load(*id);
      ASSERT_OK(rows);
      const std::size_t n_rows = rows->table("personnes").size();
      std::string what;
      if (action < 6) {
        const std::string key = keys[rng() % keys.size()];
        what = "set " + key;
        ASSERT_OK(writer.set(*id, {Edit::answer(key, std::to_string(rng() % 20))}));
      } else if (action == 6) {
        what = "clé répétée";
        const auto before = t.replica->pending_count().value();
        const std::string key = keys[rng() % keys.size()];
        EXPECT_FALSE(writer.set(*id, {Edit::answer(key, "1"), Edit::answer(key, "2")}));
        EXPECT_EQ(t.replica->pending_count().value(), before);
      } else if (action == 7) {
        what = "ligne ajoutée";
        ASSERT_OK(writer.set(*id, {Edit::cell("personnes", NewRow{1}, "nom", "n" + std::to_string(rng() % 100)),
                                   Edit::cell("personnes", NewRow{2}, "nom", "m")}));
      } else if ((action == 8 || action == 9) && n_rows == 0) {
        continue;  // no row to edit or delete
      } else if (action == 8) {
        what = "ligne modifiée";
        ASSERT_OK(writer.set(*id, {Edit::cell("personnes", ExistingRow{1 + rng() % n_rows}, "fonction",
                                              "f" + std::to_string(rng() % 100))}));
      } else if (action == 9) {
        what = "ligne supprimée";
        ASSERT_OK(writer.delete_row(*id, "personnes", static_cast<int>(1 + rng() % n_rows)));
      } else if (action == 10) {
        const std::int64_t skew = static_cast<std::int64_t>(rng() % (6 * kMinute)) - 3 * kMinute;
        what = "horloge décalée de " + std::to_string(skew / 1000) + " s";
        t.clock->set_offset(skew);
      } else if (action == 11) {
        what = "horloge en avance d'un mois après un redémarrage";
        ASSERT_OK(t.restart());
        t.clock->set_offset(30 * 24 * 60 * kMinute);
      } else if (action == 12) {
        what = "horloge remise à l'heure";
        t.clock->set_offset(0);
      } else if (action == 15 && rng() % 3 == 0) {  // one time in three: it writes many rows
        // Filled up to its cap here: two tablets doing so go over it after the merge.
        const std::size_t have = rows->table(capped).size();
        if (have < cap) {
          what = "tableau rempli jusqu'à son plafond";
          std::vector<storage::Edit> fill;
          for (std::size_t r = 1; r <= cap - have; ++r) fill.push_back(Edit::cell(capped, NewRow{r}, capped_column, "p"));
          ASSERT_OK(writer.set(*id, fill));
        } else {
          what = "ligne refusée : tableau à son plafond";
          EXPECT_FALSE(writer.set(*id, {Edit::cell(capped, NewRow{1}, capped_column, "p")}));
        }
      } else if (action < 16) {
        what = "synchronisation";
        ASSERT_OK(sync_once(t, rng() % 4 == 0));
      } else {
        what = "réponse perdue (nœud central tué après sa validation)";
        t.transport->drop_next_responses(1);
        EXPECT_FALSE(t.sync(false));
      }
      if (what.empty()) continue;
      if (by_app && action <= 9) what += " (deuxième écrivain)";
      done[what.starts_with("horloge décalée") ? "horloge décalée" : what]++;
      done["opérations"]++;
      if (trace) std::cerr << seed << "/" << op << " " << who << " : " << what << "\n";
    }
    for (const auto& i : inspectors) world.tablet(i).clock->set_offset(0);
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& i : inspectors) ASSERT_OK(sync_once(world.tablet(i), false));
    }
    auto central = world.central().catalogue.inspection(*id);
    ASSERT_OK(central);
    for (const auto& i : inspectors) {
      auto r = sync_once(world.tablet(i), true);
      ASSERT_OK(r);
      EXPECT_EQ(r->checksum_ok, std::optional<bool>(true)) << i;
      EXPECT_EQ(r->repaired, 0u) << i << ": the copies had split";
      auto view = world.tablet(i).capture().load(*id);
      ASSERT_OK(view);
      for (const auto& key : keys) EXPECT_EQ(view->field(key).display(), central->field(key).display()) << i << " " << key;
      EXPECT_EQ(view->table("personnes").size(), central->table("personnes").size()) << i;
      EXPECT_EQ(view->table(capped).size(), central->table(capped).size()) << i;
    }
    if (central->table(capped).size() > cap) {  // every row kept, and the table to be checked
      done["tableau au-delà de son plafond après la fusion"]++;
      const auto findings = central->findings();
      EXPECT_TRUE(std::any_of(findings.begin(), findings.end(),
                              [&](const core::Finding& f) { return f.norm_id == core::kTableCapNorm && f.item == capped; }));
    }
    if (::testing::Test::HasFailure()) break;
    // The dossier leaves the tablets, so that every seed syncs a scope of one dossier.
    for (const auto& i : inspectors) {
      ASSERT_OK(world.central().catalogue.unassign(dossier, i));
      ASSERT_OK(sync_once(world.tablet(i), false));
    }
  }

  // Nothing lost, over the whole history.
  std::multimap<std::tuple<std::string, std::string, std::string>, core::Change> log;
  {
    auto st = (*db)->prepare(std::string("SELECT ") + storage::internal::kChangeColumns + " FROM changes");
    ASSERT_OK(st);
    while (st->step().value_or(false)) {
      auto c = storage::internal::read_change(*st, 0);
      ASSERT_OK(c);
      log.emplace(std::make_tuple(c->entity_type, c->entity_id, c->field), *c);
    }
  }
  auto conflicts = world.central().conflicts.list(false);
  ASSERT_OK(conflicts);
  auto quarantine = world.central().conflicts.quarantine(false);
  ASSERT_OK(quarantine);
  for (const auto& c : taken) {
    if (known(c.id, "SELECT 1 FROM changes WHERE change_id = ?1")) {
      done["vérifié : dans le journal"]++;
      continue;
    }
    const auto b = c.id.bytes();
    auto received = (*db)->prepare("SELECT status FROM received WHERE change_id = ?1");
    ASSERT_OK(received);
    received->bind_blob(1, b.data(), b.size());
    if (!received->step().value_or(false)) {
      // Re-stamped: the same value of the same field under a new id and a version within
      // bounds, pushed in the same sync, and then applied (in the log), superseded by the same
      // value (in the log too) or lost to a later change (in a conflict record).
      const auto same = log.equal_range({c.entity_type, c.entity_id, c.field});
      const bool again =
          std::any_of(same.first, same.second, [&](const auto& o) { return o.second.id != c.id && o.second.value == c.value; }) ||
          std::any_of(conflicts->begin(), conflicts->end(), [&](const storage::CentralConflict& k) {
            return k.record.entity_id == c.entity_id && k.record.field == c.field && k.record.loser_value == c.value &&
                   k.record.loser_version.node == c.version.node;
          });
      EXPECT_TRUE(again) << "change " << c.id.to_string() << " (" << c.field << ") vanished";
      done["vérifié : réhorodaté"]++;
      continue;
    }
    const auto status = static_cast<storage::ChangeOutcome::Status>(received->column_int(0));
    if (status == storage::ChangeOutcome::Status::kConflictLost) {
      const bool kept = std::any_of(conflicts->begin(), conflicts->end(), [&](const storage::CentralConflict& k) {
        return k.record.field == c.field && k.record.loser_value == c.value && k.record.loser_version == c.version;
      });
      EXPECT_TRUE(kept) << c.field << " = " << c.value.display() << " lost without a conflict record";
      done["vérifié : conflit perdu, gardé"]++;
    } else if (status == storage::ChangeOutcome::Status::kQuarantined) {
      const bool kept = std::any_of(quarantine->begin(), quarantine->end(),
                                    [&](const storage::QuarantineRecord& q) { return q.change.id == c.id; });
      EXPECT_TRUE(kept) << c.field << " quarantined without a record";
      done["vérifié : en quarantaine"]++;
    } else {
      EXPECT_EQ(status, storage::ChangeOutcome::Status::kSuperseded) << c.field;
      done["vérifié : remplacé"]++;
    }
  }
  std::cout << "convergence : graines " << first << " à " << last << "\n";
  for (const auto& [name, n] : done) std::cout << "  " << name << " : " << n << "\n";
  if (last - first >= 100) {  // enough seeds for every fault to have happened
    EXPECT_GT(done["ligne supprimée"], 0u);
    EXPECT_GT(done["réhorodaté"], 0u);
  }
}

}  // namespace
}  // namespace carnet::testing
