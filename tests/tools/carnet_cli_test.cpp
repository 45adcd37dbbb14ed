// End-to-end tests of the `carnet` program: real processes, a real data directory.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <map>
#include <sstream>

#include "core/json.hpp"
#include "storage/database.hpp"
#include "storage/key_file.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_secret.hpp"

namespace carnet::testing {
namespace {

class CarnetCli : public ::testing::Test {
 protected:
  void SetUp() override { install_test_passphrase(); }
  // Runs carnet with --data pointing at this test's directory.
  ProcessResult carnet(std::vector<std::string> args) {
    args.push_back("--data");
    args.push_back(data());
    return run_process(CARNET_BIN, args);
  }
  // Runs carnet with --json and parses its standard output.
  core::Json json(std::vector<std::string> args, int expected_exit = 0) {
    args.push_back("--json");
    const ProcessResult r = carnet(args);
    EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
    auto j = core::Json::parse(r.out);
    EXPECT_TRUE(j.has_value()) << r.out;
    return j.value_or(core::Json());
  }
  std::string data() const { return dir_.file("node"); }

  void init_with_samples() {
    ASSERT_EQ(carnet({"init", "--inspector", "insp-07", "--name", "Claire Lambert"}).exit_code, 0);
    const auto r = carnet({"dossier", "import", std::string(CARNET_SOURCE_DIR) + "/tools/samples/dossiers.json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string start_shelter() {
    const core::Json j = json({"inspection", "start", "--dossier", "ma-0042", "--date", "2025-03-10"});
    return j.find("id") ? j.find("id")->as_string() : "";
  }
  std::int64_t pending() {
    const core::Json j = json({"changes"});
    return j.find("pending") ? std::stoll(j.find("pending")->number_text()) : -1;
  }
  // The status of every finding, keyed by "item|norm".
  std::map<std::string, std::string> findings(const std::string& id) {
    std::map<std::string, std::string> out;
    const core::Json j = json({"inspection", "findings", id});
    for (const auto& f : j.as_array()) {
      out[f.find("item")->as_string() + "|" + f.find("norm")->as_string()] = f.find("status")->as_string();
      EXPECT_FALSE(f.find("reference")->as_string().empty());
      EXPECT_FALSE(f.find("message")->as_string().empty());
    }
    return out;
  }
  // The statuses of the findings attached to `item`.
  std::vector<std::string> statuses_of(const std::map<std::string, std::string>& all, const std::string& item) {
    std::vector<std::string> out;
    for (const auto& [key, status] : all) {
      if (key.substr(0, key.find('|')) == item) out.push_back(status);
    }
    return out;
  }

  TempDir dir_;
};

TEST_F(CarnetCli, CapturesAShelterInspectionOfflineFromStartToSignedReport) {
  init_with_samples();
  const std::string id = start_shelter();
  ASSERT_FALSE(id.empty());
  auto r = carnet({"inspection", "set", id, "agrement.places_subventionnees=20", "fonctionnement.nuitees_totales=7000",
                   "fonctionnement.nuitees_agreees=5840", "fonctionnement.nuitees_enfants=1000", "conclusions=RAS",
                   "suivi=aucun", "personnes[+].nom=Mme Dubois", "personnes[+].fonction=directrice"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(carnet({"inspection", "complete", id}).exit_code, 0);
  ASSERT_EQ(carnet({"inspection", "sign", id}).exit_code, 0);
  const std::string html = dir_.file("rapport.html");
  r = carnet({"report", id, "--format", "html", "--output", html});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(html);
  std::stringstream text;
  text << in.rdbuf();
  const std::string page = text.str();
  for (const char* part : {"RAPPORT D'INSPECTION", "Maison d&#39;accueil Le Relais", "RW/AHA/042", "I. Introduction",
                           "VII. Bâtiments", "VIII. CONCLUSIONS", "IX. SUIVI SOUHAITÉ", "X. AVIS / REMARQUES DU TITULAIRE",
                           "Claire Lambert", "Mme Dubois", "non conforme", "@page { size: A4"}) {
    EXPECT_NE(page.find(part), std::string::npos) << part;
  }
  const core::Json report = json({"report", id, "--format", "json"});
  EXPECT_EQ(report.find("status")->as_string(), "signed");
  EXPECT_EQ(report.find("signed")->find("by")->as_string(), "insp-07");
  EXPECT_EQ(report.find("sections")->as_array().size(), 7u);
}

TEST_F(CarnetCli, FindingsForTheContractKeysAtTheirThresholds) {
  init_with_samples();
  const std::string id = start_shelter();
  // Everything exactly at its threshold: conform where the law says "at least", nonconform
  // where it says "more than" (occupancy > 80 %).
  auto r = carnet({"inspection", "set", id, "agrement.places_subventionnees=20", "fonctionnement.nuitees_totales=7300",
                   "fonctionnement.nuitees_agreees=5840", "fonctionnement.nuitees_enfants=1000",
                   "personnel.art94.etp_directeur=1", "personnel.art94.etp_as=1", "personnel.art94.etp_educateur=2",
                   "batiments.nb_heberges=20", "batiments.nb_wc=2", "batiments.nb_douches=2", "batiments.nb_lavabos=5",
                   "batiments.attestation_incendie_expiration=2025-03-10", "introduction.ca_hommes=4",
                   "introduction.ca_femmes=2", "participation.paf_gite=7,92", "participation.paf_gite_couvert=13,20"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto all = findings(id);
  const std::vector<std::string> conform = {"conform"};
  EXPECT_EQ(statuses_of(all, "fonctionnement.taux_occupation"), std::vector<std::string>{"nonconform"});  // exactly 80 %
  for (const char* item : {"personnel.art94.etp_directeur", "personnel.art94.etp_as", "personnel.art94.etp_educateur",
                           "batiments.nb_wc", "batiments.nb_douches", "batiments.nb_lavabos",
                           "batiments.attestation_incendie_expiration", "introduction.ca_hommes", "introduction.ca_femmes",
                           "participation.paf_gite", "participation.paf_gite_couvert"}) {
    EXPECT_EQ(statuses_of(all, item), conform) << item;
  }
  // Just past every threshold.
  r = carnet({"inspection", "set", id, "fonctionnement.nuitees_agreees=5841", "personnel.art94.etp_educateur=1,99",
              "batiments.nb_heberges=21", "batiments.nb_lavabos=6", "batiments.nb_douches=1",
              "batiments.attestation_incendie_expiration=2025-03-09", "introduction.ca_hommes=5",
              "participation.paf_gite=7,91", "participation.paf_gite_couvert=13,19"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  all = findings(id);
  const std::vector<std::string> nonconform = {"nonconform"};
  EXPECT_EQ(statuses_of(all, "fonctionnement.taux_occupation"), conform);  // 80,01 %
  for (const char* item : {"personnel.art94.etp_educateur", "batiments.nb_wc", "batiments.nb_douches",
                           "batiments.attestation_incendie_expiration", "introduction.ca_hommes", "participation.paf_gite",
                           "participation.paf_gite_couvert"}) {
    EXPECT_EQ(statuses_of(all, item), nonconform) << item;
  }
  EXPECT_EQ(statuses_of(all, "batiments.nb_lavabos"), conform);  // 6 × 4 = 24 >= 21
  EXPECT_EQ(statuses_of(all, "introduction.ca_femmes"), conform);
  // 25 % of child nights lowers the occupancy threshold to 70 %.
  r = carnet({"inspection", "set", id, "fonctionnement.nuitees_enfants=1825", "fonctionnement.nuitees_agreees=5111"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(statuses_of(findings(id), "fonctionnement.taux_occupation"), conform);  // 70,01 %
  r = carnet({"inspection", "set", id, "fonctionnement.nuitees_agreees=5110"});
  EXPECT_EQ(statuses_of(findings(id), "fonctionnement.taux_occupation"), nonconform);  // exactly 70 %
  // Missing data is unknown, never a verdict.
  r = carnet({"inspection", "set", id, "agrement.places_subventionnees="});
  EXPECT_EQ(statuses_of(findings(id), "fonctionnement.taux_occupation"), std::vector<std::string>{"unknown"});
}

TEST_F(CarnetCli, JsonFlagAndDataDirectoryFromTheEnvironment) {
  const auto r = run_process(CARNET_BIN, {"--json", "init", "--name", "Anne", "--inspector", "a-1"},
                             {"CARNET_DATA=" + data()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = core::Json::parse(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ(j->find("inspector")->as_string(), "a-1");
  EXPECT_EQ(j->find("grids")->number_text(), "4");
  const auto list = run_process(CARNET_BIN, {"grid", "list", "--json"}, {"CARNET_DATA=" + data()});
  EXPECT_EQ(core::Json::parse(list.out)->as_array().size(), 4u);
}

TEST_F(CarnetCli, BadInputGetsOneClearMessageANonZeroExitAndWritesNothing) {
  init_with_samples();
  const std::string id = start_shelter();
  const std::int64_t before = pending();
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"inspection", "set", id, "batiments.nb_wc=2", "batiments.inconnu=1"}, 2, "clé inconnue « batiments.inconnu »"},
      {{"inspection", "set", id, "batiments.nb_wc=deux"}, 2, "« deux » n'est pas un nombre"},
      {{"inspection", "set", id, "batiments.nb_wc=-1"}, 2, "hors limites"},
      {{"inspection", "set", id, "batiments.attestation_incendie_expiration=31/02/2025"}, 2, "date valide"},
      {{"inspection", "set", id, "fonctionnement.taux_occupation=80"}, 2, "calculé"},
      {{"inspection", "set", id, "participation.paf_gite=7,915"}, 2, "2 décimales"},
      {{"inspection", "set", "inconnue", "batiments.nb_wc=2"}, 3, "inspection inconnue"},
      {{"inspection", "start", "--dossier", "nope"}, 3, "dossier inconnu"},
      {{"inspection", "start", "--dossier", "ma-0042", "--grid", "inexistante"}, 3, "grille inconnue"},
      {{"inspection", "start", "--dossier", "ma-0042", "--date", "2025-13-01"}, 2, "date"},
      {{"inspection", "frobnicate", id}, 2, "sous-commande inconnue"},
      {{"bogus"}, 2, "commande inconnue"},
      {{"report", id, "--format", "pdf"}, 2, "html ou json"},
      {{"inspection", "set", id, "--unknown-flag"}, 2, "option inconnue"},
  };
  for (const auto& c : cases) {
    const ProcessResult r = carnet(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args[1] << " " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one message: " << r.err;
  }
  EXPECT_EQ(pending(), before);
  // With --json the error is a JSON object on standard output.
  const core::Json err = json({"inspection", "set", id, "batiments.nb_wc=deux"}, 2);
  EXPECT_EQ(err.find("error")->find("code")->as_string(), "invalid_argument");
}

TEST_F(CarnetCli, EditToASignedInspectionIsRefused) {
  init_with_samples();
  const std::string id = start_shelter();
  ASSERT_EQ(carnet({"inspection", "set", id, "suivi=sans_delai"}).exit_code, 0);
  ASSERT_EQ(carnet({"inspection", "complete", id}).exit_code, 0);
  ASSERT_EQ(carnet({"inspection", "sign", id}).exit_code, 0);
  const std::int64_t before = pending();
  const auto r = carnet({"inspection", "set", id, "batiments.nb_wc=3"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("signée"), std::string::npos) << r.err;
  EXPECT_EQ(pending(), before);
}

TEST_F(CarnetCli, ImportOfAMalformedFileImportsNothing) {
  ASSERT_EQ(carnet({"init", "--inspector", "i", "--name", "n"}).exit_code, 0);
  const std::string file = dir_.file("d.json");
  std::ofstream(file) << R"([{"id":"a","kind":"sis","name":"A","reference":"R"}, {"id":"b","kind":"sis","name":"B"}])";
  auto r = carnet({"dossier", "import", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("dossier n° 2 (b)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("reference"), std::string::npos) << r.err;
  std::ofstream(file) << R"([{"id":"a", )";
  r = carnet({"dossier", "import", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("JSON invalide"), std::string::npos) << r.err;
  EXPECT_EQ(json({"dossier", "list"}).as_array().size(), 0u);
}

TEST_F(CarnetCli, GridFileWithABrokenExpressionIsRefusedWithItsPlace) {
  const std::string file = dir_.file("bad.grid");
  std::ofstream(file) << R"(key: "x" version: 1 title: "X" sections { key: "s" number: "I" title: "S"
    items { key: "a" label: "A" type: ITEM_TYPE_INTEGER }
    items { key: "b" label: "B" type: ITEM_TYPE_DECIMAL calculate: "s.a * (2 +" } })";
  const auto r = run_process(CARNET_BIN, {"grid", "check", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("grille x v1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("item s.b"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("colonne 11"), std::string::npos) << r.err;
  const auto ok = run_process(CARNET_BIN, {"grid", "check", std::string(CARNET_SOURCE_DIR) + "/grids/maison-accueil.grid"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST_F(CarnetCli, UninitialisedCorruptAndLockedDataDirectories) {
  auto r = carnet({"dossier", "list"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("carnet init"), std::string::npos) << r.err;
  r = run_process(CARNET_BIN, {"dossier", "list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--data"), std::string::npos) << r.err;

  init_with_samples();
  {
    auto key = storage::unlock_key_file(data() + "/carnet.key", test_secret());
    ASSERT_TRUE(key);
    auto db = storage::Database::open(data() + "/carnet.db", storage::Database::Mode::kReadWrite, &*key);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("BEGIN EXCLUSIVE").ok());
    r = carnet({"inspection", "start", "--dossier", "ma-0042"});
    EXPECT_EQ(r.exit_code, 5) << r.err;
    EXPECT_NE(r.err.find("verrouillée"), std::string::npos) << r.err;
    ASSERT_TRUE((*db)->exec("ROLLBACK").ok());
  }

  // A replica whose bytes are not what its key sealed: refused, never read.
  const std::string other = dir_.file("corrupt");
  ASSERT_EQ(run_process(CARNET_BIN, {"init", "--inspector", "x", "--name", "X", "--data", other}).exit_code, 0);
  std::ofstream(other + "/carnet.db", std::ios::trunc) << std::string(4096, '\x42');
  r = run_process(CARNET_BIN, {"dossier", "list", "--data", other});
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_NE(r.err.find("endommagée"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace carnet::testing
