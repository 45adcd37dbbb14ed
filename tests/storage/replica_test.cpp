#include "storage/replica.hpp"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "storage/replica_schema.hpp"
#include "support/replica_fixture.hpp"

namespace carnet::testing {
namespace {

using core::StatusCode;
using storage::Edit;
using storage::NewRow;

// Everything that a write may touch, to compare before and after a failed operation.
struct Snapshot {
  std::vector<std::string> rows;
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

Snapshot snapshot(storage::Database& db) {
  Snapshot s;
  for (const char* sql : {"SELECT entity_type || '|' || entity_id || '|' || field || '|' || coalesce(value, '-') || '|' || hlc FROM fields ORDER BY 1",
                          "SELECT entity_type || '|' || entity_id || '|' || field || '|' || coalesce(value, '-') FROM outbox ORDER BY seq",
                          "SELECT type || '|' || id FROM entities ORDER BY 1"}) {
    auto st = db.prepare(sql);
    EXPECT_OK(st);
    while (st->step().value_or(false)) s.rows.push_back(st->column_text(0));
  }
  return s;
}

// The invariant tying data to outbox: the last outbox change of every locally written
// field holds exactly the field's current value and version.
void expect_outbox_matches_fields(storage::Database& db) {
  auto st = db.prepare(
      "SELECT count(*) FROM fields f WHERE f.entity_type <> 'dossier' AND NOT EXISTS ("
      " SELECT 1 FROM outbox o WHERE o.entity_type = f.entity_type AND o.entity_id = f.entity_id AND o.field = f.field"
      " AND o.hlc = f.hlc AND o.node = f.node AND o.value IS f.value"
      " AND o.seq = (SELECT max(seq) FROM outbox o2 WHERE o2.entity_type = f.entity_type AND o2.entity_id = f.entity_id"
      " AND o2.field = f.field))");
  ASSERT_OK(st);
  ASSERT_TRUE(st->step().value_or(false));
  EXPECT_EQ(st->column_int(0), 0) << "fields without their outbox change";
  auto orphans = db.prepare(
      "SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM fields f WHERE f.entity_type = o.entity_type"
      " AND f.entity_id = o.entity_id AND f.field = o.field AND f.hlc >= o.hlc)");
  ASSERT_OK(orphans);
  ASSERT_TRUE(orphans->step().value_or(false));
  EXPECT_EQ(orphans->column_int(0), 0) << "outbox changes without their data";
}

using ReplicaStore = ReplicaTest;

TEST_F(ReplicaStore, LocalWriteAppendsOneChangePerFieldWithBaseVersion) {
  const std::string id = start();
  auto before = replica_->pending_count();
  ASSERT_OK(before);
  ASSERT_OK(capture().set(id, {Edit::answer("s.places", "20"), Edit::answer("s.nuits", "5000")}));
  auto after = replica_->pending_count();
  EXPECT_EQ(*after - *before, 3);  // two answers and the status (draft -> in progress)
  ASSERT_OK(capture().set(id, {Edit::answer("s.places", "21")}));
  auto changes = replica_->pending_changes(1000);
  ASSERT_OK(changes);
  const core::Change& last = changes->back().change;
  EXPECT_EQ(last.field, "s.places");
  EXPECT_EQ(last.value.as_number(), core::Number::integer(21));
  EXPECT_FALSE(last.base.is_zero());
  EXPECT_LT(last.base, last.version);
  EXPECT_EQ(last.grid_key, "mini");
  EXPECT_EQ(last.grid_version, 1);
  expect_outbox_matches_fields(replica_->db());
}

TEST_F(ReplicaStore, WritingTheSameValueAgainChangesNothing) {
  const std::string id = start();
  ASSERT_OK(capture().set(id, {Edit::answer("s.places", "20")}));
  const auto before = replica_->pending_count().value();
  auto n = capture().set(id, {Edit::answer("s.places", "20")});
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ(replica_->pending_count().value(), before);
}

TEST_F(ReplicaStore, InjectedFailureAtAnyStepLeavesDataAndOutboxUntouched) {
  const std::string id = start();
  ASSERT_OK(capture().set(id, {Edit::answer("s.places", "20")}));
  // Fail the 1st, 2nd, ... statement of a multi-field write until one succeeds: every
  // failure must leave the database exactly as it was.
  bool succeeded = false;
  for (int n = 1; n < 200 && !succeeded; ++n) {
    const Snapshot before = snapshot(replica_->db());
    replica_->db().fail_after(n);
    auto r = capture().set(
        id, {Edit::answer("s.places", "30"), Edit::answer("s.nuits", "7000"),
             Edit::answer("s.note", "texte"), Edit::cell("s.personnel", NewRow{1}, "nom", "A"),
             Edit::cell("s.personnel", NewRow{1}, "etp", "0,5")});
    replica_->db().fail_after(0);
    if (r) {
      succeeded = true;
      break;
    }
    EXPECT_EQ(r.error().code(), StatusCode::kIoError) << r.error().to_string();
    EXPECT_EQ(snapshot(replica_->db()), before) << "partial write after failure at step " << n;
  }
  EXPECT_TRUE(succeeded);
  auto view = capture().load(id);
  ASSERT_OK(view);
  EXPECT_EQ(view->field("s.places").as_number(), core::Number::integer(30));
  EXPECT_EQ(view->table("s.personnel").size(), 1u);
  expect_outbox_matches_fields(replica_->db());
}

TEST_F(ReplicaStore, KilledProcessLeavesBothOrNeitherAndKeepsAcknowledgedWrites) {
  const std::string id = start();
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child writes as fast as it can and reports every acknowledged value.
    ::close(pipe_fds[0]);
    auto r = storage::Replica::open(path(), storage::Database::Mode::kReadWrite);
    if (!r) ::_exit(3);
    storage::Capture cap(**r);
    for (int v = 1;; ++v) {
      if (!cap.set(id, {Edit::answer("s.nuits", std::to_string(v)),
                        Edit::answer("s.note", "n" + std::to_string(v))}))
        ::_exit(4);
      if (::write(pipe_fds[1], &v, sizeof v) != sizeof v) ::_exit(5);
    }
  }
  ::close(pipe_fds[1]);
  int acknowledged = 0;
  int v = 0;
  while (acknowledged < 300 && ::read(pipe_fds[0], &v, sizeof v) == sizeof v) acknowledged = v;
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  while (::read(pipe_fds[0], &v, sizeof v) == sizeof v) acknowledged = v;  // drain what was reported
  ::close(pipe_fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);

  reopen();
  auto check = replica_->db().prepare("PRAGMA integrity_check");
  ASSERT_OK(check);
  ASSERT_TRUE(check->step().value_or(false));
  EXPECT_EQ(check->column_text(0), "ok");
  expect_outbox_matches_fields(replica_->db());
  auto view = capture().load(id);
  ASSERT_OK(view);
  const auto nights = view->field("s.nuits").as_number().numerator();
  EXPECT_GE(nights, acknowledged) << "an acknowledged write was lost";
  EXPECT_EQ(view->field("s.note").as_text(), "n" + std::to_string(nights)) << "two fields of one write disagree";
}

TEST_F(ReplicaStore, ClockNeverGoesBackAcrossRestartsEvenIfTheWallClockDoes) {
  const std::string id = start();
  ASSERT_OK(capture().set(id, {Edit::answer("s.places", "1")}));
  const core::Version first = replica_->pending_changes(1000)->back().change.version;
  clock_.advance(-3'600'000);  // the tablet's clock is set back an hour
  reopen();
  ASSERT_OK(capture().set(id, {Edit::answer("s.places", "2")}));
  const core::Version second = replica_->pending_changes(1000)->back().change.version;
  EXPECT_GT(second.hlc, first.hlc);
}

TEST_F(ReplicaStore, GridVersionIsImmutableOnceInstalled) {
  auto grid = storage::parse_grid(kMiniGridText, "mini");
  ASSERT_OK(grid);
  auto tx = storage::Transaction::begin(replica_->db());
  ASSERT_OK(tx);
  EXPECT_OK(replica_->install_grid(**tx, **grid, kMiniGridText));  // identical: fine
  const std::string changed = std::string(kMiniGridText) + "\n# changed\n";
  EXPECT_EQ(replica_->install_grid(**tx, **grid, changed).code(), StatusCode::kAlreadyExists);
}

TEST_F(ReplicaStore, InitialiseTwiceIsRefused) {
  auto tx = storage::Transaction::begin(replica_->db());
  ASSERT_OK(tx);
  EXPECT_EQ(replica_->initialise(**tx, "x", "y").code(), StatusCode::kAlreadyExists);
}

class ReplicaFile : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(ReplicaFile, MigratesFromEveryEarlierVersion) {
  for (int from = 0; from < static_cast<int>(storage::ReplicaSchema::kLatest); ++from) {
    const std::string path = dir_.file("v" + std::to_string(from) + ".db");
    {
      auto db = storage::Database::open(path, storage::Database::Mode::kCreate);
      ASSERT_OK(db);
      ASSERT_OK(storage::migrate_replica(**db, static_cast<storage::ReplicaSchema>(from)));
      EXPECT_EQ(storage::replica_schema_version(**db).value(), from);
      if (from >= 1) {
        ASSERT_OK((*db)->exec("INSERT INTO meta(key, value) VALUES('marker', 'kept')"));
      }
      if (from == 1) {  // entities and a pending change written before scopes existed
        ASSERT_OK((*db)->exec(
            "INSERT INTO entities(type, id, parent) VALUES('dossier', 'd', NULL), ('inspection', 'i', 'd'), ('row', 'r', 'i');"
            "INSERT INTO outbox(change_id, entity_type, entity_id, field, value, hlc, node, base_hlc, base_node) "
            "VALUES(x'00', 'row', 'r', 'c.nom', 't:A', 1, x'00', 0, x'00')"));
      }
      if (from >= 2) {  // a refusal told by the central node before reasons were messages
        ASSERT_OK((*db)->exec(
            "INSERT INTO quarantined(change_id, entity_type, entity_id, field, value, reason, at) "
            "VALUES(x'00000000000000000000000000000001', 'inspection', 'i', 'suivi', 't:aucun', "
            "'ancienne raison', 7)"));
      }
    }
    auto replica = storage::Replica::open(path, storage::Database::Mode::kReadWrite);
    ASSERT_OK(replica);
    EXPECT_EQ(storage::replica_schema_version((*replica)->db()).value(), static_cast<int>(storage::ReplicaSchema::kLatest));
    if (from >= 1) {
      auto st = (*replica)->db().prepare("SELECT value FROM meta WHERE key = 'marker'");
      ASSERT_TRUE(st->step().value_or(false));
      EXPECT_EQ(st->column_text(0), "kept");
    }
    if (from == 1) {  // kSync gave every entity and pending change its dossier
      auto st = (*replica)->db().prepare(
          "SELECT group_concat(type || '=' || scope, ' ') FROM (SELECT type, scope FROM entities ORDER BY type)");
      ASSERT_TRUE(st->step().value_or(false));
      EXPECT_EQ(st->column_text(0), "dossier=d inspection=d row=d");
      auto out = (*replica)->db().prepare("SELECT parent || '/' || scope FROM outbox");
      ASSERT_TRUE(out->step().value_or(false));
      EXPECT_EQ(out->column_text(0), "i/d");
    }
    if (from >= 2) {  // kept with its text, without a message
      auto notices = (*replica)->quarantined();
      ASSERT_OK(notices);
      ASSERT_EQ(notices->size(), 1u);
      EXPECT_EQ(notices->front().reason, "ancienne raison");
      EXPECT_FALSE(notices->front().reason_message.has_value());
    }
  }
}

TEST_F(ReplicaStore, AQuarantineNoticeKeepsItsTextAndItsMessage) {
  const core::Message why("stockage.central_sqlite.hors_perimetre", {{"dossier", "d9"}});
  storage::QuarantineNotice with{core::Uuid::generate(1), "inspection", "i1", "suivi", core::Value::text("aucun"),
                                 why.render(), why, 10};
  storage::QuarantineNotice without{core::Uuid::generate(2), "inspection", "i1", "statut", core::Value(),
                                    "texte seul", std::nullopt, 20};
  {
    auto tx = storage::Transaction::begin(replica_->db());
    ASSERT_OK(tx);
    ASSERT_OK(replica_->add_quarantined(**tx, with));
    ASSERT_OK(replica_->add_quarantined(**tx, without));
    ASSERT_OK((*tx)->commit());
  }
  auto notices = replica_->quarantined();
  ASSERT_OK(notices);
  ASSERT_EQ(notices->size(), 2u);
  EXPECT_EQ((*notices)[0].reason, "dossier « d9 » hors du périmètre de l'appareil");
  EXPECT_EQ((*notices)[0].reason_message, std::optional<core::Message>(why));
  EXPECT_EQ((*notices)[1].reason, "texte seul");
  EXPECT_FALSE((*notices)[1].reason_message.has_value());
  // A message this program cannot read is dropped, never an error: the text stays.
  ASSERT_OK(replica_->db().exec("UPDATE quarantined SET reason_message = '{\"cle\":\"cle.inconnue\"}'"));
  notices = replica_->quarantined();
  ASSERT_OK(notices);
  ASSERT_EQ(notices->size(), 2u);
  EXPECT_FALSE((*notices)[0].reason_message.has_value());
  EXPECT_EQ((*notices)[0].reason, "dossier « d9 » hors du périmètre de l'appareil");
}

TEST_F(ReplicaFile, RefusesAFileFromANewerCarnet) {
  const std::string path = dir_.file("new.db");
  {
    auto db = storage::Database::open(path, storage::Database::Mode::kCreate);
    ASSERT_OK(db);
    ASSERT_OK((*db)->exec("PRAGMA user_version = 999"));
  }
  auto replica = storage::Replica::open(path, storage::Database::Mode::kReadWrite);
  ASSERT_FALSE(replica);
  EXPECT_EQ(replica.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(replica.error().message().find("plus récente"), std::string::npos);
}

TEST_F(ReplicaFile, CorruptFileIsReportedAsCorruption) {
  const std::string path = dir_.file("corrupt.db");
  std::ofstream(path) << std::string(8192, 'x');
  auto replica = storage::Replica::open(path, storage::Database::Mode::kReadWrite);
  ASSERT_FALSE(replica);
  EXPECT_EQ(replica.error().code(), StatusCode::kCorruption) << replica.error().to_string();
}

TEST_F(ReplicaFile, LockedDatabaseIsReportedAsBusy) {
  const std::string path = dir_.file("locked.db");
  auto replica = storage::Replica::open(path, storage::Database::Mode::kCreate);
  ASSERT_OK(replica);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto tx = storage::Transaction::begin((*replica)->db());
  EXPECT_FALSE(tx);
  if (!tx) {
    EXPECT_EQ(tx.error().code(), StatusCode::kBusy) << tx.error().to_string();
  }
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
}

}  // namespace
}  // namespace carnet::testing

namespace carnet::testing {
namespace {

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST_F(ReplicaStore, AnEvictedDossierIsErasedFromTheFileNotJustUnlinked) {
  // Without encryption the bytes are readable, which is what lets this test see them go.
  const std::string sentinel = "Zorglub-Sentinelle-7731";
  core::Dossier d;
  d.id = "d-2";
  d.kind = "mini";
  d.name = "Maison " + sentinel;
  d.reference = "RW/AHA/002";
  ASSERT_OK(capture().import_dossiers({d}));
  ASSERT_OK(replica_->checkpoint());
  ASSERT_NE(file_bytes(path()).find(sentinel), std::string::npos);
  auto tx = storage::Transaction::begin(replica_->db());
  ASSERT_OK(tx);
  ASSERT_OK(replica_->evict(**tx, "d-2"));
  ASSERT_OK((*tx)->commit());
  ASSERT_OK(replica_->checkpoint());
  EXPECT_EQ(file_bytes(path()).find(sentinel), std::string::npos);
  EXPECT_EQ(file_bytes(path() + "-wal").find(sentinel), std::string::npos);
  EXPECT_NE(file_bytes(path()).find("Maison test"), std::string::npos);  // d-1 stays
}

}  // namespace
}  // namespace carnet::testing
