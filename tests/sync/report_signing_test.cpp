// Signed reports: the signature made on a tablet, checked by the central node when it
// arrives (in-process transport), and re-checked anywhere with the central CA.
#include "sync/report_signing.hpp"

#include <set>

#include "core/inspection.hpp"
#include "core/report.hpp"
#include "core/report_signature.hpp"
#include "support/sync_fixture.hpp"

namespace carnet::testing {
namespace {

using core::SignatureState;
using core::Value;
using storage::Edit;
using storage::NewRow;

TEST(ReportSigning, SignedBytesVerifyWithTheCertificateAndNothingElse) {
  auto ca = sync::make_ca("Autorité", 30);
  ASSERT_OK(ca);
  auto request = sync::make_certificate_request("dev");
  ASSERT_OK(request);
  auto cert = sync::sign_certificate_request(*ca, request->csr_pem, "dev", "insp", 30);
  ASSERT_OK(cert);
  auto sig = sync::sign_bytes(request->key_pem, "carnet-report-v1 bytes");
  ASSERT_OK(sig);
  EXPECT_TRUE(sync::signature_matches(*cert, "carnet-report-v1 bytes", *sig).value());
  EXPECT_FALSE(sync::signature_matches(*cert, "carnet-report-v1 bytez", *sig).value());
  std::string flipped = *sig;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(sync::signature_matches(*cert, "carnet-report-v1 bytes", flipped).value());
  EXPECT_FALSE(sync::signature_matches(*cert, "carnet-report-v1 bytes", "pas du base64!").value());
  EXPECT_FALSE(sync::signature_matches(*cert, "carnet-report-v1 bytes", "").value());
  EXPECT_EQ(sync::sign_bytes("pas une clé", "x").error().code(),
            core::StatusCode::kInvalidArgument);
}

TEST(ReportSigning, ATabletThatIsNotEnrolledCannotSign) {
  TempDir dir;
  auto signer = sync::device_report_signer(sync::DeviceFiles(dir.path().string()), 0);
  ASSERT_FALSE(signer);
  EXPECT_EQ(signer.error().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(signer.error().message().find("carnet enroll"), std::string::npos)
      << signer.error().message();
}

class SignedReports : public TwoTabletTest {
 protected:
  void SetUp() override {
    TwoTabletTest::SetUp();
    if (HasFatalFailure()) return;
    auto id = a().capture().start("d1", std::nullopt, core::Date::parse("2025-03-10").value());
    ASSERT_OK(id);
    id_ = *id;
    ASSERT_OK(a().capture().set(
        id_, {Edit::answer("suivi", "aucun"), Edit::answer("batiments.nb_wc", "3"),
              Edit::answer("conclusions", "Bon fonctionnement."),
              Edit::cell("personnes", NewRow{1}, "nom", "M. Martin"),
              Edit::cell("personnes", NewRow{1}, "fonction", "directeur")}));
    ASSERT_OK(a().sync());
    ASSERT_OK(b().sync());
  }

  core::InspectionView central_view() {
    auto view = world_.central().catalogue.inspection(id_);
    EXPECT_OK(view);
    return std::move(*view);
  }
  core::InspectionStatus tablet_status(Tablet& t) { return t.capture().load(id_)->status; }
  // The audit entries of `kind` about this inspection.
  std::vector<storage::AuditEntry> audit(std::string_view kind) {
    std::vector<storage::AuditEntry> out;
    auto entries = world_.central().audit.entries(0);
    EXPECT_OK(entries);
    for (auto& e : *entries) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }

  // A signer with a's identity whose signature is made by `sign`.
  storage::ReportSigner signer_with(
      std::function<core::Result<std::string>(std::string_view)> sign) {
    storage::ReportSigner s = a().signer();
    s.sign = std::move(sign);
    return s;
  }

  void expect_refused_and_kept(const sync::SyncReport& report, std::string_view code) {
    EXPECT_EQ(report.quarantined, 2u);  // the signature and the move to "signed"
    auto q = world_.central().conflicts.quarantine();
    ASSERT_OK(q);
    std::set<std::string> fields;
    for (const auto& r : *q) {
      fields.insert(r.change.field);
      EXPECT_NE(r.reason.find("signature refusée"), std::string::npos) << r.reason;
      // The message: the store's, with the verdict's own message inside.
      ASSERT_TRUE(r.reason_message.has_value());
      EXPECT_EQ(r.reason_message->key(), "stockage.central_sqlite.signature_refusee");
      ASSERT_EQ(r.reason_message->params().size(), 1u);
      EXPECT_EQ(r.reason_message->params()[0].name, "verdict");
      EXPECT_EQ(r.reason_message->params()[0].messages.size(), 1u);
      EXPECT_EQ(r.reason_message->render(), r.reason);
    }
    EXPECT_EQ(fields, (std::set<std::string>{"signature", "statut"}));
    // Nothing lost: the refused signature is kept in quarantine with its value.
    bool kept = false;
    for (const auto& r : *q) kept |= r.change.field == "signature" && !r.change.value.is_null();
    EXPECT_TRUE(kept);
    // The inspection stays unsigned at the central node, and the tablet is told and follows.
    EXPECT_NE(central_view().status, core::InspectionStatus::kSigned);
    EXPECT_NE(tablet_status(a()), core::InspectionStatus::kSigned);
    auto notices = a().replica->quarantined();
    ASSERT_OK(notices);
    EXPECT_EQ(notices->size(), 2u);
    for (const auto& n : *notices) {
      EXPECT_NE(n.reason.find("signature refusée"), std::string::npos) << n.reason;
      ASSERT_TRUE(n.reason_message.has_value());
      EXPECT_EQ(n.reason_message->key(), "stockage.central_sqlite.signature_refusee");
      EXPECT_EQ(n.reason_message->render(), n.reason);
    }
    // Audited with ids and codes only.
    bool found = false;
    for (const auto& e : audit("signature_check")) {
      EXPECT_EQ(e.subject, id_);
      EXPECT_EQ(e.actor, a().device_id);
      if (e.detail.find("resultat=invalid raison=" + std::string(code)) != std::string::npos)
        found = true;
    }
    EXPECT_TRUE(found) << code;
    for (const auto& e : audit("quarantine"))
      EXPECT_NE(e.detail.find("raison=signature_invalide"), std::string::npos);
  }

  std::string id_;
};

TEST_F(SignedReports, AValidSignatureIsAcceptedAndVerifiesAtTheCentralNode) {
  ASSERT_OK(a().capture().complete(id_));
  ASSERT_OK(a().sign(id_));
  auto r = a().sync();
  ASSERT_OK(r);
  EXPECT_EQ(r->quarantined, 0u);
  const auto view = central_view();
  EXPECT_EQ(view.status, core::InspectionStatus::kSigned);
  const auto verdict = sync::verify_report_signature(view, world_.ca().cert_pem);
  EXPECT_EQ(verdict.state, SignatureState::kValid) << (verdict.message ? verdict.message->render() : "");
  auto sig = core::report_signature(view);
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(sig->signer, "lead");
  EXPECT_EQ(sig->device, a().device_id);
  // Checked twice on arrival (the signature, then the move to "signed"), both audited.
  auto checks = audit("signature_check");
  ASSERT_EQ(checks.size(), 2u);
  for (const auto& e : checks)
    EXPECT_NE(e.detail.find("resultat=valid"), std::string::npos) << e.detail;
  // The other tablet receives the signed report and verifies it too.
  ASSERT_OK(b().sync());
  auto on_b = b().capture().load(id_);
  ASSERT_OK(on_b);
  EXPECT_EQ(on_b->status, core::InspectionStatus::kSigned);
  EXPECT_TRUE(sync::verify_report_signature(*on_b, world_.ca().cert_pem).valid());
  // Without the CA it cannot be checked; with another CA it is refused.
  EXPECT_EQ(sync::verify_report_signature(view, "").state, SignatureState::kUnverifiable);
  auto other = sync::make_ca("Autre autorité", 30);
  ASSERT_OK(other);
  EXPECT_EQ(sync::verify_report_signature(view, other->cert_pem).code, "certificat_inconnu");
  // The holder's answer may still be added: it is outside the signature.
  ASSERT_OK(a().capture().set(id_, {Edit::answer("avis_titulaire", "Pris note.")}));
  ASSERT_OK(a().sync());
  EXPECT_TRUE(sync::verify_report_signature(central_view(), world_.ca().cert_pem).valid());
}

TEST_F(SignedReports, ASignatureWithFlippedBytesIsRefusedAndKept) {
  ASSERT_OK(a().capture().complete(id_));
  const std::string key = a().credentials.key_pem;
  ASSERT_OK(a().capture().sign(
      id_, signer_with([key](std::string_view bytes) -> core::Result<std::string> {
        auto s = sync::sign_bytes(key, bytes);
        if (!s) return s;
        (*s)[20] = (*s)[20] == 'A' ? 'B' : 'A';
        return s;
      })));
  auto r = a().sync();
  ASSERT_OK(r);
  expect_refused_and_kept(*r, "signature_ne_correspond_pas");
}

TEST_F(SignedReports, ASignatureMadeWithAnotherDevicesKeyIsRefused) {
  ASSERT_OK(a().capture().complete(id_));
  const std::string other_key = b().credentials.key_pem;  // a's certificate, b's key
  ASSERT_OK(a().capture().sign(id_, signer_with([other_key](std::string_view bytes) {
                                 return sync::sign_bytes(other_key, bytes);
                               })));
  auto r = a().sync();
  ASSERT_OK(r);
  expect_refused_and_kept(*r, "signature_ne_correspond_pas");
}

TEST_F(SignedReports, ASignatureNamingAnotherDeviceIsRefused) {
  ASSERT_OK(a().capture().complete(id_));
  storage::ReportSigner s = b().signer();  // b's certificate and key, pushed by a
  ASSERT_OK(a().capture().sign(id_, s));
  auto r = a().sync();
  ASSERT_OK(r);
  // Signed by "lead" with the certificate of b's device (inspector "second").
  expect_refused_and_kept(*r, "signataire_different");
}

TEST_F(SignedReports, AReportChangedCentrallyBeforeTheSignatureArrivesIsRefused) {
  ASSERT_OK(b().capture().set(
      id_, {Edit::answer("batiments.nb_wc", "5")}));  // b edits, a never sees it...
  ASSERT_OK(b().sync());
  ASSERT_OK(a().capture().complete(id_));
  ASSERT_OK(a().sign(id_));  // ...and signs without it
  auto r = a().sync();
  ASSERT_OK(r);
  expect_refused_and_kept(*r, "signature_ne_correspond_pas");
  EXPECT_EQ(central_view().field("batiments.nb_wc").as_number(), core::Number::integer(5));
  // Having now received b's answer, a completes and signs what the office holds: accepted.
  ASSERT_OK(a().sync());
  EXPECT_EQ(a().capture().load(id_)->field("batiments.nb_wc").as_number(),
            core::Number::integer(5));
  if (tablet_status(a()) != core::InspectionStatus::kCompleted) {
    ASSERT_OK(a().capture().complete(id_));
  }
  ASSERT_OK(a().sign(id_));
  auto again = a().sync();
  ASSERT_OK(again);
  EXPECT_EQ(again->quarantined, 0u);
  EXPECT_EQ(central_view().status, core::InspectionStatus::kSigned);
  EXPECT_TRUE(sync::verify_report_signature(central_view(), world_.ca().cert_pem).valid());
}

TEST_F(SignedReports, TheReportShowsWhoSignedWhenWithWhichDeviceAndTheVerification) {
  ASSERT_OK(a().capture().complete(id_));
  ASSERT_OK(a().sign(id_));
  ASSERT_OK(a().sync());
  const auto view = central_view();
  const auto verdict = sync::verify_report_signature(view, world_.ca().cert_pem);
  auto names = [](std::string_view id) {
    return id == "lead" ? std::string("Inspecteur lead") : std::string();
  };
  const std::string html = core::report_html(view, names, verdict);
  EXPECT_NE(html.find("Signé par Inspecteur lead (lead)"), std::string::npos);
  EXPECT_NE(html.find(a().device_id), std::string::npos);
  EXPECT_NE(html.find("signature vérifiée"), std::string::npos);
  const core::Json j = core::report_json(view, names, verdict);
  const core::Json* s = j.find("signed");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->find("by")->as_string(), "lead");
  EXPECT_EQ(s->find("device")->as_string(), a().device_id);
  EXPECT_EQ(s->find("verification")->find("state")->as_string(), "valid");
  // A tampered copy shows the failure.
  core::InspectionView changed =
      std::move(*world_.central().catalogue.inspection(id_));
  changed.fields["conclusions"] = Value::text("Conclusions modifiées.");
  const auto bad = sync::verify_report_signature(changed, world_.ca().cert_pem);
  EXPECT_EQ(bad.state, SignatureState::kInvalid);
  EXPECT_NE(core::report_html(changed, names, bad).find("signature invalide"), std::string::npos);
}

TEST_F(SignedReports, AnAddendumAfterSignatureIsReviewedAtTheOfficeAndShownOutsideTheSignature) {
  ASSERT_OK(a().capture().complete(id_));
  ASSERT_OK(a().sign(id_));
  ASSERT_OK(a().sync());
  auto kept =
      a().capture().add_addendum(id_, "Complément : l'attestation incendie a été reçue le 12/03.");
  ASSERT_OK(kept);
  auto dropped = a().capture().add_addendum(id_, "Note personnelle.");
  ASSERT_OK(dropped);
  auto r = a().sync();
  ASSERT_OK(r);
  EXPECT_EQ(r->quarantined, 0u);  // an addendum is not an edit of the signed report
  auto pending = world_.central().addenda.list(true);
  ASSERT_OK(pending);
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ(pending->front().addendum.author, "lead");
  EXPECT_EQ(pending->front().dossier_id, "d1");
  ASSERT_OK(world_.central().addenda.review(*kept, true));
  ASSERT_OK(world_.central().addenda.review(*dropped, false));
  EXPECT_EQ(world_.central().addenda.review(*kept, false).code(),
            core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(world_.central().addenda.review("inconnu", true).code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(world_.central().addenda.list(true)->empty());
  // Audited: ids and the decision only.
  auto reviews = audit("addendum_review");
  ASSERT_EQ(reviews.size(), 2u);
  EXPECT_EQ(reviews[0].subject, *kept);
  EXPECT_EQ(reviews[0].detail, "decision=acceptee inspection=" + id_);
  EXPECT_EQ(reviews[1].detail, "decision=rejetee inspection=" + id_);

  // The signature still verifies; the report shows the accepted addendum after it, only.
  const auto view = central_view();
  const auto verdict = sync::verify_report_signature(view, world_.ca().cert_pem);
  EXPECT_TRUE(verdict.valid()) << (verdict.message ? verdict.message->render() : "");
  const std::string html = core::report_html(view, {}, verdict);
  const auto signature_at = html.find("signature vérifiée");
  const auto addenda_at = html.find("ADDENDA");
  ASSERT_NE(addenda_at, std::string::npos);
  EXPECT_LT(signature_at, addenda_at);
  EXPECT_NE(html.find("ne sont pas couverts par la signature"), std::string::npos);
  EXPECT_NE(html.find("attestation incendie a été reçue"), std::string::npos);
  EXPECT_EQ(html.find("Note personnelle"), std::string::npos);
  const core::Json j = core::report_json(view, {}, verdict);
  ASSERT_EQ(j.find("addenda")->as_array().size(), 1u);
  EXPECT_FALSE(j.find("addenda")->as_array()[0].find("covered_by_signature")->as_bool());

  // The tablets learn the decisions; an addendum once reviewed never changes.
  ASSERT_OK(a().sync());
  ASSERT_OK(b().sync());
  auto on_b = b().capture().load(id_);
  ASSERT_OK(on_b);
  ASSERT_EQ(on_b->addenda.size(), 2u);
  for (const auto& add : on_b->addenda) EXPECT_TRUE(add.reviewed());
  {  // The tablet refuses to edit it; a tampered tablet writing it anyway is refused centrally.
    EXPECT_FALSE(
        a().capture().set_value("addendum", *kept, "texte", Value::text("Texte changé.")).ok());
    auto grid = a().capture().load(id_)->grid;
    auto tx = storage::Transaction::begin(a().replica->db());
    ASSERT_OK(tx);
    ASSERT_OK(a().replica->write(**tx, {core::entity::kAddendum, *kept, id_, "d1"},
                                 core::addendum_field::kText, Value::text("Texte changé."),
                                 a().replica->tick(**tx).value(), grid->key(), grid->version()));
    ASSERT_OK((*tx)->commit());
  }
  auto late = a().sync();
  ASSERT_OK(late);
  EXPECT_EQ(late->quarantined, 1u);
  auto q = world_.central().conflicts.quarantine();
  ASSERT_OK(q);
  EXPECT_NE(q->back().reason.find("déjà été examiné"), std::string::npos) << q->back().reason;
  EXPECT_EQ(q->back().reason, "cet addendum a déjà été examiné par le bureau : il ne peut plus changer");
  ASSERT_TRUE(q->back().reason_message.has_value());
  EXPECT_EQ(q->back().reason_message->key(), "stockage.central_sqlite.addendum_revu");
  EXPECT_EQ(central_view().addenda[0].text,
            "Complément : l'attestation incendie a été reçue le 12/03.");
}

TEST_F(SignedReports, TheOfficeCannotChangeASignedReportByResolvingAConflict) {
  ASSERT_OK(a().capture().set(id_, {Edit::answer("batiments.nb_wc", "4")}));
  ASSERT_OK(b().capture().set(id_, {Edit::answer("batiments.nb_wc", "6")}));
  ASSERT_OK(a().sync());
  ASSERT_OK(b().sync());  // b wrote last: its value wins, a conflict is recorded
  ASSERT_OK(a().sync());
  ASSERT_OK(a().capture().complete(id_));
  ASSERT_OK(a().sign(id_));
  ASSERT_OK(a().sync());
  ASSERT_EQ(central_view().status, core::InspectionStatus::kSigned);
  auto open = world_.central().conflicts.list(true);
  ASSERT_OK(open);
  ASSERT_FALSE(open->empty());
  const auto& c = open->front();
  const core::Status s =
      world_.central().conflicts.resolve(c.record.id, c.record.loser_value, "bureau");
  EXPECT_EQ(s.code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("addendum"), std::string::npos) << s.message();
  EXPECT_TRUE(sync::verify_report_signature(central_view(), world_.ca().cert_pem).valid());
}

TEST_F(SignedReports, ASignatureMadeWithAnExpiredCertificateIsRefused) {
  ASSERT_OK(a().capture().complete(id_));
  auto request = sync::make_certificate_request(a().device_id);
  ASSERT_OK(request);
  const std::int64_t now = core::SystemClock::instance().now_ms() / 1000;
  auto expired =
      sync::sign_certificate_request(world_.ca(), request->csr_pem, a().device_id, "lead",
                                     sync::Validity{now - 10 * 86400, now - 86400});
  ASSERT_OK(expired);
  storage::ReportSigner s;
  s.device_id = a().device_id;
  s.certificate_pem = *expired;
  s.sign = [key = request->key_pem](std::string_view bytes) {
    return sync::sign_bytes(key, bytes);
  };
  ASSERT_OK(a().capture().sign(id_, s));
  auto r = a().sync();
  ASSERT_OK(r);
  expect_refused_and_kept(*r, "certificat_hors_validite");
}

}  // namespace
}  // namespace carnet::testing
