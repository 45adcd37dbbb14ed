// Convergence at the edges (docs/sync.md): clocks, two writers on one replica, repeated keys,
// deleted rows, table caps, self-repair — each fault that once split the replicas or dropped
// an answer silently, as a regression test.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "storage/replica.hpp"
#include "support/sync_fixture.hpp"

namespace carnet::testing {
namespace {

using core::Value;
using storage::Edit;
using storage::ExistingRow;
using storage::NewRow;

constexpr std::int64_t kMinute = 60 * 1000;

// A cell of `personnes`, the people met during the inspection.
Edit person(storage::RowRef row, std::string column, std::string text) {
  return Edit::cell("personnes", row, std::move(column), std::move(text));
}

class Convergence : public TwoTabletTest {
 protected:
  // Every tablet syncs (twice, so that the last one's changes reach the first) and verifies
  // its checksum against the central node's.
  void converge() {
    for (int pass = 0; pass < 2; ++pass) {
      for (auto& [name, t] : world_.tablets()) ASSERT_OK(t.sync(false)) << name;
    }
    for (auto& [name, t] : world_.tablets()) {
      auto r = t.sync(true);
      ASSERT_OK(r) << name;
      EXPECT_EQ(r->checksum_ok, std::optional<bool>(true)) << name;
      EXPECT_EQ(r->repaired, 0u) << name << ": the replicas had split";
    }
  }
};

// `carnet serve` writes through one Replica object while its background sync pulls through
// another, on the same file. A value written by a tablet whose clock runs 4 minutes ahead
// (within the tolerance) was pulled by the sync; the app then edited it with its own clock,
// loaded at start, and wrote a version older than the one it replaced: the central node took
// it (its base matched), the other tablet refused it (not newer), the replicas split for good.
TEST_F(Convergence, AnEditByTheAppAfterItsSyncPulledANewerVersionIsAboveIt) {
  const std::string id = shared_inspection();
  auto app = storage::Replica::open(world_.dir().file("a.db"), storage::Database::Mode::kReadWrite, *a().clock);
  ASSERT_OK(app);
  b().clock->set_offset(4 * kMinute);
  ASSERT_OK(b().capture().set(id, {Edit::answer("batiments.nb_wc", "3")}));
  ASSERT_OK(b().sync());
  ASSERT_OK(a().sync());  // the background sync pulls b's value
  ASSERT_OK(storage::Capture(**app).set(id, {Edit::answer("batiments.nb_wc", "4")}));
  auto mine = (*app)->pending_changes(10);
  ASSERT_OK(mine);
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_LT(mine->front().change.base, mine->front().change.version);
  converge();
  EXPECT_EQ(central_field(id, "batiments.nb_wc").display(), "4");
  EXPECT_EQ(field(b(), id, "batiments.nb_wc").display(), "4");
}

// The central node refuses a change that is not above its base, whoever sent it.
TEST_F(Convergence, AChangeNotAboveItsBaseIsQuarantinedNeverApplied) {
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "3")}));
  ASSERT_OK(a().sync());
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "4")}));
  // A tampered or broken tablet: its version pushed below its base.
  ASSERT_OK(a().replica->db().exec("UPDATE outbox SET hlc = base_hlc - 1 WHERE field = 'batiments.nb_wc'"));
  auto r = a().sync();
  ASSERT_OK(r);
  EXPECT_EQ(r->quarantined, 1u);
  EXPECT_EQ(central_field(id, "batiments.nb_wc").display(), "3");
  auto q = world_.central().conflicts.quarantine(true);
  ASSERT_OK(q);
  ASSERT_EQ(q->size(), 1u);
  ASSERT_TRUE(q->front().reason_message.has_value());
  EXPECT_EQ(q->front().reason_message->key(), "stockage.central_sqlite.version_sous_base");
}

// `inspection set ID batiments.nb_wc=2 batiments.nb_wc=3` wrote two changes with one
// version: the tablet showed 3, then 2 everywhere after the sync. A field given twice in one
// command is refused, whole, with nothing written.
TEST_F(Convergence, AKeyGivenTwiceInOneCommandIsRefusedWithNothingWritten) {
  const std::string id = shared_inspection();
  auto twice = a().capture().set(id, {Edit::answer("batiments.nb_wc", "2"), Edit::answer("batiments.nb_douches", "1"),
                                      Edit::answer("batiments.nb_wc", "3")});
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message(),
            "« batiments.nb_wc » est donné deux fois : une seule valeur par réponse dans une même commande");
  EXPECT_TRUE(field(a(), id, "batiments.nb_wc").is_null());
  EXPECT_TRUE(field(a(), id, "batiments.nb_douches").is_null());
  EXPECT_EQ(a().replica->pending_count().value(), 0);
}

// Two `personnes[+].nom=` in one command addressed the same new row, the second value
// silently replacing the first. A cell of one new row given twice is refused (and [+] is [+1]:
// tests/tools/edit_syntax_test.cpp), and new rows 1 and 2 are two rows.
TEST_F(Convergence, TheSameCellOfANewRowTwiceIsRefusedAndNumberedNewRowsAreDistinct) {
  const std::string id = shared_inspection();
  auto twice = a().capture().set(id, {person(NewRow{1}, "nom", "Dupont"), person(NewRow{1}, "nom", "Martin")});
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message(),
            "« personnes[+].nom » est donné deux fois pour la même nouvelle ligne : pour deux lignes, écrire "
            "personnes[+1].nom=… et personnes[+2].nom=…");
  ASSERT_OK(a().capture().set(id, {person(NewRow{1}, "nom", "Dupont"), person(NewRow{1}, "fonction", "directeur")}));
  ASSERT_OK(a().capture().set(id, {person(NewRow{1}, "nom", "Martin"), person(NewRow{2}, "nom", "Durand")}));
  auto view = a().capture().load(id);
  ASSERT_OK(view);
  const auto rows = view->table("personnes");
  ASSERT_EQ(rows.size(), 3u);
  std::set<std::string> people;
  for (const auto& r : rows) people.insert(r.cells[0].display() + "/" + r.cells[1].display());
  EXPECT_EQ(people, (std::set<std::string>{"Dupont/directeur", "Martin/", "Durand/"}));
  ASSERT_FALSE(a().capture().set(id, {person(ExistingRow{1}, "fonction", "a"), person(ExistingRow{1}, "fonction", "b")}));
  converge();
  auto central = world_.central().catalogue.inspection(id);
  ASSERT_OK(central);
  EXPECT_EQ(central->table("personnes").size(), 3u);
}

// A tablet whose clock jumps ahead after a sync writes versions no further ahead of the
// central node's time (as measured at that sync, plus the time elapsed since) than the margin:
// ten minutes of work, or a month's excursion, are accepted at once, and later edits with the
// clock put right are not stuck behind them.
TEST_F(Convergence, AClockRunningAheadAfterASyncIsBoundedByTheCentralNodesTime) {
  const std::string id = shared_inspection();
  for (const std::int64_t ahead : {10 * kMinute, 30 * 24 * 60 * kMinute}) {
    a().clock->set_offset(ahead);
    ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", std::to_string(ahead / kMinute))}));
    EXPECT_LE(a().replica->clock_lead_ms().value(), storage::Replica::kClockMarginMs) << ahead;
    a().clock->set_offset(0);
    ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_douches", std::to_string(ahead / kMinute))}));
    auto r = a().sync();
    ASSERT_OK(r);
    EXPECT_EQ(r->quarantined, 0u) << ahead;
    EXPECT_EQ(r->restamped, 0u) << ahead;
    EXPECT_EQ(central_field(id, "batiments.nb_wc").display(), std::to_string(ahead / kMinute));
    EXPECT_EQ(central_field(id, "batiments.nb_douches").display(), std::to_string(ahead / kMinute));
  }
  converge();
}

// After a restart with the clock a month ahead, the tablet cannot bound its clock (the time
// since its last sync is unknown): one edit carried a version 30 days ahead and, the clock put
// right, every later one too. The central node quarantined them all, they left the tablet, and
// `sync` said nothing. Now the central node answers them "clock ahead", the tablet gives them
// new versions within bounds and pushes them again in the same sync: the answers are the
// inspector's, only their time was wrong.
TEST_F(Convergence, ChangesStampedByAClockAMonthAheadAreRestampedNeverTakenOffTheTablet) {
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "1")}));
  ASSERT_OK(a().sync());
  // A restart: the boot clock of the last sync no longer measures the time since.
  ASSERT_OK(a().restart());
  a().clock->set_offset(30 * 24 * 60 * kMinute);
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "2")}));
  a().clock->set_offset(0);
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_douches", "1"), person(NewRow{1}, "nom", "Dupont")}));
  auto r = a().sync();
  ASSERT_OK(r);
  EXPECT_EQ(r->quarantined, 0u);
  EXPECT_EQ(r->restamped, 5u);  // nb_wc, nb_douches, the new row's inspection, table and name
  EXPECT_EQ(a().replica->pending_count().value(), 0);
  EXPECT_LE(a().replica->clock_lead_ms().value(), storage::Replica::kClockMarginMs);
  EXPECT_EQ(world_.central().conflicts.quarantine(false)->size(), 0u);
  EXPECT_EQ(central_field(id, "batiments.nb_wc").display(), "2");
  EXPECT_EQ(central_field(id, "batiments.nb_douches").display(), "1");
  EXPECT_EQ(field(a(), id, "batiments.nb_wc").display(), "2");
  // The clock no longer holds the tablet's work: the next edit goes through as it is.
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "3")}));
  auto next = a().sync();
  ASSERT_OK(next);
  EXPECT_EQ(next->restamped, 0u);
  EXPECT_EQ(central_field(id, "batiments.nb_wc").display(), "3");
  converge();
  EXPECT_EQ(field(b(), id, "batiments.nb_wc").display(), "3");
  EXPECT_EQ(world_.central().catalogue.inspection(id)->table("personnes").size(), 1u);
}

// A row deleted on one tablet while another, offline, edited it: after both synced, the edit
// sat on a hidden row with no conflict. Now it is a conflict — the deletion against the row
// kept with its edits — whichever syncs first, settled by restoring the row or confirming its
// deletion, at the office or on a tablet.
struct DeletionCase {
  bool deleter_first;  // the deletion reaches the central node before the edit
  bool restore;        // the row is restored (otherwise its deletion is confirmed)
  bool at_office;      // settled at the office (otherwise on the editing tablet)
};

class DeletedRow : public Convergence, public ::testing::WithParamInterface<DeletionCase> {};

TEST_P(DeletedRow, AnEditToARowAnotherTabletDeletedIsAConflictNeverSilent) {
  const DeletionCase k = GetParam();
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(id, {person(NewRow{1}, "nom", "Dupont"), person(NewRow{2}, "nom", "Martin")}));
  ASSERT_OK(a().sync());
  ASSERT_OK(b().sync());
  ASSERT_OK(a().capture().delete_row(id, "personnes", 1));
  const auto rows_b = b().capture().load(id)->table("personnes");
  ASSERT_EQ(rows_b.size(), 2u);
  const std::string row = rows_b[0].id;
  ASSERT_OK(b().capture().set(id, {person(ExistingRow{1}, "fonction", "directeur")}));
  if (k.deleter_first) {
    ASSERT_OK(a().sync());
    ASSERT_OK(b().sync());
  } else {
    ASSERT_OK(b().sync());
    ASSERT_OK(a().sync());
  }
  converge();
  auto open = world_.central().conflicts.list(true);
  ASSERT_OK(open);
  ASSERT_EQ(open->size(), 1u);
  const auto& c = open->front().record;
  EXPECT_EQ(c.entity_id, row);
  EXPECT_EQ(c.field, "supprimee");
  EXPECT_EQ(c.winner_value, Value::boolean(true));
  EXPECT_EQ(c.winner_author, "lead");
  EXPECT_EQ(c.loser_value, Value::boolean(false));
  EXPECT_EQ(c.loser_author, "second");
  for (auto* t : {&a(), &b()}) {
    auto mine = t->replica->conflicts();
    ASSERT_OK(mine);
    ASSERT_EQ(mine->size(), 1u);
    EXPECT_EQ(mine->front().entity_id, row);
  }
  // Until settled, the deletion stands.
  EXPECT_EQ(b().capture().load(id)->table("personnes").size(), 1u);

  if (k.at_office) {
    ASSERT_OK(world_.central().conflicts.resolve(c.id, Value::boolean(!k.restore), "bureau"));
  } else {
    const auto mine = b().replica->conflicts();
    ASSERT_OK(mine);
    ASSERT_OK(b().settle(mine->front(), Value::boolean(!k.restore)));
  }
  converge();
  EXPECT_EQ(world_.central().conflicts.list(true)->size(), 0u);
  for (auto* t : {&a(), &b()}) {
    EXPECT_EQ(t->replica->conflicts()->size(), 0u);
    const auto rows = t->capture().load(id)->table("personnes");
    ASSERT_EQ(rows.size(), k.restore ? 2u : 1u);
    if (k.restore) {
      EXPECT_EQ(rows[0].cells[0].display() + "/" + rows[0].cells[1].display(), "Dupont/directeur");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BothOrdersBothOutcomes, DeletedRow,
                         ::testing::Values(DeletionCase{true, true, true}, DeletionCase{false, true, false},
                                           DeletionCase{true, false, false}, DeletionCase{false, false, true}),
                         [](const ::testing::TestParamInfo<DeletionCase>& i) {
                           return std::string(i.param.deleter_first ? "DeletionFirst" : "EditFirst") +
                                  (i.param.restore ? "Restored" : "Confirmed") + (i.param.at_office ? "AtTheOffice" : "OnATablet");
                         });

// Two tablets adding 600 rows each to a table capped at 1,000: the merge keeps all 1,200
// (nobody's answers dropped), further additions are refused with a message saying what to do,
// edits and deletions go on, and the table is « à vérifier » until it is back under its cap.
TEST_F(Convergence, ATableOverItsCapAfterAMergeKeepsEveryRowAndRefusesAdditions) {
  const std::string id = shared_inspection();
  auto view = a().capture().load(id);
  ASSERT_OK(view);
  const core::Grid& grid = *view->grid;
  std::string table;
  int cap = 0;
  for (int i = 0; i < grid.item_count(); ++i) {
    const core::Item& item = grid.item(i);
    if (item.type == core::ItemType::kTable && item.columns.front().type == core::ItemType::kText) {
      table = item.key;
      cap = item.max_rows;
      break;
    }
  }
  ASSERT_FALSE(table.empty());
  const std::string column = grid.item(*grid.find_item(table)).columns.front().key;
  const int half = cap / 2 + 1;
  for (auto* t : {&a(), &b()}) {
    std::vector<storage::Edit> rows;
    for (int r = 1; r <= half; ++r) rows.push_back(Edit::cell(table, NewRow{static_cast<std::size_t>(r)}, column, "x"));
    ASSERT_OK(t->capture().set(id, rows));
  }
  converge();
  for (auto* t : {&a(), &b()}) {
    auto v = t->capture().load(id);
    ASSERT_OK(v);
    EXPECT_EQ(v->table(table).size(), static_cast<std::size_t>(2 * half));
    const auto findings = v->findings();
    const auto over = std::find_if(findings.begin(), findings.end(),
                                   [](const core::Finding& f) { return f.norm_id == core::kTableCapNorm; });
    ASSERT_NE(over, findings.end());
    EXPECT_EQ(over->item, table);
    EXPECT_EQ(over->status, core::FindingStatus::kUnknown);
    EXPECT_NE(over->message.find(std::to_string(2 * half) + " lignes"), std::string::npos) << over->message;
  }
  auto more = a().capture().set(id, {Edit::cell(table, NewRow{1}, column, "x")});
  ASSERT_FALSE(more);
  EXPECT_NE(more.error().message().find("supprimez-en avant d'en ajouter"), std::string::npos);
  ASSERT_OK(a().capture().set(id, {Edit::cell(table, ExistingRow{1}, column, "y")}));
  for (int r = 0; r < 2 * half - cap; ++r) ASSERT_OK(b().capture().delete_row(id, table, 1));
  converge();
  auto v = a().capture().load(id);
  ASSERT_OK(v);
  EXPECT_EQ(v->table(table).size(), static_cast<std::size_t>(cap));
  for (const auto& f : v->findings()) EXPECT_NE(f.norm_id, core::kTableCapNorm);
}

// A replica split on purpose — a field's version changed behind the sync's back, a field
// removed, a field the central node never had — heals at the next verification: the dossiers
// whose checksums differ are sent whole again and taken as they are, and the sync says how
// many answers it repaired. A local change still pending is never overwritten.
TEST_F(Convergence, AReplicaSplitOnPurposeHealsAtTheNextVerification) {
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "3"), Edit::answer("batiments.nb_douches", "2"),
                                   Edit::answer("batiments.nb_lavabos", "10")}));
  ASSERT_OK(a().sync());
  ASSERT_OK(b().sync());
  auto& db = b().replica->db();
  ASSERT_OK(db.exec("UPDATE fields SET hlc = hlc + 1 WHERE field = 'batiments.nb_wc'"));
  ASSERT_OK(db.exec("DELETE FROM fields WHERE field = 'batiments.nb_douches'"));
  ASSERT_OK(db.exec("INSERT INTO fields SELECT entity_type, entity_id, 'batiments.fantome', value, hlc, node "
                    "FROM fields WHERE field = 'batiments.nb_wc'"));
  ASSERT_OK(b().capture().set(id, {Edit::answer("batiments.nb_lavabos", "12")}));  // pending, kept
  ASSERT_OK(db.exec("UPDATE fields SET hlc = hlc + 1 WHERE field = 'batiments.nb_lavabos'"));
  auto unverified = b().sync(false);
  ASSERT_OK(unverified);
  EXPECT_EQ(unverified->repaired, 0u);

  ASSERT_OK(db.exec("UPDATE fields SET hlc = hlc + 1 WHERE field = 'batiments.nb_lavabos'"));
  auto healed = b().sync(true);
  ASSERT_OK(healed);
  EXPECT_EQ(healed->repaired, 4u);  // nb_wc, nb_douches, fantome, nb_lavabos
  EXPECT_EQ(healed->checksum_ok, std::optional<bool>(true));
  EXPECT_EQ(field(b(), id, "batiments.nb_douches").display(), "2");
  EXPECT_EQ(field(b(), id, "batiments.nb_lavabos").display(), "12");
  auto again = b().sync(true);
  ASSERT_OK(again);
  EXPECT_EQ(again->repaired, 0u);
  converge();
}

}  // namespace
}  // namespace carnet::testing
