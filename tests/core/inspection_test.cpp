#include "core/inspection.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "support/status_matchers.hpp"

namespace carnet::core {
namespace {

using ::testing::HasSubstr;

constexpr InspectionStatus kAll[] = {InspectionStatus::kDraft, InspectionStatus::kInProgress,
                                     InspectionStatus::kCompleted, InspectionStatus::kSigned};

// Every kind of field an edit can touch: canvas fields, grid items, per-section texts, rows.
const std::vector<std::string>& edited_fields() {
  static const std::vector<std::string> fields = {
      std::string(field::kVisitDate), std::string(field::kAccompanying), std::string(field::kConclusions),
      std::string(field::kFollowUp), std::string(field::kFollowUpDays), std::string(field::kFollowUpOther),
      std::string(field::kPreviousVisit), "fonctionnement.places", "remarques.batiments",
      "recommandations.batiments", std::string(kPeopleTable), std::string(field::kStatus),
      std::string(field::kSignedBy)};
  return fields;
}

InspectionState ready_to_complete() {
  InspectionState s;
  s.status = InspectionStatus::kInProgress;
  s.visit_date = *Date::parse("2024-03-01");
  s.follow_up = std::string(kFollowUpChoiceNone);
  return s;
}

TEST(InspectionStatus, NamesLabelsAndParsing) {
  EXPECT_EQ(inspection_status_name(InspectionStatus::kDraft), "draft");
  EXPECT_EQ(inspection_status_name(InspectionStatus::kInProgress), "in_progress");
  EXPECT_EQ(inspection_status_name(InspectionStatus::kCompleted), "completed");
  EXPECT_EQ(inspection_status_name(InspectionStatus::kSigned), "signed");
  EXPECT_EQ(inspection_status_label(InspectionStatus::kDraft), "brouillon");
  EXPECT_EQ(inspection_status_label(InspectionStatus::kInProgress), "en cours");
  EXPECT_EQ(inspection_status_label(InspectionStatus::kCompleted), "clôturée");
  EXPECT_EQ(inspection_status_label(InspectionStatus::kSigned), "signée");
  for (InspectionStatus s : kAll) EXPECT_EQ(parse_inspection_status(inspection_status_name(s)), s);
  for (const char* bad : {"", "Draft", "signee", "brouillon", "in progress", "signed "}) {
    EXPECT_FALSE(parse_inspection_status(bad)) << bad;
  }
}

TEST(CheckEdit, EverythingIsEditableBeforeSigning) {
  for (InspectionStatus s : {InspectionStatus::kDraft, InspectionStatus::kInProgress, InspectionStatus::kCompleted}) {
    for (const auto& f : edited_fields()) EXPECT_OK(check_edit(s, f)) << f;
    EXPECT_OK(check_edit(s, field::kHolderAnswer));
  }
}

TEST(CheckEdit, ASignedInspectionTakesOnlyTheHoldersAnswer) {
  EXPECT_OK(check_edit(InspectionStatus::kSigned, field::kHolderAnswer));
  for (const auto& f : edited_fields()) {
    const Status s = check_edit(InspectionStatus::kSigned, f);
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << f;
    EXPECT_THAT(s.message(), HasSubstr("l'inspection est signée")) << f;
  }
  EXPECT_EQ(check_edit(InspectionStatus::kSigned, "").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(check_edit(InspectionStatus::kSigned, "avis_titulaire ").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(check_edit(InspectionStatus::kSigned, "AVIS_TITULAIRE").code(), StatusCode::kFailedPrecondition);
}

TEST(StatusAfterEdit, AContentEditReopensTheInspection) {
  for (const auto& f : edited_fields()) {
    EXPECT_EQ(status_after_edit(InspectionStatus::kDraft, f), InspectionStatus::kInProgress) << f;
    EXPECT_EQ(status_after_edit(InspectionStatus::kInProgress, f), InspectionStatus::kInProgress) << f;
    EXPECT_EQ(status_after_edit(InspectionStatus::kCompleted, f), InspectionStatus::kInProgress) << f;
    EXPECT_EQ(status_after_edit(InspectionStatus::kSigned, f), InspectionStatus::kSigned) << f;
  }
}

TEST(StatusAfterEdit, TheHoldersAnswerChangesNoStatus) {
  for (InspectionStatus s : kAll) EXPECT_EQ(status_after_edit(s, field::kHolderAnswer), s);
}

TEST(CheckComplete, NeedsTheVisitDateAndAFollowUp) {
  EXPECT_OK(check_complete(ready_to_complete()));
  InspectionState draft = ready_to_complete();
  draft.status = InspectionStatus::kDraft;
  EXPECT_OK(check_complete(draft));

  const Status nothing = check_complete(InspectionState{});
  EXPECT_EQ(nothing.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(nothing.message(),
            "impossible de clôturer, il manque : date de l'inspection (date), suivi souhaité (suivi)");

  InspectionState no_date = ready_to_complete();
  no_date.visit_date.reset();
  EXPECT_EQ(check_complete(no_date).message(), "impossible de clôturer, il manque : date de l'inspection (date)");
  InspectionState no_follow_up = ready_to_complete();
  no_follow_up.follow_up.clear();
  EXPECT_EQ(check_complete(no_follow_up).message(), "impossible de clôturer, il manque : suivi souhaité (suivi)");
}

TEST(CheckComplete, FollowUpDetails) {
  InspectionState s = ready_to_complete();
  s.follow_up = std::string(kFollowUpChoiceNoDeadline);
  EXPECT_OK(check_complete(s));

  s.follow_up = std::string(kFollowUpChoiceDeadline);
  EXPECT_EQ(check_complete(s).message(), "impossible de clôturer, il manque : délai en jours (suivi_delai)");
  s.follow_up_days = Number::integer(30);
  EXPECT_OK(check_complete(s));

  s = ready_to_complete();
  s.follow_up = std::string(kFollowUpChoiceOther);
  EXPECT_EQ(check_complete(s).message(), "impossible de clôturer, il manque : précision du suivi (suivi_autre)");
  s.follow_up_other = "Visite de contrôle en juin";
  EXPECT_OK(check_complete(s));

  // A deadline or a precision given for another choice is not required but not refused.
  s = ready_to_complete();
  s.follow_up_days = Number::integer(30);
  s.follow_up_other = "x";
  EXPECT_OK(check_complete(s));

  InspectionState all_missing;
  all_missing.follow_up = std::string(kFollowUpChoiceDeadline);
  EXPECT_EQ(check_complete(all_missing).message(),
            "impossible de clôturer, il manque : date de l'inspection (date), délai en jours (suivi_delai)");
}

TEST(CheckComplete, NotTwice) {
  InspectionState completed = ready_to_complete();
  completed.status = InspectionStatus::kCompleted;
  EXPECT_EQ(check_complete(completed).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(check_complete(completed).message(), "l'inspection est déjà clôturée");
  InspectionState signed_one = ready_to_complete();
  signed_one.status = InspectionStatus::kSigned;
  EXPECT_EQ(check_complete(signed_one).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(check_complete(signed_one).message(), "l'inspection est déjà signée");
}

TEST(CheckSign, OnlyACompletedInspection) {
  InspectionState s = ready_to_complete();
  s.status = InspectionStatus::kCompleted;
  EXPECT_OK(check_sign(s));
  for (InspectionStatus early : {InspectionStatus::kDraft, InspectionStatus::kInProgress}) {
    s.status = early;
    const Status st = check_sign(s);
    EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
    EXPECT_THAT(st.message(), HasSubstr("doit être clôturée avant d'être signée"));
  }
  s.status = InspectionStatus::kSigned;
  EXPECT_EQ(check_sign(s).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(check_sign(s).message(), "l'inspection est déjà signée");
}

TEST(Lifecycle, DraftToSigned) {
  InspectionState s;
  EXPECT_EQ(s.status, InspectionStatus::kDraft);
  EXPECT_EQ(check_sign(s).code(), StatusCode::kFailedPrecondition);
  EXPECT_OK(check_edit(s.status, field::kVisitDate));
  s.status = status_after_edit(s.status, field::kVisitDate);
  s.visit_date = *Date::parse("2024-03-01");
  EXPECT_EQ(s.status, InspectionStatus::kInProgress);
  EXPECT_EQ(check_complete(s).code(), StatusCode::kFailedPrecondition);  // no follow-up yet
  s.status = status_after_edit(s.status, field::kFollowUp);
  s.follow_up = std::string(kFollowUpChoiceNone);
  EXPECT_OK(check_complete(s));
  s.status = InspectionStatus::kCompleted;
  // An edit after completion reopens it, and it must be completed again before signing.
  s.status = status_after_edit(s.status, "fonctionnement.places");
  EXPECT_EQ(s.status, InspectionStatus::kInProgress);
  EXPECT_EQ(check_sign(s).code(), StatusCode::kFailedPrecondition);
  EXPECT_OK(check_complete(s));
  s.status = InspectionStatus::kCompleted;
  EXPECT_OK(check_sign(s));
  s.status = InspectionStatus::kSigned;
  EXPECT_EQ(check_edit(s.status, field::kConclusions).code(), StatusCode::kFailedPrecondition);
  EXPECT_OK(check_edit(s.status, field::kHolderAnswer));
  EXPECT_EQ(status_after_edit(s.status, field::kHolderAnswer), InspectionStatus::kSigned);
}

TEST(InspectionFields, TableOfFields) {
  const auto& fields = inspection_fields();
  std::set<std::string> keys;
  for (const auto& f : fields) {
    EXPECT_TRUE(keys.insert(f.spec.key).second) << "duplicate " << f.spec.key;
    EXPECT_FALSE(f.spec.label.empty()) << f.spec.key;
    EXPECT_EQ(find_inspection_field(f.spec.key), &f);
  }
  for (auto key : {field::kDossier, field::kGrid, field::kGridVersion, field::kStatus, field::kLeadInspector,
                   field::kCompletedAt, field::kSignedAt, field::kSignedBy, field::kSignature, field::kSignatureDevice,
                   field::kSignatureCertificate}) {
    ASSERT_NE(find_inspection_field(key), nullptr) << key;
    EXPECT_TRUE(find_inspection_field(key)->system) << key;
  }
  for (auto key : {field::kVisitDate, field::kAccompanying, field::kPreviousVisit, field::kConclusions,
                   field::kFollowUp, field::kFollowUpDays, field::kFollowUpOther, field::kHolderAnswer}) {
    ASSERT_NE(find_inspection_field(key), nullptr) << key;
    EXPECT_FALSE(find_inspection_field(key)->system) << key;
  }
  EXPECT_EQ(find_inspection_field("inconnu"), nullptr);
  EXPECT_EQ(find_inspection_field(""), nullptr);
  EXPECT_EQ(find_inspection_field("remarques.batiments"), nullptr);  // per-section texts are not listed
  EXPECT_EQ(find_inspection_field(field::kVisitDate)->spec.type, ItemType::kDate);
  EXPECT_EQ(find_inspection_field(field::kPreviousVisit)->spec.type, ItemType::kDate);
  EXPECT_EQ(find_inspection_field(field::kGridVersion)->spec.type, ItemType::kInteger);
}

TEST(InspectionFields, FollowUpChoicesAndDeadline) {
  const MetaField* follow_up = find_inspection_field(field::kFollowUp);
  ASSERT_NE(follow_up, nullptr);
  ASSERT_EQ(follow_up->spec.type, ItemType::kChoice);
  std::vector<std::string> values;
  for (const auto& c : follow_up->spec.choices) values.push_back(c.value);
  EXPECT_THAT(values, ::testing::ElementsAre(kFollowUpChoiceNone, kFollowUpChoiceNoDeadline,
                                             kFollowUpChoiceDeadline, kFollowUpChoiceOther));
  const FieldSpec choice{follow_up->spec.key, follow_up->spec.type, &follow_up->spec.choices, follow_up->spec.min,
                         follow_up->spec.max};
  EXPECT_EQ(parse_field(choice, "avec_delai"), Value::text("avec_delai"));
  EXPECT_EQ(parse_field(choice, "Aucune remarque"), Value::text("aucun"));
  EXPECT_EQ(parse_field(choice, "peut-être").error().code(), StatusCode::kInvalidArgument);

  const MetaField* days = find_inspection_field(field::kFollowUpDays);
  ASSERT_NE(days, nullptr);
  const FieldSpec deadline{days->spec.key, days->spec.type, nullptr, days->spec.min, days->spec.max};
  EXPECT_EQ(parse_field(deadline, "1"), Value::number(Number::integer(1)));
  EXPECT_EQ(parse_field(deadline, "365"), Value::number(Number::integer(365)));
  EXPECT_EQ(parse_field(deadline, "0").error().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(parse_field(deadline, "366").error().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(parse_field(deadline, "30,5").error().code(), StatusCode::kInvalidArgument);
}

TEST(InspectionTables, PeopleAndPreviousRecommendations) {
  const MetaTable* people = find_inspection_table(kPeopleTable);
  ASSERT_NE(people, nullptr);
  ASSERT_EQ(people->columns.size(), 2u);
  EXPECT_EQ(people->columns[0].key, "nom");
  EXPECT_EQ(people->columns[1].key, "fonction");
  const MetaTable* previous = find_inspection_table(kPreviousRecommendationsTable);
  ASSERT_NE(previous, nullptr);
  ASSERT_EQ(previous->columns.size(), 2u);
  EXPECT_EQ(previous->columns[0].key, "recommandation");
  EXPECT_EQ(previous->columns[1].key, "reponse");
  EXPECT_EQ(find_inspection_table("inconnu"), nullptr);
  EXPECT_EQ(inspection_tables().size(), 2u);
  for (const auto& t : inspection_tables()) {
    EXPECT_FALSE(t.label.empty());
    for (const auto& c : t.columns) EXPECT_EQ(c.type, ItemType::kText) << t.key << "." << c.key;
  }
}

}  // namespace
}  // namespace carnet::core
