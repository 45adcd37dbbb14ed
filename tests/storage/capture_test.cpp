#include "storage/capture.hpp"

#include "core/report_signature.hpp"
#include "support/replica_fixture.hpp"
#include "support/sync_counting_vfs.hpp"

namespace carnet::testing {
namespace {

using core::InspectionStatus;
using core::StatusCode;
using storage::Edit;
using storage::ExistingRow;
using storage::NewRow;

using Capture = ReplicaTest;

// A stand-in for the device key (storage knows no X.509): remembers what it was asked to sign.
struct FakeSigner {
  std::string signed_bytes;
  int calls = 0;
  storage::ReportSigner get() {
    return {"device-1", "-----BEGIN CERTIFICATE-----\nfaux\n-----END CERTIFICATE-----\n",
            [this](std::string_view bytes) -> core::Result<std::string> {
              ++calls;
              signed_bytes = std::string(bytes);
              return std::string("c2lnbmF0dXJl");
            }};
  }
};
FakeSigner fake_signer;
storage::ReportSigner signer() { return fake_signer.get(); }

// The replica opened through a VFS that counts syncs (made before SetUp opens it).
class CaptureDurability : public ReplicaTest {
 protected:
  SyncCountingVfs counting_;
};

// What `carnet inspection set` answers with exit 0, and the tablet app with « Enregistré »,
// is on stable storage: the replica's log is synced before the save returns.
TEST_F(CaptureDurability, ASaveIsOnStableStorageWhenItReturns) {
  const std::string id = start();
  for (int i = 0; i < 5; ++i) {
    counting_.reset();
    ASSERT_OK(capture().set(id, {Edit::answer("s.places", std::to_string(20 + i))}));
    EXPECT_GE(counting_.syncs("carnet.db-wal"), 1) << "save " << i << " returned before the WAL was synced";
  }
}

TEST_F(Capture, StartCopiesThePreviousVisitAndItsRecommendations) {
  const std::string id = start();
  auto view = capture().load(id);
  ASSERT_OK(view);
  EXPECT_EQ(view->status, InspectionStatus::kDraft);
  EXPECT_EQ(view->field("derniere_visite").as_date().iso(), "2023-05-10");
  EXPECT_EQ(view->field("inspecteur").as_text(), "insp-1");
  EXPECT_EQ(view->field("date").as_date().iso(), "2025-03-10");
  const auto& recs = view->table("recommandations_precedentes");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].cells[0].as_text(), "Afficher le ROI");
  EXPECT_EQ(recs[1].cells[0].as_text(), "Tenir le registre");
}

TEST_F(Capture, StartRefusesUnknownDossierAndUnknownGrid) {
  auto a = capture().start("nope", std::nullopt, std::nullopt);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code(), StatusCode::kNotFound);
  auto b = capture().start("d-1", std::string("inconnue"), std::nullopt);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code(), StatusCode::kNotFound);
}

TEST_F(Capture, AnswersFieldsRemarksAndRowsInOneCommand) {
  const std::string id = start();
  ASSERT_OK(capture().set(
      id, {Edit::answer("s.places", "20"), Edit::answer("s.nuits", "5841"),
           Edit::answer("s.conforme", "oui"), Edit::answer("conclusions", "RAS"),
           Edit::answer("remarques.s", "Bien tenu"), Edit::answer("recommandations.s", "Continuer"),
           Edit::cell("personnes", NewRow{1}, "nom", "M. Directeur"),
           Edit::cell("personnes", NewRow{1}, "fonction", "directeur"),
           Edit::cell("s.personnel", NewRow{1}, "nom", "A"),
           Edit::cell("s.personnel", NewRow{1}, "etp", "0,5"),
           Edit::cell("s.personnel", NewRow{2}, "nom", "B"),
           Edit::cell("s.personnel", NewRow{2}, "etp", "0.5"),
           Edit::cell("recommandations_precedentes", ExistingRow{1}, "reponse", "Affiché")}));
  auto view = capture().load(id);
  ASSERT_OK(view);
  EXPECT_EQ(view->status, InspectionStatus::kInProgress);
  EXPECT_EQ(view->field("conclusions").as_text(), "RAS");
  EXPECT_EQ(view->field("remarques.s").as_text(), "Bien tenu");
  EXPECT_EQ(view->table("personnes").size(), 1u);
  EXPECT_EQ(view->table("s.personnel").size(), 2u);
  EXPECT_EQ(view->table("recommandations_precedentes")[0].cells[1].as_text(), "Affiché");
  const auto findings = view->findings();
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].status, core::FindingStatus::kConform);  // 5841 / 7300 = 80.01 %
  EXPECT_EQ(findings[1].status, core::FindingStatus::kConform);  // 0.5 + 0.5 >= 1
}

TEST_F(Capture, EditsAnExistingRowAndDeletesOne) {
  const std::string id = start();
  ASSERT_OK(capture().set(id, {Edit::cell("s.personnel", NewRow{1}, "nom", "A"),
                               Edit::cell("s.personnel", NewRow{2}, "nom", "B"),
                               Edit::cell("s.personnel", NewRow{3}, "nom", "C")}));
  ASSERT_OK(capture().set(id, {Edit::cell("s.personnel", ExistingRow{2}, "etp", "1")}));
  ASSERT_OK(capture().delete_row(id, "s.personnel", 1));
  auto view = capture().load(id);
  ASSERT_OK(view);
  const auto& rows = view->table("s.personnel");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].cells[0].as_text(), "B");
  EXPECT_EQ(rows[0].cells[1].as_number(), core::Number::integer(1));
  EXPECT_EQ(capture().delete_row(id, "s.personnel", 3).code(), StatusCode::kOutOfRange);
}

TEST_F(Capture, TableRowLimitIsEnforced) {
  const std::string id = start();
  ASSERT_OK(capture().set(id, {Edit::cell("s.personnel", NewRow{1}, "nom", "A"),
                               Edit::cell("s.personnel", NewRow{2}, "nom", "B"),
                               Edit::cell("s.personnel", NewRow{3}, "nom", "C")}));
  auto r = capture().set(id, {Edit::cell("s.personnel", NewRow{1}, "nom", "D")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kOutOfRange);
}

TEST_F(Capture, BadInputIsRefusedWholeWithAClearMessage) {
  const std::string id = start();
  ASSERT_OK(capture().set(id, {Edit::answer("s.places", "20")}));
  const auto pending = replica_->pending_count().value();
  struct Case {
    storage::Edit edit;
    StatusCode code;
    std::string message_part;
  };
  // What the command line's syntax refuses before an edit is made is tested with its parser
  // (tests/tools/edit_syntax_test.cpp).
  const Case cases[] = {
      {Edit::answer("s.inconnu", "1"), StatusCode::kInvalidArgument, "clé inconnue « s.inconnu »"},
      {Edit::answer("s.places", "vingt"), StatusCode::kInvalidArgument,
       "« vingt » n'est pas un nombre"},
      {Edit::answer("s.places", "2000"), StatusCode::kOutOfRange, "hors limites"},
      {Edit::answer("s.places", "1.5"), StatusCode::kInvalidArgument, "entier"},
      {Edit::answer("s.conforme", "peut-être"), StatusCode::kInvalidArgument, "oui, non ou so"},
      {Edit::answer("s.visite", "2025-02-30"), StatusCode::kInvalidArgument, "date valide"},
      {Edit::answer("s.visite", "10-03-2025"), StatusCode::kInvalidArgument, "n'est pas une date"},
      {Edit::answer("s.taux", "80"), StatusCode::kInvalidArgument, "calculé"},
      {Edit::answer("s.personnel", "x"), StatusCode::kInvalidArgument, "tableau"},
      {Edit::cell("s.personnel", NewRow{1}, "age", "3"), StatusCode::kInvalidArgument,
       "colonne inconnue"},
      {Edit::cell("s.personnel", ExistingRow{9}, "nom", "x"), StatusCode::kOutOfRange,
       "pas de ligne 9"},
      {Edit::cell("s.personnel", ExistingRow{0}, "nom", "x"), StatusCode::kOutOfRange,
       "pas de ligne 0"},
      {Edit::cell("s.places", NewRow{1}, "nom", "x"), StatusCode::kInvalidArgument,
       "n'est pas un tableau"},
      {Edit::answer("remarques.zz", "x"), StatusCode::kInvalidArgument, "section inconnue"},
      {Edit::answer("statut", "signed"), StatusCode::kInvalidArgument, "géré par Carnet"},
      {Edit::answer("suivi", "parfois"), StatusCode::kInvalidArgument, "choix possible"},
      {Edit::answer("s.note", std::string(20000, 'x')), StatusCode::kOutOfRange, "trop long"},
      {Edit::answer("s.note", "\x01"), StatusCode::kInvalidArgument, "UTF-8"},
  };
  for (const auto& c : cases) {
    const std::string path = c.edit.path.text();
    // A valid edit before the bad one must not be written either.
    auto r = capture().set(id, {Edit::answer("s.nuits", "100"), c.edit});
    ASSERT_FALSE(r) << path;
    EXPECT_EQ(r.error().code(), c.code) << path << " → " << r.error().to_string();
    EXPECT_NE(r.error().message().find(c.message_part), std::string::npos)
        << path << " → " << r.error().message();
  }
  EXPECT_EQ(replica_->pending_count().value(), pending);
  auto view = capture().load(id);
  EXPECT_TRUE(view->field("s.nuits").is_null());
}

TEST_F(Capture, EmptyValueClearsAnAnswer) {
  const std::string id = start();
  ASSERT_OK(capture().set(id, {Edit::answer("s.places", "20")}));
  ASSERT_OK(capture().set(id, {Edit::answer("s.places", std::nullopt)}));
  auto view = capture().load(id);
  EXPECT_TRUE(view->field("s.places").is_null());
  EXPECT_EQ(replica_->pending_changes(1000)->back().change.value, core::Value());
}

TEST_F(Capture, LifecycleFromDraftToSigned) {
  const std::string id = start();
  EXPECT_EQ(capture().sign(id, signer()).code(), StatusCode::kFailedPrecondition);  // not completed
  auto missing = capture().complete(id);
  EXPECT_EQ(missing.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.message().find("suivi"), std::string::npos) << missing.message();
  ASSERT_OK(capture().set(id, {Edit::answer("suivi", "avec_delai")}));
  EXPECT_NE(capture().complete(id).message().find("suivi_delai"), std::string::npos);
  ASSERT_OK(capture().set(id, {Edit::answer("suivi_delai", "30")}));
  ASSERT_OK(capture().complete(id));
  EXPECT_EQ(capture().load(id)->status, InspectionStatus::kCompleted);
  // An edit after completion reopens it.
  ASSERT_OK(capture().set(id, {Edit::answer("conclusions", "Ajout")}));
  EXPECT_EQ(capture().load(id)->status, InspectionStatus::kInProgress);
  ASSERT_OK(capture().complete(id));
  ASSERT_OK(capture().sign(id, signer()));
  auto view = capture().load(id);
  EXPECT_EQ(view->status, InspectionStatus::kSigned);
  EXPECT_EQ(view->field("signee_par").as_text(), "insp-1");
  EXPECT_FALSE(view->field("signee_le").is_null());
}

TEST_F(Capture, SignedInspectionRefusesEveryEditButTheHolderAnswer) {
  const std::string id = start();
  ASSERT_OK(capture().set(id, {Edit::answer("suivi", "aucun"), Edit::answer("s.places", "20")}));
  ASSERT_OK(capture().complete(id));
  ASSERT_OK(capture().sign(id, signer()));
  const auto pending = replica_->pending_count().value();
  for (const auto& edit :
       {Edit::answer("s.places", "21"), Edit::answer("conclusions", "x"),
        Edit::answer("remarques.s", "x"), Edit::cell("s.personnel", NewRow{1}, "nom", "x"),
        Edit::answer("date", "2025-01-01")}) {
    auto r = capture().set(id, {edit});
    ASSERT_FALSE(r) << edit.path.text();
    EXPECT_EQ(r.error().code(), StatusCode::kFailedPrecondition) << edit.path.text();
    EXPECT_NE(r.error().message().find("signée"), std::string::npos);
  }
  EXPECT_EQ(capture().delete_row(id, "recommandations_precedentes", 1).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(capture().complete(id).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(capture().sign(id, signer()).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(replica_->pending_count().value(), pending);
  ASSERT_OK(capture().set(id, {Edit::answer("avis_titulaire", "Nous avons pris note.")}));
  auto view = capture().load(id);
  EXPECT_EQ(view->status, InspectionStatus::kSigned);
  EXPECT_EQ(view->field("avis_titulaire").as_text(), "Nous avons pris note.");
}

TEST_F(Capture, ImportRefusesADossierOfAnUnknownKindAndWritesNothing) {
  core::Dossier good{"d-2", "mini", "B", "RW/2", {}, {}, {}, {}, {}, {}};
  core::Dossier bad{"d-3", "inconnu", "C", "RW/3", {}, {}, {}, {}, {}, {}};
  auto r = capture().import_dossiers({good, bad});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("inconnu"), std::string::npos);
  EXPECT_EQ(capture().dossier("d-2").error().code(), StatusCode::kNotFound);
}

TEST_F(Capture, ListsInspections) {
  const std::string a = start();
  const std::string b = start();
  auto list = capture().list();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, a);
  EXPECT_EQ((*list)[1].id, b);
  EXPECT_EQ((*list)[0].grid_key, "mini");
}

TEST_F(Capture, SigningSignsTheCanonicalReportAndWritesTheSignatureBeforeTheStatus) {
  const std::string id = start();
  ASSERT_OK(capture().set(id, {Edit::answer("suivi", "aucun"), Edit::answer("s.places", "20"),
                               Edit::cell("s.personnel", NewRow{1}, "nom", "Alice")}));
  ASSERT_OK(capture().complete(id));
  const auto before = static_cast<std::size_t>(replica_->pending_count().value());
  FakeSigner recorder;
  ASSERT_OK(capture().sign(id, recorder.get()));
  EXPECT_EQ(recorder.calls, 1);
  auto view = capture().load(id);
  ASSERT_OK(view);
  // What is stored gives back exactly the bytes that were signed.
  EXPECT_EQ(core::canonical_report(*view), recorder.signed_bytes);
  auto sig = core::report_signature(*view);
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(sig->signature, "c2lnbmF0dXJl");
  EXPECT_EQ(sig->device, "device-1");
  EXPECT_EQ(sig->signer, "insp-1");
  EXPECT_NE(sig->certificate_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  // Six changes in one transaction; the signature fields come before the status.
  auto pending = replica_->pending_changes(1000);
  ASSERT_OK(pending);
  ASSERT_EQ(pending->size(), before + 6);
  std::vector<std::string> order;
  for (std::size_t i = before; i < pending->size(); ++i) order.push_back((*pending)[i].change.field);
  EXPECT_EQ(order, (std::vector<std::string>{"signee_le", "signee_par", "signature_appareil", "signature_certificat",
                                             "signature", "statut"}));
}

TEST_F(Capture, AFailingSignerWritesNothing) {
  const std::string id = start();
  ASSERT_OK(capture().set(id, {Edit::answer("suivi", "aucun")}));
  ASSERT_OK(capture().complete(id));
  const auto before = replica_->pending_count().value();
  storage::ReportSigner broken{"device-1", "pem", [](std::string_view) -> core::Result<std::string> {
                                 return core::fail(
                                     core::Status::failed_precondition("stockage.capture_test.pas_de_cle"));
                               }};
  EXPECT_EQ(capture().sign(id, broken).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(replica_->pending_count().value(), before);
  EXPECT_EQ(capture().load(id)->status, InspectionStatus::kCompleted);
}

}  // namespace
}  // namespace carnet::testing

namespace carnet::testing {
namespace {

TEST_F(Capture, AnAddendumIsOnlyForASignedReportAndLeavesTheReportUntouched) {
  const std::string id = start();
  ASSERT_OK(capture().set(id, {Edit::answer("suivi", "aucun")}));
  auto early = capture().add_addendum(id, "Oubli : extincteur vérifié.");
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(early.error().message().find("carnet inspection set"), std::string::npos);
  ASSERT_OK(capture().complete(id));
  ASSERT_OK(capture().sign(id, signer()));
  const std::string before = core::canonical_report(*capture().load(id));
  EXPECT_EQ(capture().add_addendum(id, "   ").error().code(), StatusCode::kInvalidArgument);
  auto added = capture().add_addendum(id, "Oubli : extincteur vérifié le 12/03.");
  ASSERT_OK(added);
  auto view = capture().load(id);
  ASSERT_OK(view);
  EXPECT_EQ(view->status, InspectionStatus::kSigned);
  EXPECT_EQ(core::canonical_report(*view), before);  // not covered by the signature
  ASSERT_EQ(view->addenda.size(), 1u);
  EXPECT_EQ(view->addenda[0].id, *added);
  EXPECT_EQ(view->addenda[0].text, "Oubli : extincteur vérifié le 12/03.");
  EXPECT_EQ(view->addenda[0].author, "insp-1");
  EXPECT_FALSE(view->addenda[0].reviewed());
  EXPECT_FALSE(view->addenda[0].created_at.empty());
}

}  // namespace
}  // namespace carnet::testing
