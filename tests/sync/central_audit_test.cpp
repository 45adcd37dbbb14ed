// The audit entries of sync exchanges (sync/central_service.cpp over the central store):
// one per sync request with its counts, one per quarantined change with its reason code,
// one per conflict resolution (office or tablet), and never a value typed on a tablet.
#include <gtest/gtest.h>

#include "support/sync_fixture.hpp"

namespace carnet::testing {
namespace {

using storage::Edit;
using storage::NewRow;

constexpr const char* kSentinel = "Zorglub-Sentinelle-7731";

class CentralAudit : public TwoTabletTest {
 protected:
  std::string device(Tablet& t) { return t.replica->node().value().node_id.to_string(); }

  std::vector<storage::AuditEntry> entries_after(std::size_t n) {
    auto all = world_.central().audit.entries(0);
    EXPECT_OK(all);
    if (!all || all->size() < n) return {};
    return {all->begin() + static_cast<std::ptrdiff_t>(n), all->end()};
  }
  std::size_t count() {
    auto all = world_.central().audit.entries(0);
    return all ? all->size() : 0;
  }
  static std::vector<storage::AuditEntry> of_kind(const std::vector<storage::AuditEntry>& all,
                                                  const std::string& kind) {
    std::vector<storage::AuditEntry> out;
    for (const auto& e : all) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }
};

TEST_F(CentralAudit, EachSyncRequestIsOneEntryWithItsCounts) {
  auto id = a().capture().start("d1", std::nullopt, core::Date::parse("2025-03-10").value());
  ASSERT_OK(id);
  ASSERT_OK(a().capture().set(
      *id, {Edit::answer("batiments.nb_wc", "3"), Edit::answer("remarques.batiments", kSentinel),
            Edit::cell("personnes", NewRow{1}, "nom", kSentinel)}));
  const std::size_t before = count();
  const int requests_before = a().transport->requests();
  auto r = a().sync(false);
  ASSERT_OK(r);
  const auto added = entries_after(before);
  const auto syncs = of_kind(added, "sync");
  EXPECT_EQ(static_cast<int>(syncs.size()), a().transport->requests() - requests_before);
  ASSERT_FALSE(syncs.empty());
  EXPECT_EQ(syncs.front().actor, device(a()));
  EXPECT_EQ(syncs.front().subject, "lead");
  EXPECT_NE(syncs.front().detail.find("envoyes=" + std::to_string(r->pushed)), std::string::npos)
      << syncs.front().detail;
  EXPECT_NE(syncs.front().detail.find("appliques=" + std::to_string(r->pushed)), std::string::npos)
      << syncs.front().detail;
  for (const auto& e : added) {
    for (const std::string* text : {&e.actor, &e.subject, &e.detail})
      EXPECT_EQ(text->find(kSentinel), std::string::npos) << *text;
  }
  EXPECT_TRUE(world_.central().audit.verify()->ok);
}

TEST_F(CentralAudit, AQuarantinedChangeHasItsOwnEntryWithAReasonCodeNotTheValue) {
  auto id = a().capture().start("d1", std::nullopt, core::Date::parse("2025-03-10").value());
  ASSERT_OK(id);
  ASSERT_OK(a().sync());
  ASSERT_OK(a().capture().set(*id, {Edit::answer("batiments.nb_wc", "3")}));
  // A damaged or hostile tablet sends text for a number; the refusal message quotes it.
  ASSERT_OK(a().replica->db().exec(std::string("UPDATE outbox SET value = 't:") + kSentinel +
                                   "' WHERE field = 'batiments.nb_wc'"));
  const std::size_t before = count();
  auto r = a().sync(false);
  ASSERT_OK(r);
  ASSERT_EQ(r->quarantined, 1u);
  const auto added = entries_after(before);
  const auto q = of_kind(added, "quarantine");
  ASSERT_EQ(q.size(), 1u);
  auto held = world_.central().conflicts.quarantine();
  ASSERT_OK(held);
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ(q[0].actor, device(a()));
  EXPECT_EQ(q[0].subject, held->front().change.id.to_string());
  EXPECT_EQ(q[0].detail, "raison=valeur_invalide quarantaine=" + std::to_string(held->front().id));
  const auto syncs = of_kind(added, "sync");
  ASSERT_FALSE(syncs.empty());
  EXPECT_NE(syncs.front().detail.find("quarantaine=1"), std::string::npos) << syncs.front().detail;
  for (const auto& e : added) EXPECT_EQ(e.detail.find(kSentinel), std::string::npos) << e.detail;
}

TEST_F(CentralAudit, ConflictResolutionsAtTheOfficeAndOnATabletAreRecorded) {
  auto id = a().capture().start("d1", std::nullopt, core::Date::parse("2025-03-10").value());
  ASSERT_OK(id);
  ASSERT_OK(a().sync());
  ASSERT_OK(b().sync());
  for (const char* field : {"batiments.nb_wc", "batiments.nb_douches"}) {
    ASSERT_OK(a().capture().set(*id, {Edit::answer(field, "3")}));
    ASSERT_OK(b().capture().set(*id, {Edit::answer(field, "5")}));
  }
  ASSERT_OK(b().sync());
  auto ra = a().sync();
  ASSERT_OK(ra);
  auto open = world_.central().conflicts.list(true);
  ASSERT_OK(open);
  ASSERT_EQ(open->size(), 2u);
  const std::size_t before = count();
  // One at the office (the loser's value), one on tablet a.
  const auto& office = open->front().record;
  ASSERT_OK(world_.central().conflicts.resolve(office.id, office.loser_value, "bureau"));
  auto mine = a().replica->conflicts();
  ASSERT_OK(mine);
  std::string on_tablet;
  for (const auto& c : *mine) {
    if (c.id != office.id) on_tablet = c.id;
  }
  ASSERT_FALSE(on_tablet.empty());
  auto tx = storage::Transaction::begin(a().replica->db());
  ASSERT_OK(tx);
  ASSERT_OK(a().replica->mark_conflict_resolved(**tx, on_tablet));
  ASSERT_OK((*tx)->commit());
  ASSERT_OK(a().sync(false));
  const auto resolutions = of_kind(entries_after(before), "conflict_resolution");
  ASSERT_EQ(resolutions.size(), 2u);
  EXPECT_EQ(resolutions[0].actor, "bureau");  // the store's default office actor
  EXPECT_EQ(resolutions[0].subject, office.id);
  EXPECT_EQ(resolutions[0].detail, "valeur=ecartee");
  EXPECT_EQ(resolutions[1].actor, device(a()));
  EXPECT_EQ(resolutions[1].subject, on_tablet);
  EXPECT_EQ(resolutions[1].detail, "depuis=tablette inspecteur=lead");
  EXPECT_TRUE(world_.central().audit.verify()->ok);
}

}  // namespace
}  // namespace carnet::testing
