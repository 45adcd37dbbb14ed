// The audit log: its hash and chain (storage/audit_log.cpp) and how the central store keeps
// it (storage/central/audit_log.cpp, central_schema.cpp): one entry per action, in the action's
// transaction; tampering behind the store's back found and the first bad entry named.
#include "storage/audit_log.hpp"

#include <gtest/gtest.h>

#include "core/dossier.hpp"
#include "storage/builtin_grids.hpp"
#include "storage/central_schema.hpp"
#include "storage/central/central.hpp"
#include "storage/grid_file.hpp"
#include "support/replica_fixture.hpp"
#include "support/status_matchers.hpp"
#include "support/temp_dir.hpp"
#include "support/test_central.hpp"

namespace carnet::testing {
namespace {

using core::StatusCode;
using storage::AuditEntry;
using storage::AuditKind;

AuditEntry sample() {
  return AuditEntry{
      1, 1'750'000'000'000, "sync", "dev", "lead", "envoyes=1", std::string(storage::kAuditGenesis),
      {}};
}

TEST(AuditHash, IsSha256OverTheLengthPrefixedFieldsAsDocumented) {
  // Computed independently (Python hashlib) from the grammar in audit_log.hpp.
  EXPECT_EQ(storage::audit_entry_hash(sample()),
            "c2bbb6495b4f9a7d63152f4aece57cf491553f59a7c42e83ab1994c5a16ee2fb");
}

TEST(AuditHash, EveryFieldCountsAndFieldBoundariesCannotMove) {
  const std::string base = storage::audit_entry_hash(sample());
  std::vector<AuditEntry> variants(8, sample());
  variants[0].seq = 2;
  variants[1].time_ms += 1;
  variants[2].kind = "quarantine";
  variants[3].actor = "dev2";
  variants[4].subject = "lead2";
  variants[5].detail = "envoyes=2";
  variants[6].prev_hash[0] = '1';
  // "dev" + "lead" and "devl" + "ead" concatenate alike; the length prefixes tell them apart.
  variants[7].actor = "devl";
  variants[7].subject = "ead";
  for (const auto& v : variants) EXPECT_NE(storage::audit_entry_hash(v), base);
  EXPECT_EQ(storage::audit_kind_from_name(storage::audit_kind_name(AuditKind::kReportExport)),
            AuditKind::kReportExport);
  EXPECT_FALSE(storage::audit_kind_from_name("nope"));
}

// A chain of n entries built by hand.
std::vector<AuditEntry> chain(int n) {
  std::vector<AuditEntry> out;
  std::string prev(storage::kAuditGenesis);
  for (int i = 1; i <= n; ++i) {
    AuditEntry e{static_cast<std::uint64_t>(i), 1000 + i, "sync", "dev", "lead",
                 "n=" + std::to_string(i),      prev,     {}};
    e.hash = storage::audit_entry_hash(e);
    prev = e.hash;
    out.push_back(e);
  }
  return out;
}

storage::AuditCheck check(const std::vector<AuditEntry>& entries,
                          std::optional<std::pair<std::uint64_t, std::string>> head) {
  storage::AuditChainChecker checker;
  for (const auto& e : entries) checker.add(e);
  return checker.finish(head);
}

TEST(AuditChain, ACleanChainEndingAtItsRecordedHeadPasses) {
  const auto c = chain(4);
  const auto r = check(c, std::make_pair(std::uint64_t{4}, c.back().hash));
  EXPECT_TRUE(r.ok) << r.problem_text();
  EXPECT_EQ(r.count, 4u);
  EXPECT_EQ(r.head_hash, c.back().hash);
  EXPECT_TRUE(check({}, std::make_pair(std::uint64_t{0}, std::string(storage::kAuditGenesis))).ok);
  EXPECT_TRUE(check({}, std::nullopt).ok);  // nothing recorded yet
}

TEST(AuditChain, AnEntryRewrittenWithAFreshHashBreaksTheLinkOfTheNextOne) {
  auto c = chain(4);
  c[1].detail = "n=99";
  c[1].hash = storage::audit_entry_hash(c[1]);
  const auto r = check(c, std::make_pair(std::uint64_t{4}, c.back().hash));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 3u);
  EXPECT_NE(r.problem_text().find("ne suit pas"), std::string::npos) << r.problem_text();
}

TEST(AuditChain, AnEntryBeyondTheRecordedHeadIsReported) {
  const auto c = chain(3);
  const auto r = check(c, std::make_pair(std::uint64_t{2}, c[1].hash));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 3u);
}

TEST(AuditChain, ANotedHeadFindsARewrittenOrShortenedLog) {
  const auto c = chain(4);
  storage::AuditChainChecker same;
  same.expect(3, c[2].hash);
  for (const auto& e : c) same.add(e);
  EXPECT_TRUE(same.finish(std::make_pair(std::uint64_t{4}, c.back().hash)).ok);
  // Cut to two entries with a matching recorded head: only the noted head shows it.
  storage::AuditChainChecker cut;
  cut.expect(3, c[2].hash);
  cut.add(c[0]);
  cut.add(c[1]);
  const auto r = cut.finish(std::make_pair(std::uint64_t{2}, c[1].hash));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 3u);
  // Rewritten from the start (another valid chain of the same length).
  auto other = chain(4);
  other[0].detail = "autre";
  other[0].hash = storage::audit_entry_hash(other[0]);
  for (std::size_t i = 1; i < other.size(); ++i) {
    other[i].prev_hash = other[i - 1].hash;
    other[i].hash = storage::audit_entry_hash(other[i]);
  }
  storage::AuditChainChecker rewritten;
  rewritten.expect(3, c[2].hash);
  for (const auto& e : other) rewritten.add(e);
  const auto w = rewritten.finish(std::make_pair(std::uint64_t{4}, other.back().hash));
  EXPECT_FALSE(w.ok);
  EXPECT_EQ(w.first_bad, 3u);
}

// The central store with the built-in grids published, one inspector and the dossiers.
class CentralAudit : public ::testing::Test {
 protected:
  void SetUp() override {
    open(storage::Database::Mode::kCreate);
    for (const auto& g : storage::builtin_grids()) {
      auto grid = storage::parse_grid(g.text, g.file_name);
      ASSERT_OK(grid);
      ASSERT_OK(store_->catalogue.publish_grid(**grid, g.text));
    }
    ASSERT_OK(store_->catalogue.add_inspector({"lead", "Inspectrice Zorglub"}));
    core::Dossier d;
    d.id = "d1";
    d.kind = "maison-accueil";
    d.name = "Maison Zorglub";
    d.reference = "RW/AHA/1";
    ASSERT_OK(store_->catalogue.import_dossiers({d}));
  }

  void open(storage::Database::Mode mode = storage::Database::Mode::kReadWrite) {
    store_.reset();
    storage::CentralOptions options;
    options.office_actor = "bureau:clerc";
    auto s = storage::open_central(central_.address(), mode, options, clock_);
    ASSERT_OK(s);
    store_ = std::move(*s);
  }
  bool sqlite() const { return !central_.postgres(); }
  // DROP TRIGGER in the store's dialect.
  std::string drop(const std::string& trigger) const {
    return "DROP TRIGGER " + trigger + (sqlite() ? ";" : " ON audit;");
  }

  std::vector<AuditEntry> entries() {
    auto all = store_->audit.entries(0);
    EXPECT_OK(all);
    return all.value_or(std::vector<AuditEntry>());
  }
  std::vector<std::string> kinds() {
    std::vector<std::string> out;
    for (const auto& e : entries()) out.push_back(e.kind);
    return out;
  }
  storage::AuditCheck verify() {
    auto r = store_->audit.verify();
    EXPECT_OK(r);
    return r.value_or(storage::AuditCheck{});
  }
  // Runs raw SQL on the file with the store closed, as someone editing it behind its back.
  void tamper(const std::string& sql) {
    store_.reset();
    {
      auto db = central_.database();
      ASSERT_OK(db);
      ASSERT_OK((*db)->exec(sql));
    }
    open();
  }
  storage::DeviceRecord device(const std::string& serial) {
    storage::DeviceRecord d;
    d.id = core::Uuid::generate(clock_.now_ms());
    d.inspector_id = "lead";
    d.name = "tablette";
    d.serial_hex = serial;
    d.fingerprint = "-";
    d.not_after = 4102444800;
    d.enrolled_ms = clock_.now_ms();
    return d;
  }

  TempDir dir_;
  TestCentral central_{dir_};
  FakeClock clock_;
  std::unique_ptr<storage::Central> store_;
};

TEST_F(CentralAudit, EveryOfficeActionAppendsOneEntryWithIdsOnly) {
  ASSERT_OK(store_->catalogue.assign("d1", "lead"));
  ASSERT_OK(store_->devices.add_enrollment_code("ab12", "lead", clock_.now_ms() + 60000));
  const auto enrolled = device("01");
  ASSERT_OK(store_->devices.enroll("ab12", clock_.now_ms(), enrolled));
  const auto added = device("02");
  ASSERT_OK(store_->devices.add(added));
  ASSERT_OK(store_->devices.revoke(added.id, clock_.now_ms()));
  ASSERT_OK(store_->catalogue.unassign("d1", "lead"));
  ASSERT_OK(store_->audit.audited({AuditKind::kReportExport, "bureau:clerc", "insp-1", "format=html"},
                            [] { return core::Status::ok_status(); }));

  const auto all = entries();
  ASSERT_EQ(all.size(), 13u);
  const std::vector<std::string> expected = {
      "grid_publish",   "grid_publish", "grid_publish",    "grid_publish", "inspector_add",
      "dossier_import", "assignment",   "enrollment_code", "enrollment",   "enrollment",
      "revocation",     "unassignment", "report_export"};
  EXPECT_EQ(kinds(), expected);
  EXPECT_EQ(all[4].actor, "bureau:clerc");
  EXPECT_EQ(all[4].subject, "lead");
  EXPECT_EQ(all[5].subject, "d1");
  EXPECT_EQ(all[6].detail, "inspecteur=lead");
  EXPECT_EQ(all[8].actor, "lead");
  EXPECT_EQ(all[8].subject, enrolled.id.to_string());
  EXPECT_EQ(all[10].subject, added.id.to_string());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, i + 1);
    EXPECT_EQ(all[i].prev_hash, i == 0 ? std::string(storage::kAuditGenesis) : all[i - 1].hash);
    // Names given to the office never reach the log.
    for (const std::string* text : {&all[i].actor, &all[i].subject, &all[i].detail}) {
      EXPECT_EQ(text->find("Zorglub"), std::string::npos) << *text;
    }
  }
  const auto r = verify();
  EXPECT_TRUE(r.ok) << r.problem_text();
  EXPECT_EQ(r.count, 13u);
  EXPECT_EQ(r.head_hash, all.back().hash);
  // The last N, oldest first.
  auto last = store_->audit.entries(2);
  ASSERT_OK(last);
  ASSERT_EQ(last->size(), 2u);
  EXPECT_EQ(last->front().seq, 12u);
}

TEST_F(CentralAudit, WhatDidNotHappenIsNotRecorded) {
  const auto before = entries().size();
  EXPECT_EQ(store_->catalogue.add_inspector({"lead", "Encore"}).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->catalogue.unassign("d1", "lead").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->devices.revoke(core::Uuid::generate(1), clock_.now_ms()).code(),
            StatusCode::kNotFound);
  EXPECT_FALSE(store_->devices.enroll("unknown", clock_.now_ms(), device("03")).ok());
  // Publishing the same grid again, assigning twice and revoking twice change nothing.
  const auto& g = storage::builtin_grids().front();
  ASSERT_OK(store_->catalogue.publish_grid(**storage::parse_grid(g.text, g.file_name), g.text));
  ASSERT_OK(store_->catalogue.assign("d1", "lead"));
  ASSERT_OK(store_->catalogue.assign("d1", "lead"));
  const auto d = device("04");
  ASSERT_OK(store_->devices.add(d));
  ASSERT_OK(store_->devices.revoke(d.id, clock_.now_ms()));
  ASSERT_OK(store_->devices.revoke(d.id, clock_.now_ms()));
  // Importing a dossier again: recorded only when it changes something.
  core::Dossier again;
  again.id = "d1";
  again.kind = "maison-accueil";
  again.name = "Maison Zorglub";
  again.reference = "RW/AHA/1";
  ASSERT_OK(store_->catalogue.import_dossiers({again}));
  EXPECT_EQ(entries().size(), before + 3);  // assignment, enrollment, revocation
  again.reference = "RW/AHA/2";
  ASSERT_OK(store_->catalogue.import_dossiers({again}));
  ASSERT_EQ(entries().size(), before + 4);
  EXPECT_EQ(entries().back().kind, "dossier_import");
  EXPECT_EQ(entries().back().detail, "champs=1");
  // An export whose writing fails leaves no entry.
  EXPECT_EQ(store_->audit
                .audited({AuditKind::kReportExport, "bureau:clerc", "i", "format=html"},
                         [] { return core::Status::io_error("stockage.database.defaillance_ecriture"); })
                .code(),
            StatusCode::kIoError);
  EXPECT_EQ(entries().size(), before + 4);
  EXPECT_TRUE(verify().ok);
}

TEST_F(CentralAudit, TriggersRefuseUpdateDeleteAndReplace) {
  store_.reset();
  auto db = central_.database();
  ASSERT_OK(db);
  for (const std::string sql :
       {"UPDATE audit SET detail = 'x' WHERE seq = 2", "DELETE FROM audit WHERE seq = 2", "DELETE FROM audit",
        sqlite() ? "INSERT OR REPLACE INTO audit SELECT * FROM audit WHERE seq = 2"
                 : "INSERT INTO audit SELECT * FROM audit WHERE seq = 2 ON CONFLICT(seq) DO UPDATE SET detail = 'x'",
        sqlite() ? "DELETE FROM audit WHERE seq > 0" : "TRUNCATE audit",
        "INSERT INTO audit(seq, time_ms, kind, actor, subject, detail, prev_hash, hash) "
        "VALUES(100, 0, 'sync', 'a', 'b', '', '', '')"}) {
    const core::Status s = (*db)->exec(sql);
    EXPECT_FALSE(s.ok()) << sql;
    EXPECT_NE(s.message().find("journal d'audit"), std::string::npos) << s.message();
  }
}

TEST_F(CentralAudit, AnEditedDetailIsFoundAtItsEntry) {
  tamper(drop("audit_no_update") + "UPDATE audit SET detail = 'version=9' WHERE seq = 3");
  const auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 3u);
  EXPECT_NE(r.problem_text().find("n° 3 modifiée"), std::string::npos) << r.problem_text();
}

TEST_F(CentralAudit, ADeletedMiddleEntryIsNamed) {
  tamper(drop("audit_no_delete") + "DELETE FROM audit WHERE seq = 3");
  const auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 3u);
  EXPECT_NE(r.problem_text().find("n° 3 manquante"), std::string::npos) << r.problem_text();
}

TEST_F(CentralAudit, ADeletedLastEntryIsFoundThroughTheRecordedHead) {
  const auto n = entries().size();
  tamper(drop("audit_no_delete") + "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)");
  const auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, n);
  EXPECT_NE(r.problem_text().find("fin du journal supprimée"), std::string::npos) << r.problem_text();
  // And the store refuses to write past the gap rather than hide it.
  EXPECT_EQ(store_->catalogue.assign("d1", "lead").code(), StatusCode::kCorruption);
}

TEST_F(CentralAudit, SwappedEntriesAreFoundAtTheFirstOfThem) {
  tamper(drop("audit_no_update") +
      "UPDATE audit SET seq = -1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 4; UPDATE "
      "audit SET seq = 4 WHERE seq = -1");
  const auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 2u);
  EXPECT_NE(r.problem_text().find("n° 2 modifiée ou déplacée"), std::string::npos) << r.problem_text();
}

TEST_F(CentralAudit, DroppedTriggersAreReportedEvenWithAnIntactChain) {
  tamper(drop("audit_no_delete"));
  const auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem_text().find("déclencheurs"), std::string::npos) << r.problem_text();
}

TEST_F(CentralAudit, ARemovedHeadIsReportedAndBlocksWriting) {
  tamper("DELETE FROM meta WHERE key = 'audit_head'");
  const auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem_text().find("tête"), std::string::npos) << r.problem_text();
  EXPECT_EQ(store_->catalogue.assign("d1", "lead").code(), StatusCode::kCorruption);
}

TEST(CentralSchema, MigratesFromEveryEarlierVersionAndStartsTheLogAtTheGenesis) {
  TempDir dir;
  for (int from = 0; from < static_cast<int>(storage::CentralSchema::kLatest); ++from) {
    const std::string path = dir.file("v" + std::to_string(from) + ".db");
    {
      auto db = storage::Database::open(path, storage::Database::Mode::kCreate);
      ASSERT_OK(db);
      ASSERT_OK(storage::migrate_central(**db, static_cast<storage::CentralSchema>(from)));
      EXPECT_EQ(storage::central_schema_version(**db).value(), from);
      if (from >= 1) {  // a store in use: an inspector and a dossier field written by the office
        ASSERT_OK((*db)->exec(
            "INSERT INTO inspectors(id, name, created_ms) VALUES('lead', 'Inspectrice', 1);"
            "INSERT INTO entities(type, id, parent, scope) VALUES('dossier', 'd1', NULL, 'd1');"
            "INSERT INTO fields(entity_type, entity_id, field, value, hlc, node, seq, author, "
            "scope) "
            "VALUES('dossier', 'd1', 'name', 't:Maison', 1, x'00000000000000000000000000000000', "
            "1, 'bureau', 'd1')"));
        // A change quarantined, and remembered for a retried push, before reasons were messages.
        ASSERT_OK((*db)->exec(
            "INSERT INTO quarantine(change_id, device, inspector, entity_type, entity_id, field, value, hlc, "
            "node, base_hlc, base_node, grid_key, grid_version, parent, scope, reason, received_ms) "
            "VALUES(x'00000000000000000000000000000001', 'dev', 'lead', 'inspection', 'i1', 'suivi', "
            "'t:aucun', 1, x'00000000000000000000000000000002', 0, x'00000000000000000000000000000000', "
            "'g', 1, 'd1', 'd1', 'ancienne raison', 5);"
            "INSERT INTO received(change_id, status, reason) "
            "VALUES(x'00000000000000000000000000000001', 3, 'ancienne raison')"));
      }
    }
    auto store = storage::open_sqlite_central(path, storage::Database::Mode::kReadWrite);
    ASSERT_OK(store);
    auto db = storage::Database::open(path, storage::Database::Mode::kReadWrite);
    ASSERT_OK(db);
    EXPECT_EQ(storage::central_schema_version(**db).value(),
              static_cast<int>(storage::CentralSchema::kLatest));
    auto check = (*store)->audit.verify();
    ASSERT_OK(check);
    EXPECT_TRUE(check->ok) << check->problem_text();
    EXPECT_EQ(check->count, 0u);
    if (from >= 1) {  // the old rows keep their text and have no message
      auto q = (*store)->conflicts.quarantine();
      ASSERT_OK(q);
      ASSERT_EQ(q->size(), 1u);
      EXPECT_EQ(q->front().reason, "ancienne raison");
      EXPECT_FALSE(q->front().reason_message.has_value());
      auto received = (*db)->prepare("SELECT count(*) FROM received WHERE reason_message IS NULL AND reason = ?1");
      ASSERT_OK(received);
      received->bind(1, "ancienne raison");
      ASSERT_TRUE(received->step().value_or(false));
      EXPECT_EQ(received->column_int(0), 1);
    }
    if (from >= 1) {
      auto who = (*store)->catalogue.inspector("lead");
      ASSERT_OK(who);
      EXPECT_TRUE(who->has_value());
      ASSERT_OK((*store)->catalogue.assign("d1", "lead"));
      auto all = (*store)->audit.entries(0);
      ASSERT_OK(all);
      ASSERT_EQ(all->size(), 1u);
      EXPECT_EQ(all->front().seq, 1u);
      EXPECT_EQ(all->front().prev_hash, storage::kAuditGenesis);
      EXPECT_TRUE((*store)->audit.verify()->ok);
    }
  }
}

TEST(CentralSchema, AnUnreadableReasonMessageIsIgnoredNotAnError) {
  TempDir dir;
  const std::string path = dir.file("central.db");
  {
    auto db = storage::Database::open(path, storage::Database::Mode::kCreate);
    ASSERT_OK(db);
    ASSERT_OK(storage::migrate_central(**db));
    ASSERT_OK((*db)->exec(
        "INSERT INTO quarantine(change_id, device, inspector, entity_type, entity_id, field, value, hlc, "
        "node, base_hlc, base_node, grid_key, grid_version, parent, scope, reason, received_ms) "
        "VALUES(x'00000000000000000000000000000001', 'dev', 'lead', 'inspection', 'i1', 'suivi', "
        "'t:aucun', 1, x'00000000000000000000000000000002', 0, x'00000000000000000000000000000000', "
        "'g', 1, 'd1', 'd1', 'raison', 5)"));
  }
  auto store = storage::open_sqlite_central(path, storage::Database::Mode::kReadWrite);
  ASSERT_OK(store);
  auto db = storage::Database::open(path, storage::Database::Mode::kReadWrite);
  ASSERT_OK(db);
  for (const std::string stored : {R"({"cle":"cle.dune.autre.version","params":{}})", "pas du JSON",
                                   R"({"cle":"stockage.central_sqlite.sans_grille","params":{}})"}) {
    auto st = (*db)->prepare("UPDATE quarantine SET reason_message = ?1");
    ASSERT_OK(st);
    ASSERT_OK(st->bind(1, stored).run());
    auto q = (*store)->conflicts.quarantine();
    ASSERT_OK(q);
    ASSERT_EQ(q->size(), 1u);
    EXPECT_EQ(q->front().reason, "raison");
    if (stored.find("sans_grille") != std::string::npos) {
      EXPECT_EQ(q->front().reason_message, core::Message("stockage.central_sqlite.sans_grille"));
    } else {
      EXPECT_FALSE(q->front().reason_message.has_value()) << stored;
    }
  }
}

}  // namespace
}  // namespace carnet::testing
