// The office's review of quarantined changes (Conflicts::review_quarantine): rejected
// changes stay kept and never applied; applied ones become office changes that every
// replica pulls, when they now pass the store's checks; both decisions audited.
#include <gtest/gtest.h>

#include "support/sync_fixture.hpp"

namespace carnet::testing {
namespace {

using core::Status;
using core::StatusCode;
using core::Value;
using storage::Edit;
using storage::QuarantineDecision;

constexpr std::int64_t kHourAhead = std::int64_t{60 * 60 * 1000} << 16;  // in HLC units

class QuarantineReview : public TwoTabletTest {
 protected:
  // Tablet a, from before re-stamping, writes nb_wc = 3 with its clock an hour ahead:
  // quarantined ("horloge"), though the value itself is right. Returns the record's id.
  std::int64_t quarantine_a_clock_ahead(const std::string& id) {
    EXPECT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "3")}));
    a().transport->act_as_older_tablet();
    EXPECT_OK(a().replica->db().exec("UPDATE outbox SET hlc = hlc + " + std::to_string(kHourAhead) +
                                     " WHERE field = 'batiments.nb_wc'"));
    auto r = a().sync(false);
    EXPECT_OK(r);
    EXPECT_EQ(r ? r->quarantined : 0u, 1u);
    auto open = world_.central().conflicts.quarantine(true);
    EXPECT_OK(open);
    return open && !open->empty() ? open->back().id : 0;
  }
  static Value field(Tablet& t, const std::string& inspection, const std::string& key) {
    auto view = t.capture().load(inspection);
    EXPECT_OK(view);
    return view ? view->field(key) : Value();
  }
  std::vector<storage::AuditEntry> reviews() {
    std::vector<storage::AuditEntry> out;
    auto all = world_.central().audit.entries(0);
    EXPECT_OK(all);
    for (const auto& e : all.value_or(std::vector<storage::AuditEntry>())) {
      if (e.kind == "quarantine_review") out.push_back(e);
    }
    return out;
  }
};

TEST_F(QuarantineReview, DecisionsHaveTheirFrenchNames) {
  EXPECT_EQ(storage::parse_quarantine_decision("rejeter"), QuarantineDecision::kReject);
  EXPECT_EQ(storage::parse_quarantine_decision("appliquer"), QuarantineDecision::kApply);
  EXPECT_EQ(storage::parse_quarantine_decision("apply"), std::nullopt);
}

TEST_F(QuarantineReview, AnAppliedValueBecomesAnOfficeChangeThatEveryTabletPulls) {
  const std::string id = shared_inspection();
  const std::int64_t q = quarantine_a_clock_ahead(id);
  ASSERT_GT(q, 0);
  ASSERT_OK(b().sync());
  EXPECT_TRUE(field(b(), id, "batiments.nb_wc").is_null());

  ASSERT_OK(world_.central().conflicts.review_quarantine(q, QuarantineDecision::kApply, "bureau:marie"));
  ASSERT_OK(b().sync());
  ASSERT_OK(a().sync());
  EXPECT_EQ(field(b(), id, "batiments.nb_wc").as_number(), core::Number::integer(3));
  EXPECT_EQ(field(a(), id, "batiments.nb_wc").as_number(), core::Number::integer(3));
  auto view = world_.central().catalogue.inspection(id);
  ASSERT_OK(view);
  EXPECT_EQ(view->field("batiments.nb_wc").as_number(), core::Number::integer(3));

  auto record = world_.central().conflicts.quarantined(q);
  ASSERT_OK(record);
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((*record)->review, "appliquee");
  EXPECT_EQ((*record)->reviewed_by, "bureau:marie");
  EXPECT_TRUE((*record)->reviewed_ms.has_value());
  EXPECT_TRUE(world_.central().conflicts.quarantine(true)->empty());
  EXPECT_EQ(world_.central().conflicts.quarantine(false)->size(), 1u);
  EXPECT_EQ(world_.central().catalogue.totals()->quarantine_open, 0);

  const auto entries = reviews();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "bureau:marie");
  EXPECT_EQ(entries[0].subject, std::to_string(q));
  EXPECT_EQ(entries[0].detail, "decision=appliquee changement=" + (*record)->change.id.to_string());
  EXPECT_TRUE(world_.central().audit.verify()->ok);
  // Reviewed once: a second decision is refused and changes nothing.
  const Status again =
      world_.central().conflicts.review_quarantine(q, QuarantineDecision::kReject, "bureau:jean");
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(again.message().find("déjà été examiné"), std::string::npos) << again.message();
  EXPECT_EQ(reviews().size(), 1u);
}

TEST_F(QuarantineReview, ARejectedChangeIsKeptAndNeverApplied) {
  const std::string id = shared_inspection();
  const std::int64_t q = quarantine_a_clock_ahead(id);
  ASSERT_GT(q, 0);
  ASSERT_OK(world_.central().conflicts.review_quarantine(q, QuarantineDecision::kReject, "bureau:marie"));
  ASSERT_OK(b().sync());
  ASSERT_OK(a().sync());
  EXPECT_TRUE(field(b(), id, "batiments.nb_wc").is_null());
  EXPECT_TRUE(field(a(), id, "batiments.nb_wc").is_null());
  auto record = world_.central().conflicts.quarantined(q);
  ASSERT_OK(record);
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((*record)->review, "rejetee");
  EXPECT_EQ((*record)->change.value.as_number(), core::Number::integer(3));  // kept as it came
  EXPECT_TRUE(world_.central().conflicts.quarantine(true)->empty());
  ASSERT_EQ(reviews().size(), 1u);
  EXPECT_EQ(reviews()[0].detail.rfind("decision=rejetee ", 0), 0u);
}

TEST_F(QuarantineReview, ASignedInspectionRefusesAppliquerAndSaysWhy) {
  const std::string id = shared_inspection();
  ASSERT_OK(b().capture().set(id, {Edit::answer("batiments.nb_wc", "2")}));  // b edits offline...
  ASSERT_OK(a().capture().set(id, {Edit::answer("suivi", "aucun")}));
  ASSERT_OK(a().capture().complete(id));
  ASSERT_OK(a().sign(id));
  ASSERT_OK(a().sync());  // ...while a signs and syncs first
  ASSERT_OK(b().sync());
  auto open = world_.central().conflicts.quarantine(true);
  ASSERT_OK(open);
  ASSERT_FALSE(open->empty());
  for (const auto& q : *open) {
    const Status s =
        world_.central().conflicts.review_quarantine(q.id, QuarantineDecision::kApply, "bureau:marie");
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(s.message().find("signée"), std::string::npos) << s.message();
    EXPECT_EQ(s.message(), "ce changement ne peut pas être appliqué : " + q.reason);
    ASSERT_TRUE(q.reason_message.has_value());
    EXPECT_EQ(q.reason_message->key(), "stockage.central_sqlite.inspection_signee");
  }
  EXPECT_EQ(world_.central().conflicts.quarantine(true)->size(), open->size());  // still open
  EXPECT_TRUE(reviews().empty());
  // Rejecting is always possible.
  ASSERT_OK(world_.central().conflicts.review_quarantine(open->front().id, QuarantineDecision::kReject,
                                               "bureau:marie"));
}

TEST_F(QuarantineReview, AValueOfTheWrongTypeStillRefusesAppliquer) {
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "3")}));
  ASSERT_OK(a().replica->db().exec(
      "UPDATE outbox SET value = 't:trois' WHERE field = 'batiments.nb_wc'"));
  ASSERT_OK(a().sync(false));
  auto open = world_.central().conflicts.quarantine(true);
  ASSERT_OK(open);
  ASSERT_EQ(open->size(), 1u);
  const Status s = world_.central().conflicts.review_quarantine(open->front().id, QuarantineDecision::kApply,
                                                      "bureau:marie");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("ne peut pas être appliqué"), std::string::npos) << s.message();
  EXPECT_EQ(world_.central().conflicts.review_quarantine(999, QuarantineDecision::kReject, "bureau").code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace carnet::testing
