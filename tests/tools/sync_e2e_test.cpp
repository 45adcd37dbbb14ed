// End to end over real TLS on loopback: a central node process and tablets as processes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/json.hpp"
#include "support/background_process.hpp"
#include "support/central_fixture.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_secret.hpp"
#include "storage/blob_store.hpp"
#include "storage/capture.hpp"
#include "storage/central/central.hpp"
#include "storage/files.hpp"
#include "storage/key_file.hpp"
#include "sync/device_credentials.hpp"
#include "sync/http.hpp"
#include "sync/pki.hpp"

namespace carnet::testing {
namespace {

using storage::Edit;

class SyncEndToEnd : public CentralNodeTest {
 protected:
  // Every change reached the central node exactly once: the log holds each change id once
  // (a unique key), and at least the `written` changes of the devices.
  void expect_each_change_once(std::int64_t written) {
    auto db = central_database();
    ASSERT_TRUE(db);
    auto st = (*db)->prepare("SELECT count(*), count(DISTINCT change_id) FROM changes WHERE device IS NOT NULL");
    ASSERT_TRUE(st && st->step().value_or(false));
    EXPECT_EQ(st->column_int(0), st->column_int(1));
    EXPECT_GE(st->column_int(0), written);
  }
};

TEST_F(SyncEndToEnd, TwoTabletsCaptureOfflineSyncAndTheOfficeSeesOneMergedReport) {
  enroll("a", "lead");
  enroll("b", "second");
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  const core::Json started = tablet_json("a", {"inspection", "start", "--dossier", "ma-0042", "--date", "2025-03-10"});
  const std::string id = started.find("id")->as_string();
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  ASSERT_EQ(tablet("b", {"sync"}).exit_code, 0);
  // Offline on both: different sections, and one item on both.
  ASSERT_EQ(tablet("a", {"inspection", "set", id, "batiments.nb_wc=3", "accompagnateur=second"}).exit_code, 0);
  ASSERT_EQ(tablet("b", {"inspection", "set", id, "introduction.ca_hommes=4", "batiments.nb_wc=2"}).exit_code, 0);
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  const core::Json rb = tablet_json("b", {"sync"});
  ASSERT_EQ(tablet("a", {"sync", "--verify"}).exit_code, 0);
  const core::Json verified = tablet_json("b", {"sync", "--verify"});
  EXPECT_TRUE(verified.find("checksum_ok")->as_bool());

  const core::Json report = central_json({"report", id, "--format", "json"});
  std::map<std::string, std::string> values;
  for (const auto& section : report.find("sections")->as_array()) {
    for (const auto& item : section.find("items")->as_array()) {
      if (const auto* v = item.find("value"); v && !v->is_null()) values[item.find("key")->as_string()] = v->dump();
    }
  }
  EXPECT_EQ(values["introduction.ca_hommes"], "4");
  EXPECT_EQ(values["batiments.nb_wc"], "2");  // b wrote last: its value wins everywhere
  const core::Json conflicts = central_json({"conflicts", "list"});
  ASSERT_EQ(conflicts.as_array().size(), 1u);
  EXPECT_EQ(conflicts.as_array()[0].find("loser")->find("author")->as_string(), "lead");
  const core::Json mine = tablet_json("a", {"conflicts", "list"});
  ASSERT_EQ(mine.as_array().size(), 1u);
  EXPECT_EQ(mine.as_array()[0].find("mine")->dump(), "3");
  EXPECT_EQ(mine.as_array()[0].find("theirs")->dump(), "2");

  // The office keeps lead's value; both tablets get it.
  const std::string cid = conflicts.as_array()[0].find("id")->as_string();
  ASSERT_EQ(central({"conflicts", "resolve", cid, "--keep", "loser"}).exit_code, 0);
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  ASSERT_EQ(tablet("b", {"sync"}).exit_code, 0);
  for (const char* t : {"a", "b"}) {
    const core::Json show = tablet_json(t, {"inspection", "show", id});
    std::string wc;
    for (const auto& section : show.find("sections")->as_array()) {
      for (const auto& item : section.find("items")->as_array()) {
        if (item.find("key")->as_string() == "batiments.nb_wc") wc = item.find("value")->dump();
      }
    }
    EXPECT_EQ(wc, "3") << t;
  }
  const core::Json status = tablet_json("a", {"status"});
  EXPECT_EQ(status.find("pending")->number_text(), "0");
  EXPECT_EQ(status.find("conflicts")->number_text(), "0");
  (void)rb;
}

TEST_F(SyncEndToEnd, ASignedReportIsVerifiedOnArrivalAndByReportVerifyWhichFindsALaterChange) {
  enroll("a", "lead");
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  const std::string device = tablet_json("a", {"status"}).find("device_id")->as_string();
  const std::string id =
      tablet_json("a", {"inspection", "start", "--dossier", "ma-0042", "--date", "2025-03-10"}).find("id")->as_string();
  ASSERT_EQ(tablet("a", {"inspection", "set", id, "suivi=aucun", "conclusions=Bon fonctionnement.", "batiments.nb_wc=3"})
                .exit_code,
            0);
  ASSERT_EQ(tablet("a", {"inspection", "complete", id}).exit_code, 0);
  ASSERT_EQ(tablet("a", {"inspection", "sign", id}).exit_code, 0);
  const core::Json synced = tablet_json("a", {"sync"});
  EXPECT_EQ(synced.find("quarantined")->number_text(), "0") << synced.dump();

  // Verified on arrival: the office holds a signed report whose signature checks out.
  const auto verify = central({"report", "verify", id});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_NE(verify.out.find("signature vérifiée"), std::string::npos) << verify.out;
  const core::Json report = central_json({"report", id, "--format", "json"});
  EXPECT_EQ(report.find("status")->as_string(), "signed");
  const core::Json* sig = report.find("signed");
  EXPECT_EQ(sig->find("by")->as_string(), "lead");
  EXPECT_EQ(sig->find("by_name")->as_string(), "Inspecteur lead");
  EXPECT_EQ(sig->find("device")->as_string(), device);
  EXPECT_FALSE(sig->find("at")->as_string().empty());
  EXPECT_EQ(sig->find("verification")->find("state")->as_string(), "valid");
  const std::string html = central({"report", id, "--format", "html"}).out;
  EXPECT_NE(html.find("Signé par Inspecteur lead (lead)"), std::string::npos);
  EXPECT_NE(html.find("Appareil de signature : " + device), std::string::npos);
  EXPECT_NE(html.find("signature vérifiée"), std::string::npos);
  // The tablet checks it too, against the CA it pinned.
  EXPECT_EQ(tablet_json("a", {"report", id, "--format", "json"}).find("signed")->find("verification")->find("state")->as_string(),
            "valid");

  // Unknown id: 3; an unsigned inspection: 6.
  EXPECT_EQ(central({"report", "verify", "inconnue"}).exit_code, 3);
  const std::string other =
      tablet_json("a", {"inspection", "start", "--dossier", "ma-0042", "--date", "2025-03-11"}).find("id")->as_string();
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  const auto unsigned_report = central({"report", "verify", other});
  EXPECT_EQ(unsigned_report.exit_code, 6);
  EXPECT_NE(unsigned_report.err.find("n'est pas signée"), std::string::npos) << unsigned_report.err;

  // A signed answer changed behind the program's back (a raw edit of the store): verify finds it.
  {
    auto db = central_database();
    ASSERT_TRUE(db);
    const std::string sql =
        "UPDATE fields SET value = 't:Conclusions changées.' WHERE entity_id = '" + id + "' AND field = 'conclusions'";
    EXPECT_TRUE((*db)->exec(sql).ok());
    EXPECT_EQ((*db)->changes(), 1);
  }
  const auto tampered = central({"report", "verify", id});
  EXPECT_EQ(tampered.exit_code, 6);
  EXPECT_NE(tampered.err.find("signature invalide"), std::string::npos) << tampered.err;
  EXPECT_NE(central({"report", id, "--format", "html"}).out.find("signature invalide"), std::string::npos);

  // Every check is in the audit log, with codes only.
  const core::Json audit = central_json({"audit", "list"});
  std::size_t checks = 0;
  bool invalid_recorded = false;
  for (const auto& e : audit.as_array()) {
    if (e.find("kind")->as_string() != "signature_check") continue;
    ++checks;
    const std::string subject = e.find("subject")->as_string();
    EXPECT_TRUE(subject == id || subject == other) << subject;
    if (e.find("detail")->as_string().find("raison=signature_ne_correspond_pas") != std::string::npos) invalid_recorded = true;
    EXPECT_EQ(e.find("detail")->as_string().find("Conclusions"), std::string::npos);
  }
  EXPECT_GE(checks, 4u);  // on arrival (signature, status), then each verify
  EXPECT_TRUE(invalid_recorded);
}

TEST_F(SyncEndToEnd, AnAddendumAfterSignatureIsReviewedAtTheOfficeAndShownAfterTheSignature) {
  enroll("a", "lead");
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  const std::string id =
      tablet_json("a", {"inspection", "start", "--dossier", "ma-0042", "--date", "2025-03-10"}).find("id")->as_string();
  ASSERT_EQ(tablet("a", {"inspection", "set", id, "suivi=aucun"}).exit_code, 0);
  const auto early = tablet("a", {"inspection", "addendum", id, "--text", "Trop tôt."});
  EXPECT_EQ(early.exit_code, 4);
  EXPECT_NE(early.err.find("n'est pas signée"), std::string::npos) << early.err;
  ASSERT_EQ(tablet("a", {"inspection", "complete", id}).exit_code, 0);
  ASSERT_EQ(tablet("a", {"inspection", "sign", id}).exit_code, 0);
  EXPECT_EQ(tablet("a", {"inspection", "set", id, "conclusions=Après coup"}).exit_code, 4);
  const std::string text = "Complément : l'attestation incendie a été reçue le 12/03.";
  const std::string add = tablet_json("a", {"inspection", "addendum", id, "--text", text}).find("id")->as_string();
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);

  const core::Json pending = central_json({"addendum", "list"});
  ASSERT_EQ(pending.as_array().size(), 1u);
  EXPECT_EQ(pending.as_array()[0].find("id")->as_string(), add);
  EXPECT_EQ(pending.as_array()[0].find("inspection")->as_string(), id);
  EXPECT_EQ(pending.as_array()[0].find("text")->as_string(), text);
  EXPECT_EQ(central({"report", id, "--format", "html"}).out.find("ADDENDA"), std::string::npos);  // not yet accepted
  const auto accepted = central({"addendum", "accept", add});
  EXPECT_EQ(accepted.exit_code, 0) << accepted.err;
  EXPECT_NE(accepted.out.find("addendum accepté"), std::string::npos);
  EXPECT_EQ(central({"addendum", "reject", add}).exit_code, 4);
  EXPECT_EQ(central({"addendum", "accept", "inconnu"}).exit_code, 3);
  EXPECT_TRUE(central_json({"addendum", "list"}).as_array().empty());
  EXPECT_EQ(central_json({"addendum", "list", "--all"}).as_array().size(), 1u);

  const std::string html = central({"report", id, "--format", "html"}).out;
  ASSERT_NE(html.find("ADDENDA"), std::string::npos);
  EXPECT_LT(html.find("signature vérifiée"), html.find("ADDENDA"));
  EXPECT_NE(html.find("attestation incendie a été reçue"), std::string::npos);
  EXPECT_NE(html.find("ne sont pas couverts par la signature"), std::string::npos);
  EXPECT_EQ(central({"report", "verify", id}).exit_code, 0);  // the addendum did not touch the signed report
  bool audited = false;
  const core::Json audit = central_json({"audit", "list"});
  for (const auto& e : audit.as_array()) {
    if (e.find("kind")->as_string() != "addendum_review") continue;
    audited = true;
    EXPECT_EQ(e.find("subject")->as_string(), add);
    EXPECT_EQ(e.find("detail")->as_string(), "decision=acceptee inspection=" + id);
  }
  EXPECT_TRUE(audited);

  // The tablet learns the decision.
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  const auto shown = tablet("a", {"inspection", "show", id});
  EXPECT_NE(shown.out.find(add + " — "), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("accepté : " + text), std::string::npos) << shown.out;
  EXPECT_EQ(tablet_json("a", {"report", id, "--format", "json"}).find("addenda")->as_array().size(), 1u);
}

TEST_F(SyncEndToEnd, EnrollmentRefusesAWrongFingerprintAUsedCodeAndAnUnknownCode) {
  const core::Json code = central_json({"enroll", "lead"});
  auto r = tablet("x", {"enroll", "--central", url_, "--code", code.find("code")->as_string(), "--ca-fingerprint",
                        "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("empreinte"), std::string::npos) << r.err;
  r = tablet("y", {"enroll", "--central", url_, "--code", code.find("code")->as_string(), "--ca-fingerprint", fingerprint_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = tablet("z", {"enroll", "--central", url_, "--code", code.find("code")->as_string(), "--ca-fingerprint", fingerprint_});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("déjà utilisé"), std::string::npos) << r.err;
  r = tablet("w", {"enroll", "--central", url_, "--code", "AAAA-BBBB-CCCC", "--ca-fingerprint", fingerprint_});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("inconnu"), std::string::npos) << r.err;
}

TEST_F(SyncEndToEnd, HealthMetricsRefusalsAndGracefulStop) {
  enroll("a", "lead");
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  auto stranger = https_client();
  sync::HttpsClient& client = *stranger;
  auto health = client.request("GET", "/healthz", "");
  ASSERT_TRUE(health) << health.error().to_string();
  EXPECT_EQ(health->status, 200);
  // Each node counts what it served: the counters of all nodes add up to what happened.
  std::map<std::string, double> total;
  for (std::size_t k = 0; k < node_count(); ++k) {
    auto metrics = https_client(std::nullopt, node_url(k))->request("GET", "/metrics", "");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("carnet_conflicts_open 0"), std::string::npos) << metrics->body;  // the store's
    std::istringstream lines(metrics->body);
    for (std::string line; std::getline(lines, line);) {
      const auto space = line.rfind(' ');
      if (line.empty() || line[0] == '#' || space == std::string::npos) continue;
      total[line.substr(0, space)] += std::stod(line.substr(space + 1));
    }
  }
  EXPECT_EQ(total["carnet_syncs_total"], 1);
  EXPECT_EQ(total["carnet_enrollments_total"], 1);
  EXPECT_TRUE(total.contains("carnet_changes_pulled_total"));
  EXPECT_EQ(total["carnet_sync_duration_seconds_bucket{le=\"+Inf\"}"], 1);
  // Without a device certificate a sync is refused, and the server keeps serving.
  auto anonymous = client.request("POST", "/v1/sync", "");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  auto garbage = client.request("POST", "/v1/enroll", std::string("\xff\xff\xff not protobuf"));
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
  EXPECT_EQ(tablet("a", {"sync"}).exit_code, 0);
  EXPECT_EQ(stop_central(), 0);
  // With the central node gone, a sync fails cleanly and keeps the pending changes.
  const core::Json started = tablet_json("a", {"inspection", "start", "--dossier", "ma-0042"});
  const auto offline = tablet("a", {"sync"});
  EXPECT_EQ(offline.exit_code, 7) << offline.err;
  EXPECT_NE(tablet_json("a", {"status"}).find("pending")->number_text(), "0");
}

TEST_F(SyncEndToEnd, TabletKilledDuringASyncResumesWithNothingLostOrAppliedTwice) {
  enroll("a", "lead");
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  const std::string id = tablet_json("a", {"inspection", "start", "--dossier", "ma-0042"}).find("id")->as_string();
  // Many pending changes, written through the library as the command line would.
  std::int64_t written = 0;
  {
    auto key = storage::unlock_key_file(dir_.file("a") + "/carnet.key", test_secret());
    ASSERT_TRUE(key);
    auto replica = storage::Replica::open(dir_.file("a") + "/carnet.db", storage::Database::Mode::kReadWrite,
                                          core::SystemClock::instance(), *key);
    ASSERT_TRUE(replica);
    storage::Capture capture(**replica);
    for (int i = 0; i < 3000; ++i) {
      auto n = capture.set(id, {Edit::answer("batiments.nb_wc", std::to_string(i % 97)),
                                Edit::answer("batiments.nb_douches", std::to_string(i % 89)),
                                Edit::answer("introduction.ca_hommes", std::to_string(i % 83))});
      ASSERT_TRUE(n);
    }
    written = (*replica)->pending_count().value();
  }
  // Kill the sync at several points: early, and later.
  for (int delay_ms : {30, 120, 250}) {
    BackgroundProcess sync(CARNET_BIN, {"sync", "--data", dir_.file("a")});
    ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
    sync.stop(SIGKILL);
  }
  const auto final_sync = tablet("a", {"sync", "--verify"});
  ASSERT_EQ(final_sync.exit_code, 0) << final_sync.err;
  EXPECT_NE(final_sync.out.find("contenu vérifié"), std::string::npos) << final_sync.out;
  EXPECT_EQ(tablet_json("a", {"status"}).find("pending")->number_text(), "0");
  expect_each_change_once(written);
}

// A central node dies (SIGKILL) while a tablet syncs through it: the tablet's next sync goes
// through the other node (on a single node: through the node started again), and every
// change reaches the store exactly once.
TEST_F(SyncEndToEnd, ACentralNodeKilledDuringASyncLosesNothingAndTheNextSyncGoesThroughAnother) {
  enroll("a", "lead");
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  const std::string id = tablet_json("a", {"inspection", "start", "--dossier", "ma-0042"}).find("id")->as_string();
  std::int64_t written = 0;
  {
    auto key = storage::unlock_key_file(dir_.file("a") + "/carnet.key", test_secret());
    ASSERT_TRUE(key);
    auto replica = storage::Replica::open(dir_.file("a") + "/carnet.db", storage::Database::Mode::kReadWrite,
                                          core::SystemClock::instance(), *key);
    ASSERT_TRUE(replica);
    storage::Capture capture(**replica);
    for (int i = 0; i < 3000; ++i) {
      ASSERT_TRUE(
          capture.set(id, {Edit::answer("batiments.nb_wc", std::to_string(i % 97)),
                           Edit::answer("introduction.ca_hommes", std::to_string(i % 83))}));
    }
    written = (*replica)->pending_count().value();
  }
  // The node serving the sync dies in the middle of it.
  std::optional<std::size_t> victim;
  {
    BackgroundProcess sync(CARNET_BIN, {"sync", "--data", dir_.file("a")});
    for (int i = 0; i < 400 && !victim; ++i) {
      victim = node_serving();
      if (!victim) ::usleep(5 * 1000);
    }
    ASSERT_TRUE(victim) << "no central node was serving the sync";
    ::usleep(50 * 1000);  // pages pushed and applied, others still to come
    stop_node(*victim, SIGKILL);
    sync.stop(0, std::chrono::seconds(60));  // its end: it failed, or went on through another node
  }
  if (!several_nodes()) {  // else the dead node stays dead
    ASSERT_NO_FATAL_FAILURE(start_node(0));
  }
  const auto next = tablet("a", {"sync", "--verify"});
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_NE(next.out.find("contenu vérifié"), std::string::npos) << next.out;
  EXPECT_EQ(tablet_json("a", {"status"}).find("pending")->number_text(), "0");
  expect_each_change_once(written);
}

TEST_F(SyncEndToEnd, WatchKeepsTryingWhileOfflineAndSyncsWhenTheCentralNodeIsBack) {
  enroll("a", "lead");
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  ASSERT_EQ(stop_central(), 0);
  ASSERT_EQ(tablet("a", {"inspection", "start", "--dossier", "ma-0042"}).exit_code, 0);
  BackgroundProcess watch(CARNET_BIN, {"sync", "--watch", "--data", dir_.file("a")});
  ::usleep(1500 * 1000);  // a failed attempt or two, backing off
  EXPECT_NE(tablet_json("a", {"status"}).find("pending")->number_text(), "0");
  ASSERT_NO_FATAL_FAILURE(start_central());  // on the same ports
  bool synced = false;
  for (int i = 0; i < 100 && !synced; ++i) {  // the backoff is at most a few seconds here
    ::usleep(200 * 1000);
    synced = tablet_json("a", {"status"}).find("pending")->number_text() == "0";
  }
  EXPECT_TRUE(synced) << "sync --watch did not sync after the central node came back";
  EXPECT_EQ(watch.stop(SIGTERM), 0);
}

TEST_F(SyncEndToEnd, PhotosFollowTheDataToTheCentralNodeAndTheOtherTablet) {
  enroll("a", "lead");
  enroll("b", "second");
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  const std::string id = tablet_json("a", {"inspection", "start", "--dossier", "ma-0042"}).find("id")->as_string();
  ASSERT_EQ(tablet("a", {"inspection", "set", id, "batiments.photos[+].legende=Sanitaires du 1er étage"}).exit_code, 0);
  std::string bytes(3 * 1024 * 1024 + 17, '\0');  // more than one chunk
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
  const std::string photo = dir_.file("photo.jpg");
  std::ofstream(photo, std::ios::binary) << bytes;
  const core::Json attached = tablet_json("a", {"inspection", "attach", id, "batiments.photos[1].photo", photo});
  const std::string sha = attached.find("sha256")->as_string();
  const core::Json pushed = tablet_json("a", {"sync"});
  EXPECT_EQ(pushed.find("blobs_uploaded")->number_text(), "1");
  std::ifstream central_copy(central_dir_ + "/blobs/" + sha, std::ios::binary);
  std::stringstream central_bytes;
  central_bytes << central_copy.rdbuf();
  EXPECT_EQ(central_bytes.str(), bytes);
  const core::Json pulled = tablet_json("b", {"sync"});
  EXPECT_EQ(pulled.find("blobs_downloaded")->number_text(), "1");
  // On the tablets the photo is sealed: not on the card in clear, and whole once opened.
  for (const char* t : {"a", "b"}) {
    std::ifstream copy(dir_.file(t) + "/blobs/" + sha, std::ios::binary);
    std::stringstream on_disk;
    on_disk << copy.rdbuf();
    EXPECT_EQ(on_disk.str().find(bytes.substr(1000, 64)), std::string::npos) << t;
    auto key = storage::unlock_key_file(dir_.file(t) + "/carnet.key", test_secret());
    ASSERT_TRUE(key);
    storage::BlobStore store(dir_.file(t) + "/blobs", 32u << 20, *key);
    EXPECT_EQ(store.read(sha, 0, bytes.size()).value_or(""), bytes) << t;
  }
  // Nothing left to move: the next sync transfers nothing.
  const core::Json again = tablet_json("b", {"sync"});
  EXPECT_EQ(again.find("blobs_downloaded")->number_text(), "0");
}

TEST_F(SyncEndToEnd, RevokedTabletIsRefusedAndErasesItsData) {
  enroll("a", "lead");
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  ASSERT_EQ(tablet("a", {"inspection", "start", "--dossier", "ma-0042"}).exit_code, 0);
  const core::Json devices = central_json({"device", "list"});
  ASSERT_EQ(devices.as_array().size(), 1u);
  const std::string device = devices.as_array()[0].find("id")->as_string();
  ASSERT_EQ(central({"device", "revoke", device}).exit_code, 0);
  const auto r = tablet("a", {"sync"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("révoqué"), std::string::npos) << r.err;
  EXPECT_EQ(tablet_json("a", {"dossier", "list"}).as_array().size(), 0u);
  EXPECT_EQ(tablet_json("a", {"inspection", "list"}).as_array().size(), 0u);
  EXPECT_EQ(tablet_json("a", {"status"}).find("pending")->number_text(), "0");
  EXPECT_FALSE(std::filesystem::exists(dir_.file("a") + "/device.key"));
  EXPECT_TRUE(central_json({"device", "list"}).as_array()[0].find("revoked")->as_bool());
  // Without its key the tablet cannot even try again.
  EXPECT_NE(tablet("a", {"sync"}).exit_code, 0);
}

// No personal data in logs, metrics or the audit log: a resident's name typed on a tablet
// (in a remark, a person met and text answers) reaches the central node's report and
// nothing else that is kept or shown outside it.
TEST_F(SyncEndToEnd, AResidentNameReachesTheReportButNoLogMetricAuditEntryOrSyncOutput) {
  const std::string sentinel = "Zorglub-Sentinelle-7731";
  // A central node whose standard error is kept for inspection.
  ASSERT_EQ(stop_central(), 0);
  const std::string server_err = dir_.file("serve-stderr.log");
  ASSERT_NO_FATAL_FAILURE(start_central(server_err));

  enroll("a", "lead");
  std::string tablet_out;  // every output of sync and status on the tablet
  auto keep = [&](const ProcessResult& r) {
    tablet_out += r.out + r.err;
    return r.exit_code;
  };
  ASSERT_EQ(keep(tablet("a", {"sync"})), 0);
  const std::string id = tablet_json("a", {"inspection", "start", "--dossier", "ma-0042"}).find("id")->as_string();
  ASSERT_EQ(tablet("a", {"inspection", "set", id, "remarques.batiments=Chambre de " + sentinel + " humide",
                         "personnes[+].nom=" + sentinel, "introduction.president=" + sentinel,
                         "introduction.description=Résident " + sentinel + " rencontré"})
                .exit_code,
            0);
  ASSERT_EQ(keep(tablet("a", {"status"})), 0);
  ASSERT_EQ(keep(tablet("a", {"status", "--json"})), 0);
  ASSERT_EQ(keep(tablet("a", {"sync"})), 0);
  ASSERT_EQ(keep(tablet("a", {"sync", "--verify", "--json"})), 0);
  ASSERT_EQ(keep(tablet("a", {"status"})), 0);
  ASSERT_EQ(keep(tablet("a", {"status", "--json"})), 0);

  // It did reach the central node: the report holds it (so this test can fail).
  const auto report = central({"report", id, "--format", "json"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find(sentinel), std::string::npos);
  const auto shown = central({"inspection", "show", id});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find(sentinel), std::string::npos);

  auto stranger = https_client();
  sync::HttpsClient& client = *stranger;
  auto metrics = client.request("GET", "/metrics", "");
  ASSERT_TRUE(metrics) << metrics.error().to_string();
  EXPECT_NE(metrics->body.find("carnet_changes_applied_total"), std::string::npos) << metrics->body;

  const auto audit_json = central({"audit", "list", "--json"});
  const auto audit_text = central({"audit", "list"});
  ASSERT_EQ(audit_json.exit_code, 0) << audit_json.err;
  ASSERT_EQ(audit_text.exit_code, 0) << audit_text.err;
  const auto entries = core::Json::parse(audit_json.out);
  ASSERT_TRUE(entries) << audit_json.out;
  std::set<std::string> kinds;
  for (const auto& e : entries->as_array()) kinds.insert(e.find("kind")->as_string());
  for (const char* kind : {"sync", "enrollment", "report_export"}) EXPECT_TRUE(kinds.contains(kind)) << kind << "\n" << audit_text.out;
  // Both reads of the report by the office are recorded, with the inspection's id.
  EXPECT_NE(audit_text.out.find("report_export\tbureau:"), std::string::npos) << audit_text.out;
  EXPECT_NE(audit_text.out.find(id + "\tformat=json vers=sortie"), std::string::npos) << audit_text.out;
  EXPECT_NE(audit_text.out.find(id + "\tformat=json via=inspection_show"), std::string::npos) << audit_text.out;
  const auto verified = central({"audit", "verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;

  ASSERT_EQ(stop_central(), 0);
  const std::string server_out = central_output();
  std::stringstream server_log;
  for (std::size_t k = 0; k < node_count(); ++k) {
    std::ifstream err_file(k == 0 ? server_err : server_err + "." + std::to_string(k));
    server_log << err_file.rdbuf();
  }
  EXPECT_NE(server_log.str().find("arrêt demandé"), std::string::npos) << "standard error not captured: " << server_log.str();

  const std::pair<const char*, std::string> outputs[] = {
      {"central stdout", server_out},
      {"central stderr", server_log.str()},
      {"/metrics", metrics->body},
      {"audit list --json", audit_json.out + audit_json.err},
      {"audit list", audit_text.out + audit_text.err},
      {"audit verify", verified.out + verified.err},
      {"tablet sync and status", tablet_out},
  };
  for (const auto& [what, text] : outputs) {
    EXPECT_EQ(text.find(sentinel), std::string::npos) << what << ":\n" << text;
    EXPECT_EQ(text.find("Zorglub"), std::string::npos) << what;
  }
}

TEST_F(SyncEndToEnd, CertificateNearExpiryIsRenewedDuringAPlainSyncAndTheReplacedOneIsRefused) {
  constexpr std::int64_t kDay = 24 * 3600;
  enroll("a", "lead");
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  // 80 of its 90 days gone.
  const sync::Credentials near = give_certificate("a", {now_s() - 80 * kDay, now_s() + 10 * kDay}, true);
  const auto near_info = sync::inspect_certificate(near.cert_pem).value();
  EXPECT_NE(tablet("a", {"status"}).out.find(core::iso_timestamp(near_info.not_after * 1000)), std::string::npos);

  const auto r = tablet("a", {"sync"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("certificat de la tablette renouvelé"), std::string::npos) << r.out;
  const auto renewed = sync::inspect_certificate(certificate_of("a")).value();
  EXPECT_NE(renewed.serial_hex, near_info.serial_hex);
  EXPECT_EQ(renewed.common_name, near_info.common_name);
  EXPECT_GT(renewed.not_after, now_s() + 89 * kDay);
  EXPECT_EQ(tablet_json("a", {"status"}).find("certificate_expires")->as_string(),
            core::iso_timestamp(renewed.not_after * 1000));
  // The central node switches when the tablet first presents the new certificate.
  EXPECT_EQ(recorded_fingerprint(), near_info.fingerprint);
  const core::Json again = tablet_json("a", {"sync"});
  EXPECT_FALSE(again.find("certificate_renewed")->as_bool());
  EXPECT_EQ(recorded_fingerprint(), renewed.fingerprint);
  EXPECT_EQ(central_json({"device", "list"}).as_array()[0].find("certificate_expires")->as_string(),
            core::iso_timestamp(renewed.not_after * 1000));

  // From then on the replaced certificate is refused.
  const std::string current_key = sync::read_private_key_file(dir_.file("a") + "/device.key", files_of("a").seal).value();
  const std::string current_cert = certificate_of("a");
  ASSERT_TRUE(sync::install_device_credentials(files_of("a"), near.key_pem, near.cert_pem).ok());
  const auto refused = tablet("a", {"sync"});
  EXPECT_EQ(refused.exit_code, 4);
  EXPECT_NE(refused.err.find("remplacé"), std::string::npos) << refused.err;
  ASSERT_TRUE(sync::install_device_credentials(files_of("a"), current_key, current_cert).ok());
  EXPECT_EQ(tablet("a", {"sync"}).exit_code, 0);
}

TEST_F(SyncEndToEnd, ExpiredCertificateIsRefusedClearlyAndPendingChangesArePushedAfterEnrollingAgain) {
  constexpr std::int64_t kDay = 24 * 3600;
  enroll("a", "lead");
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  const core::Json started = tablet_json("a", {"inspection", "start", "--dossier", "ma-0042", "--date", "2025-03-10"});
  const std::string id = started.find("id")->as_string();
  ASSERT_EQ(tablet("a", {"inspection", "set", id, "batiments.nb_wc=3"}).exit_code, 0);
  const std::string pending = tablet_json("a", {"status"}).find("pending")->number_text();
  ASSERT_NE(pending, "0");

  const std::int64_t expired_at = now_s() - kDay;
  give_certificate("a", {now_s() - 90 * kDay, expired_at}, false);
  const auto r = tablet("a", {"sync"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const std::string day = core::Date::from_days(expired_at / kDay)->french();
  EXPECT_NE(r.err.find("le certificat de cette tablette a expiré le " + day +
                       " : réinscrivez-la avec carnet enroll (les modifications en attente sont conservées)"),
            std::string::npos)
      << r.err;
  const auto j = tablet("a", {"sync", "--json"});
  EXPECT_NE(j.exit_code, 0);
  EXPECT_NE(j.out.find("failed_precondition"), std::string::npos) << j.out;
  EXPECT_NE(tablet("a", {"status"}).out.find("a expiré le " + day), std::string::npos);
  EXPECT_EQ(tablet_json("a", {"status"}).find("pending")->number_text(), pending);
  EXPECT_EQ(central_json({"inspection", "list"}).as_array().size(), 0u);

  // A new one-time code on the same node: the replica and its pending changes stay.
  enroll("a", "lead");
  EXPECT_EQ(tablet_json("a", {"status"}).find("pending")->number_text(), pending);
  EXPECT_EQ(tablet_json("a", {"inspection", "list"}).as_array().size(), 1u);
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  EXPECT_EQ(tablet_json("a", {"status"}).find("pending")->number_text(), "0");
  const core::Json inspections = central_json({"inspection", "list"});
  ASSERT_EQ(inspections.as_array().size(), 1u);
  EXPECT_EQ(inspections.as_array()[0].find("id")->as_string(), id);
  EXPECT_EQ(central_json({"device", "list"}).as_array().size(), 1u);  // the same device
}

}  // namespace
}  // namespace carnet::testing
