// Sync between tablets and the central node through the in-process transport: merging,
// conflicts, quarantine, eviction and faults (the randomized convergence test: convergence_test.cpp).
#include "sync/tablet_sync.hpp"

#include <algorithm>
#include <set>

#include "carnet/v1/sync.pb.h"
#include "core/inspection.hpp"
#include "storage/sha256.hpp"
#include "sync/pki.hpp"
#include "support/sync_fixture.hpp"

namespace carnet::testing {
namespace {

using core::Value;
using storage::Edit;
using storage::NewRow;

class Sync : public TwoTabletTest {
 protected:
  // a and b set batiments.nb_wc of `inspection` to 3 and 5 offline and sync (b first); a
  // then settles the conflict with its own value, 3, as `carnet conflicts resolve` does.
  storage::ConflictRecord settle_a_conflict_on_a(const std::string& inspection) {
    EXPECT_OK(a().capture().set(inspection, {Edit::answer("batiments.nb_wc", "3")}));
    EXPECT_OK(b().capture().set(inspection, {Edit::answer("batiments.nb_wc", "5")}));
    EXPECT_OK(b().sync());
    EXPECT_OK(a().sync());
    const auto conflict = a().replica->conflicts()->front();
    EXPECT_OK(a().settle(conflict, conflict.loser_value));
    return conflict;
  }
};

TEST_F(Sync, TabletsReceiveTheirDossiersAndTheGrids) {
  auto d = a().capture().dossier("d1");
  ASSERT_OK(d);
  EXPECT_EQ(d->name, "Maison d1");
  auto grids = a().replica->grids();
  ASSERT_OK(grids);
  EXPECT_EQ(grids->size(), 4u);
}

TEST_F(Sync, NoOpSyncIsOneRequest) {
  const int before = a().transport->requests();
  auto r = a().sync(false);
  ASSERT_OK(r);
  EXPECT_EQ(a().transport->requests() - before, 1);
  EXPECT_EQ(r->pushed, 0u);
}

TEST_F(Sync, DifferentSectionsMergeCleanly) {
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(
      id, {Edit::answer("batiments.nb_wc", "3"), Edit::answer("remarques.batiments", "RAS")}));
  ASSERT_OK(b().capture().set(id, {Edit::answer("introduction.ca_hommes", "4"),
                                   Edit::cell("personnes", NewRow{1}, "nom", "Mme Dubois")}));
  ASSERT_OK(a().sync());
  ASSERT_OK(b().sync());
  auto ra = a().sync();
  ASSERT_OK(ra);
  EXPECT_EQ(ra->checksum_ok, std::optional<bool>(true));
  for (Tablet* t : {&a(), &b()}) {
    EXPECT_EQ(field(*t, id, "batiments.nb_wc").as_number(), core::Number::integer(3));
    EXPECT_EQ(field(*t, id, "introduction.ca_hommes").as_number(), core::Number::integer(4));
    EXPECT_EQ(t->capture().load(id)->table("personnes").size(), 1u);
  }
  EXPECT_EQ(world_.central().conflicts.list(true)->size(), 0u);
  EXPECT_EQ(central_field(id, "remarques.batiments").as_text(), "RAS");
}

TEST_F(Sync, SameItemOneWinnerEverywhereAndOneConflictWithBothValues) {
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "3")}));
  ASSERT_OK(b().capture().set(
      id, {Edit::answer("batiments.nb_wc", "5")}));  // written later: higher version
  ASSERT_OK(b().sync());
  auto ra = a().sync();
  ASSERT_OK(ra);
  EXPECT_EQ(ra->conflicts_lost, 1u);
  ASSERT_OK(b().sync());
  for (Tablet* t : {&a(), &b()}) EXPECT_EQ(field(*t, id, "batiments.nb_wc").as_number(), core::Number::integer(5));
  EXPECT_EQ(central_field(id, "batiments.nb_wc").as_number(), core::Number::integer(5));
  auto conflicts = world_.central().conflicts.list(true);
  ASSERT_OK(conflicts);
  ASSERT_EQ(conflicts->size(), 1u);
  const auto& c = conflicts->front().record;
  EXPECT_EQ(c.field, "batiments.nb_wc");
  EXPECT_EQ(c.winner_value.as_number(), core::Number::integer(5));
  EXPECT_EQ(c.winner_author, "second");
  EXPECT_EQ(c.loser_value.as_number(), core::Number::integer(3));
  EXPECT_EQ(c.loser_author, "lead");
  EXPECT_LT(c.loser_version, c.winner_version);
  // Both tablets are told about it.
  EXPECT_EQ(a().replica->conflicts()->size(), 1u);
  EXPECT_EQ(b().replica->conflicts()->size(), 1u);
}

TEST_F(Sync, ConflictResolvedAtTheOfficeReachesBothTablets) {
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "3")}));
  ASSERT_OK(b().capture().set(id, {Edit::answer("batiments.nb_wc", "5")}));
  ASSERT_OK(b().sync());
  ASSERT_OK(a().sync());
  auto conflicts = world_.central().conflicts.list(true);
  ASSERT_EQ(conflicts->size(), 1u);
  ASSERT_OK(world_.central().conflicts.resolve(conflicts->front().record.id, conflicts->front().record.loser_value, "bureau"));
  ASSERT_OK(a().sync());
  ASSERT_OK(b().sync());
  for (Tablet* t : {&a(), &b()}) {
    EXPECT_EQ(field(*t, id, "batiments.nb_wc").as_number(), core::Number::integer(3));
    EXPECT_EQ(t->replica->conflicts()->size(), 0u);
  }
  EXPECT_EQ(world_.central().conflicts.list(true)->size(), 0u);
}

TEST_F(Sync, ConflictResolvedOnATabletReachesTheOther) {
  const std::string id = shared_inspection();
  settle_a_conflict_on_a(id);
  ASSERT_OK(a().sync());
  ASSERT_OK(b().sync());
  EXPECT_EQ(field(b(), id, "batiments.nb_wc").as_number(), core::Number::integer(3));
  EXPECT_EQ(world_.central().conflicts.list(true)->size(), 0u);
  EXPECT_EQ(b().replica->conflicts()->size(), 0u);
}

// The tablet app settles a conflict while its background sync has an exchange in flight:
// that exchange's answer still lists the conflict as open.
TEST_F(Sync, AConflictSettledWhileAnExchangeIsInFlightStaysSettled) {
  const std::string id = shared_inspection();
  const storage::ConflictRecord conflict = settle_a_conflict_on_a(id);
  EXPECT_EQ(a().replica->conflicts()->size(), 0u) << "settled: no longer waiting for a decision";
  {
    auto tx = storage::Transaction::begin(a().replica->db());
    ASSERT_OK(tx);
    ASSERT_OK(a().replica->replace_conflicts(**tx, {conflict}));
    ASSERT_OK((*tx)->commit());
  }
  EXPECT_EQ(a().replica->conflicts()->size(), 0u);
  EXPECT_EQ(*a().replica->locally_resolved_conflicts(), std::vector<std::string>{conflict.id});
  ASSERT_OK(a().sync());
  ASSERT_OK(b().sync());
  EXPECT_EQ(world_.central().conflicts.list(true)->size(), 0u);
  EXPECT_EQ(field(b(), id, "batiments.nb_wc").as_number(), core::Number::integer(3));
  EXPECT_TRUE(a().replica->locally_resolved_conflicts()->empty());
}

TEST_F(Sync, LateEditAfterSignatureIsQuarantinedAndReverted) {
  const std::string id = shared_inspection();
  ASSERT_OK(b().capture().set(id, {Edit::answer("batiments.nb_wc", "2")}));  // b edits offline...
  ASSERT_OK(a().capture().set(id, {Edit::answer("suivi", "aucun")}));
  ASSERT_OK(a().capture().complete(id));
  ASSERT_OK(a().sign(id));
  ASSERT_OK(a().sync());  // ...while a signs and syncs first
  auto rb = b().sync();
  ASSERT_OK(rb);
  // The answer and b's status change (draft -> in progress) are both refused.
  EXPECT_EQ(rb->quarantined, 2u);
  auto q = world_.central().conflicts.quarantine();
  ASSERT_OK(q);
  ASSERT_EQ(q->size(), 2u);
  std::set<std::string> fields;
  for (const auto& r : *q) {
    fields.insert(r.change.field);
    EXPECT_NE(r.reason.find("signée"), std::string::npos) << r.reason;
    EXPECT_EQ(r.inspector_id, "second");
    // The French text stays the record; the message beside it is the catalogue's.
    EXPECT_EQ(r.reason, "inspection signée : modification refusée (un addendum doit passer par le bureau)");
    ASSERT_TRUE(r.reason_message.has_value());
    EXPECT_EQ(r.reason_message->key(), "stockage.central_sqlite.inspection_signee");
    EXPECT_EQ(r.reason_message->render(), r.reason);
  }
  EXPECT_EQ(fields, (std::set<std::string>{"batiments.nb_wc", "statut"}));
  auto notices = b().replica->quarantined();
  ASSERT_OK(notices);
  EXPECT_EQ(notices->size(), 2u);
  for (const auto& n : *notices) {  // the tablet got both the text and the message
    EXPECT_EQ(n.reason, "inspection signée : modification refusée (un addendum doit passer par le bureau)");
    ASSERT_TRUE(n.reason_message.has_value());
    EXPECT_EQ(n.reason_message->key(), "stockage.central_sqlite.inspection_signee");
  }
  EXPECT_TRUE(field(b(), id, "batiments.nb_wc").is_null());  // back to the central state
  EXPECT_EQ(b().capture().load(id)->status, core::InspectionStatus::kSigned);
  EXPECT_EQ(b().sync()->checksum_ok, std::optional<bool>(true));
}

TEST_F(Sync, UnassignedDossierIsEvictedOnlyAfterItsChangesAreAcknowledged) {
  const std::string id = shared_inspection();
  ASSERT_OK(b().capture().set(id, {Edit::answer("batiments.nb_wc", "4")}));
  ASSERT_OK(world_.central().catalogue.unassign("d1", "second"));
  auto rb = b().sync();  // pushes the pending change, then evicts
  ASSERT_OK(rb);
  EXPECT_EQ(rb->evicted, 1u);
  EXPECT_EQ(central_field(id, "batiments.nb_wc").as_number(), core::Number::integer(4));
  EXPECT_EQ(b().capture().dossier("d1").error().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(b().capture().load(id).error().code(), core::StatusCode::kNotFound);
  auto count = b().replica->db().prepare("SELECT count(*) FROM fields");
  ASSERT_TRUE(count->step().value_or(false));
  EXPECT_EQ(count->column_int(0), 0);
  // The central node no longer lists the dossier for b once b confirmed the eviction.
  ASSERT_OK(b().sync());
  ASSERT_OK(a().sync());
  EXPECT_EQ(field(a(), id, "batiments.nb_wc").as_number(), core::Number::integer(4));
}

TEST_F(Sync, ChangesToADossierNeverAssignedAreQuarantined) {
  // A dossier imported on the tablet by hand, unknown to the central node's assignments.
  core::Dossier d{"d9", "maison-accueil", "Hors périmètre", "RW/AHA/9", {}, {}, {}, {}, {}, {}};
  ASSERT_OK(a().capture().import_dossiers({d}));
  auto id = a().capture().start("d9", std::nullopt, std::nullopt);
  ASSERT_OK(id);
  auto r = a().sync();
  ASSERT_OK(r);
  EXPECT_GT(r->quarantined, 0u);
  auto q = world_.central().conflicts.quarantine();
  ASSERT_OK(q);
  ASSERT_FALSE(q->empty());
  EXPECT_NE(q->front().reason.find("hors du périmètre"), std::string::npos) << q->front().reason;
  EXPECT_EQ(q->front().reason, "dossier « d9 » hors du périmètre de l'appareil");
  ASSERT_TRUE(q->front().reason_message.has_value());
  EXPECT_EQ(*q->front().reason_message,
            core::Message("stockage.central_sqlite.hors_perimetre", {{"dossier", "d9"}}));
  auto notices = a().replica->quarantined();
  ASSERT_OK(notices);
  ASSERT_FALSE(notices->empty());
  EXPECT_EQ(notices->front().reason, q->front().reason);
  EXPECT_EQ(notices->front().reason_message, q->front().reason_message);
  EXPECT_EQ(a().replica->pending_count().value(), 0);  // kept at the office, not retried forever
  EXPECT_FALSE(world_.central().catalogue.inspection(*id));
}

TEST_F(Sync, IllTypedValueIsQuarantined) {
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "3")}));
  // A damaged or hostile tablet sends text for a number.
  ASSERT_OK(a().replica->db().exec("UPDATE outbox SET value = 't:trois' WHERE field = 'batiments.nb_wc'"));
  auto r = a().sync();
  ASSERT_OK(r);
  EXPECT_EQ(r->quarantined, 1u);
  auto q = world_.central().conflicts.quarantine();
  ASSERT_EQ(q->size(), 1u);
  EXPECT_NE(q->front().reason.find("batiments.nb_wc"), std::string::npos) << q->front().reason;
  // The validation's own message, inside the store's.
  ASSERT_TRUE(q->front().reason_message.has_value());
  EXPECT_EQ(q->front().reason_message->key(), "stockage.central_sqlite.valeur_invalide");
  EXPECT_EQ(q->front().reason_message->render(), q->front().reason);
  ASSERT_EQ(q->front().reason_message->params().size(), 1u);
  EXPECT_EQ(q->front().reason_message->params()[0].messages.size(), 1u);
  auto notices = a().replica->quarantined();
  ASSERT_OK(notices);
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ(notices->front().reason, q->front().reason);
  EXPECT_EQ(notices->front().reason_message, q->front().reason_message);
  EXPECT_TRUE(central_field(id, "batiments.nb_wc").is_null());
}

// A tablet from before re-stamping (docs/sync.md): its change stamped hours ahead is
// quarantined; a tablet of today's re-stamps it (convergence_test.cpp).
TEST_F(Sync, ChangeWithAClockHoursAheadFromAnOlderTabletIsQuarantined) {
  const std::string id = shared_inspection();
  a().transport->act_as_older_tablet();
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "3")}));
  const std::uint64_t three_hours = (3ull * 3600 * 1000) << 16;
  ASSERT_OK(a().replica->db().exec("UPDATE outbox SET hlc = hlc + " + std::to_string(three_hours) +
                                   " WHERE field = 'batiments.nb_wc'"));
  auto r = a().sync();
  ASSERT_OK(r);
  EXPECT_EQ(r->quarantined, 1u);
  auto q = world_.central().conflicts.quarantine();
  ASSERT_EQ(q->size(), 1u);
  EXPECT_NE(q->front().reason.find("horloge"), std::string::npos) << q->front().reason;
  ASSERT_TRUE(q->front().reason_message.has_value());
  EXPECT_EQ(q->front().reason_message->key(), "stockage.central_sqlite.horloge_en_avance");
  EXPECT_EQ(q->front().reason_message->render(), q->front().reason);
}

TEST_F(Sync, ARetriedQuarantinedPushGetsItsReasonMessageAgain) {
  const std::string id = shared_inspection();
  a().transport->act_as_older_tablet();
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "3")}));
  const std::uint64_t three_hours = (3ull * 3600 * 1000) << 16;
  ASSERT_OK(a().replica->db().exec("UPDATE outbox SET hlc = hlc + " + std::to_string(three_hours) +
                                   " WHERE field = 'batiments.nb_wc'"));
  a().transport->drop_next_responses(1);
  EXPECT_FALSE(a().sync());  // quarantined centrally, but a never heard back
  EXPECT_TRUE(a().replica->quarantined()->empty());
  auto r = a().sync();  // the central node answers from what it received the first time
  ASSERT_OK(r);
  EXPECT_EQ(r->quarantined, 1u);
  auto q = world_.central().conflicts.quarantine();
  ASSERT_OK(q);
  ASSERT_EQ(q->size(), 1u);
  auto notices = a().replica->quarantined();
  ASSERT_OK(notices);
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ(notices->front().reason, q->front().reason);
  ASSERT_TRUE(notices->front().reason_message.has_value());
  EXPECT_EQ(notices->front().reason_message->key(), "stockage.central_sqlite.horloge_en_avance");
  EXPECT_EQ(notices->front().reason_message, q->front().reason_message);
}

TEST_F(Sync, LostResponseIsRetriedWithoutApplyingTwice) {
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(
      id, {Edit::answer("batiments.nb_wc", "3"), Edit::answer("batiments.nb_douches", "2")}));
  const auto changes_before = world_.central().catalogue.totals()->changes;
  a().transport->drop_next_responses(1);
  EXPECT_FALSE(a().sync());  // applied centrally, but a never heard back
  EXPECT_EQ(world_.central().catalogue.totals()->changes, changes_before + 3);  // 2 answers + status
  auto r = a().sync();  // the same changes again: recognised, not applied twice
  ASSERT_OK(r);
  EXPECT_EQ(world_.central().catalogue.totals()->changes, changes_before + 3);
  EXPECT_EQ(a().replica->pending_count().value(), 0);
  EXPECT_EQ(r->checksum_ok, std::optional<bool>(true));
}

TEST_F(Sync, OfflineSyncFailsCleanlyAndKeepsEverything) {
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "3")}));
  a().transport->set_offline(true);
  auto r = a().sync();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), core::StatusCode::kIoError);
  EXPECT_EQ(a().replica->pending_count().value(), 2);
  a().transport->set_offline(false);
  ASSERT_OK(a().sync());
  EXPECT_EQ(a().replica->pending_count().value(), 0);
}

TEST_F(Sync, ConnectionCutInTheMiddleOfAPullResumesWithNothingAppliedTwice) {
  const std::string id = shared_inspection();
  for (int i = 0; i < 300; ++i) {  // 300 changes
    ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", std::to_string(i))}));
  }
  ASSERT_OK(a().sync());
  // b pulls 50 changes a page; the answer to its second request is lost on the way.
  sync::SyncOptions o;
  o.pull_page = 50;
  int calls = 0;
  o.progress = [&](const sync::SyncReport&) {
    if (++calls == 1) b().transport->drop_next_responses(1);
  };
  auto cut = sync::sync_now(*b().replica, *b().transport, o);
  ASSERT_FALSE(cut);
  const auto cursor_after_cut = b().replica->cursor().value();
  EXPECT_GT(cursor_after_cut, 0u);  // the first page stayed applied
  auto resumed = b().sync();
  ASSERT_OK(resumed);
  EXPECT_EQ(resumed->checksum_ok, std::optional<bool>(true));
  EXPECT_EQ(field(b(), id, "batiments.nb_wc").as_number(), core::Number::integer(299));
}

TEST_F(Sync, APulledChangeDoesNotOverwriteALocalChangeNotYetPushed) {
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_douches", "7")}));
  ASSERT_OK(a().sync());
  ASSERT_OK(b().capture().set(id, {Edit::answer("batiments.nb_wc", "1")}));
  ASSERT_OK(b().capture().set(id, {Edit::answer("batiments.nb_douches", "4")}));
  // One change per request: the first exchange pushes nb_wc and pulls a's nb_douches while
  // b's own nb_douches is still waiting; b must keep its value until the central decides.
  sync::SyncOptions o;
  o.push_page = 1;
  std::vector<std::string> seen;
  o.progress = [&](const sync::SyncReport&) { seen.push_back(field(b(), id, "batiments.nb_douches").display()); };
  ASSERT_OK(sync::sync_now(*b().replica, *b().transport, o));
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), "4");
  EXPECT_EQ(field(b(), id, "batiments.nb_douches").display(), "4");  // written later: it won
  EXPECT_EQ(central_field(id, "batiments.nb_douches").display(), "4");
  EXPECT_EQ(world_.central().conflicts.list(true)->size(), 1u);
}

TEST_F(Sync, ANewGridVersionPublishedAtTheOfficeReachesTheTablets) {
  std::string text(storage::builtin_grids()[0].text);
  const auto at = text.find("version: 1");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 10, "version: 2");
  auto grid = storage::parse_grid(text, "v2");
  ASSERT_OK(grid);
  ASSERT_OK(world_.central().catalogue.publish_grid(**grid, text));
  ASSERT_OK(a().sync());
  auto held = a().replica->grid((*grid)->key(), 2);
  ASSERT_OK(held);
  EXPECT_EQ((*held)->version(), 2);
}

TEST_F(Sync, BytesThatAreNotProtobufAreRefusedAndTheServerKeepsServing) {
  auto r = a().transport->request("POST", "/v1/sync", std::string("\x0a\xff\xff\xff\xff garbage"), "");
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 400);
  ASSERT_OK(a().sync());
}

TEST_F(Sync, WrongEnrollmentCodesAreRateLimitedPerAddress) {
  ASSERT_OK(world_.central().devices.add_enrollment_code(storage::sha256_hex("GOOD-CODE-0001"), "lead", 4102444800000));
  auto enroll = [&](const std::string& code, const std::string& address) {
    v1::EnrollRequest in;
    in.set_code(code);
    in.set_csr_pem("-");
    in.set_node_id(std::string(16, '\x07'));
    sync::HttpRequest r;
    r.method = "POST";
    r.target = "/v1/enroll";
    r.body = in.SerializeAsString();
    r.remote_address = address;
    return world_.service().handle(r);
  };
  for (int i = 0; i < 5; ++i) EXPECT_EQ(enroll("WRONG-" + std::to_string(i), "10.0.0.9").status, 403);
  const auto limited = enroll("GOOD-CODE-0001", "10.0.0.9");  // even the right code, for now
  EXPECT_EQ(limited.status, 429);
  v1::Error e;
  ASSERT_TRUE(e.ParseFromString(limited.body));
  EXPECT_EQ(e.code(), v1::Error::CODE_RATE_LIMITED);
  EXPECT_NE(e.message().find("réessayer"), std::string::npos);
  // Another address is not held back: the code is still good (the request is refused only
  // for its unusable certificate request)...
  EXPECT_EQ(enroll("GOOD-CODE-0001", "10.0.0.10").status, 400);
  // ...and that refusal did not use it up.
  EXPECT_OK(world_.central().devices.check_enrollment_code(storage::sha256_hex("GOOD-CODE-0001"), 1));
}

TEST_F(Sync, AttachmentRefusalsHashSizeOffsetAndScope) {
  const std::string bytes(5000, 'x');
  const std::string sha = storage::sha256_hex(bytes);
  auto put = [&](const std::string& body, std::uint64_t offset, std::uint64_t size) {
    return a().transport->request("PUT", "/v1/blobs/" + sha + "?offset=" + std::to_string(offset) + "&size=" + std::to_string(size),
                                  body, "application/octet-stream");
  };
  std::string tampered = bytes;
  tampered[10] = 'y';
  auto bad = put(tampered, 0, tampered.size());
  ASSERT_OK(bad);
  EXPECT_EQ(bad->status, 422);
  auto big = put("x", 0, 2 << 20);
  ASSERT_OK(big);
  EXPECT_EQ(big->status, 413);
  ASSERT_EQ(put(bytes.substr(0, 1000), 0, bytes.size())->status, 200);
  auto again = put(bytes.substr(0, 1000), 0, bytes.size());  // a retried chunk
  ASSERT_OK(again);
  EXPECT_EQ(again->status, 409);
  v1::BlobStatus status;
  ASSERT_TRUE(status.ParseFromString(again->body));
  EXPECT_EQ(status.received(), 1000u);
  ASSERT_EQ(put(bytes.substr(1000), 1000, bytes.size())->status, 200);
  // No dossier of b's refers to it: b may not read it.
  auto get = b().transport->request("GET", "/v1/blobs/" + sha, "", "");
  ASSERT_OK(get);
  EXPECT_EQ(get->status, 403);
}

}  // namespace
}  // namespace carnet::testing
