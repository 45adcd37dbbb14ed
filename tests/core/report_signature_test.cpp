#include "core/report_signature.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/grid.hpp"

namespace carnet::core {
namespace {

std::shared_ptr<const Grid> test_grid(int version = 1) {
  GridDef def;
  def.key = "test";
  def.version = version;
  def.title = "Grille";
  Section s;
  s.key = "s";
  s.number = "I";
  s.title = "Section";
  Item places;
  places.key = "s.places";
  places.label = "Places";
  places.type = ItemType::kInteger;
  Norm norm;
  norm.id = "s.places_min";
  norm.condition = "s.places >= 10";
  norm.reference = "art. 1";
  norm.requirement = "10 places";
  places.norms.push_back(norm);
  s.items.push_back(places);
  Item table;
  table.key = "s.personnel";
  table.label = "Personnel";
  table.type = ItemType::kTable;
  Column nom;
  nom.key = "nom";
  nom.label = "Nom";
  Column etp;
  etp.key = "etp";
  etp.label = "ETP";
  etp.type = ItemType::kDecimal;
  table.columns = {nom, etp};
  s.items.push_back(table);
  def.sections.push_back(s);
  auto g = Grid::compile(def);
  EXPECT_TRUE(g.has_value());
  return *g;
}

Value num(const char* text) { return Value::number(*Number::parse(text)); }

// A signed-looking view; `fields_in_order` and `rows_reversed` change the order of writes.
InspectionView make_view(bool reversed = false) {
  InspectionView v;
  v.id = "insp-1";
  v.dossier.id = "D1";
  v.dossier.name = "Maison";
  v.grid = test_grid();
  std::vector<std::pair<std::string, Value>> fields = {
      {"s.places", num("12")},
      {std::string(field::kVisitDate), Value::date(*Date::parse("2025-03-10"))},
      {std::string(field::kConclusions), Value::text("Bon fonctionnement.")},
      {std::string(field::kFollowUp), Value::text("avec_delai")},
      {std::string(field::kFollowUpDays), num("30")},
      {std::string(field::kLeadInspector), Value::text("insp.dupont")},
      {std::string(field::kSignedBy), Value::text("insp.dupont")},
      {std::string(field::kSignedAt), Value::text("2025-03-10T15:00:00Z")},
      {"remarques.s", Value::text("Une remarque.")},
  };
  if (reversed) std::reverse(fields.begin(), fields.end());
  for (auto& [k, val] : fields) v.fields.emplace(k, val);
  std::vector<TableRow> staff = {{"row-a", {Value::text("Alice"), num("0.5")}},
                                 {"row-b", {Value::text("Bob"), Value()}}};
  std::vector<TableRow> people = {{"row-c", {Value::text("M. Martin"), Value::text("directeur")}}};
  if (reversed) std::reverse(staff.begin(), staff.end());
  v.rows.emplace("s.personnel", staff);
  v.rows.emplace(std::string(kPeopleTable), people);
  v.answers = std::make_unique<AnswerSet>(v.grid);
  v.answers->set(0, num("12"));
  return v;
}

TEST(CanonicalReport, StartsWithItsVersionAndIsDeterministic) {
  const std::string bytes = canonical_report(make_view());
  ASSERT_GT(bytes.size(), 20u);
  EXPECT_EQ(bytes.substr(4, kCanonicalReportMagic.size()), kCanonicalReportMagic);
  EXPECT_EQ(bytes, canonical_report(make_view()));
}

TEST(CanonicalReport, SameReportGivesSameBytesWhateverTheOrderOfWrites) {
  EXPECT_EQ(canonical_report(make_view(false)), canonical_report(make_view(true)));
}

TEST(CanonicalReport, AnyChangeOfACoveredFieldChangesTheBytes) {
  const std::string base = canonical_report(make_view());
  std::vector<std::pair<std::string, std::function<void(InspectionView&)>>> edits = {
      {"answer", [](InspectionView& v) { v.fields["s.places"] = num("13"); }},
      {"answer cleared", [](InspectionView& v) { v.fields.erase("s.places"); }},
      {"number form", [](InspectionView& v) { v.fields["s.places"] = Value::text("12"); }},
      {"conclusions",
       [](InspectionView& v) {
         v.fields[std::string(field::kConclusions)] = Value::text("Bon fonctionnement");
       }},
      {"follow-up",
       [](InspectionView& v) {
         v.fields[std::string(field::kFollowUp)] = Value::text("sans_delai");
       }},
      {"delay", [](InspectionView& v) { v.fields[std::string(field::kFollowUpDays)] = num("31"); }},
      {"date",
       [](InspectionView& v) {
         v.fields[std::string(field::kVisitDate)] = Value::date(*Date::parse("2025-03-11"));
       }},
      {"signer",
       [](InspectionView& v) {
         v.fields[std::string(field::kSignedBy)] = Value::text("insp.autre");
       }},
      {"signed at",
       [](InspectionView& v) {
         v.fields[std::string(field::kSignedAt)] = Value::text("2025-03-10T15:00:01Z");
       }},
      {"lead",
       [](InspectionView& v) { v.fields[std::string(field::kLeadInspector)] = Value::text("x"); }},
      {"remark", [](InspectionView& v) { v.fields["remarques.s"] = Value::text("Une remarque!"); }},
      {"new field",
       [](InspectionView& v) {
         v.fields[std::string(field::kAccompanying)] = Value::text("insp.b");
       }},
      {"cell", [](InspectionView& v) { v.rows["s.personnel"][0].cells[1] = num("0.6"); }},
      {"empty cell filled",
       [](InspectionView& v) { v.rows["s.personnel"][1].cells[1] = num("0"); }},
      {"row removed", [](InspectionView& v) { v.rows["s.personnel"].pop_back(); }},
      {"row added",
       [](InspectionView& v) {
         v.rows["s.personnel"].push_back({"row-z", {Value::text("Zoé"), Value()}});
       }},
      {"people",
       [](InspectionView& v) {
         v.rows[std::string(kPeopleTable)][0].cells[1] = Value::text("directrice");
       }},
      {"inspection id", [](InspectionView& v) { v.id = "insp-2"; }},
      {"dossier id", [](InspectionView& v) { v.dossier.id = "D2"; }},
      {"grid version",
       [](InspectionView& v) {
         v.grid = test_grid(2);
         v.answers = std::make_unique<AnswerSet>(v.grid);
         v.answers->set(0, num("12"));
       }},
      {"finding", [](InspectionView& v) { v.answers->set(0, num("5")); }},
  };
  std::set<std::string> seen = {base};
  for (auto& [name, edit] : edits) {
    InspectionView v = make_view();
    edit(v);
    const std::string bytes = canonical_report(v);
    EXPECT_NE(bytes, base) << name;
    EXPECT_TRUE(seen.insert(bytes).second) << name << " gives the bytes of another edit";
  }
}

TEST(CanonicalReport, FieldsOutsideTheSignatureDoNotChangeTheBytes) {
  const std::string base = canonical_report(make_view());
  InspectionView v = make_view();
  v.fields[std::string(field::kStatus)] = Value::text("signed");
  v.fields[std::string(field::kHolderAnswer)] = Value::text("Avis du titulaire");
  v.fields[std::string(field::kSignature)] = Value::text("MEUCIQ==");
  v.fields[std::string(field::kSignatureDevice)] = Value::text("device");
  v.fields[std::string(field::kSignatureCertificate)] = Value::text("-----BEGIN CERTIFICATE-----");
  v.dossier.name = "Autre nom";
  EXPECT_EQ(canonical_report(v), base);
}

TEST(CanonicalReport, LengthPrefixesKeepFieldBoundaries) {
  // "ab"+"c" and "a"+"bc" must not encode alike.
  InspectionView a = make_view();
  InspectionView b = make_view();
  a.fields["remarques.s"] = Value::text("ab");
  b.fields["remarques.s"] = Value::text("a");
  a.rows["s.personnel"][0].cells[0] = Value::text("c");
  b.rows["s.personnel"][0].cells[0] = Value::text("bc");
  EXPECT_NE(canonical_report(a), canonical_report(b));
}

TEST(ReportSignature, ReadsTheSignatureFields) {
  InspectionView v = make_view();
  EXPECT_FALSE(report_signature(v).has_value());
  v.fields[std::string(field::kSignature)] = Value::text("c2ln");
  v.fields[std::string(field::kSignatureDevice)] = Value::text("dev-1");
  v.fields[std::string(field::kSignatureCertificate)] = Value::text("PEM");
  auto s = report_signature(v);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->signer, "insp.dupont");
  EXPECT_EQ(s->signed_at, "2025-03-10T15:00:00Z");
  EXPECT_EQ(s->device, "dev-1");
  EXPECT_EQ(s->certificate_pem, "PEM");
  EXPECT_EQ(s->signature, "c2ln");
  EXPECT_EQ(signature_state_label(SignatureState::kValid), "signature vérifiée");
  EXPECT_EQ(signature_state_label(SignatureState::kInvalid), "signature invalide");
  EXPECT_EQ(signature_state_label(SignatureState::kUnsigned), "non signé");
}

}  // namespace
}  // namespace carnet::core
