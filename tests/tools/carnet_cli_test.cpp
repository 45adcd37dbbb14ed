// End-to-end tests of the `carnet` program: real processes, a real data directory.
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "core/json.hpp"
#include "storage/database.hpp"
#include "storage/key_file.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/terminal.hpp"
#include "support/test_secret.hpp"
#include "sync/device_credentials.hpp"
#include "sync/pki.hpp"

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
  // What `carnet enroll` leaves in the data directory (a device key, its certificate from a
  // central CA, the pinned CA), made here without a central node: signing needs the key.
  void give_device_credentials() {
    auto ca = sync::make_ca("Autorité de test", 30);
    ASSERT_TRUE(ca.has_value());
    auto request = sync::make_certificate_request("tablette-test");
    ASSERT_TRUE(request.has_value());
    auto cert = sync::sign_certificate_request(*ca, request->csr_pem, "tablette-test", "insp-07", 30);
    ASSERT_TRUE(cert.has_value());
    auto data_key = storage::unlock_key_file(data() + "/carnet.key", test_secret());
    ASSERT_TRUE(data_key.has_value());
    const core::Status s =
        sync::install_device_credentials(sync::DeviceFiles(data(), *data_key), request->key_pem, *cert, ca->cert_pem);
    ASSERT_TRUE(s.ok()) << s.message();
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
  // A tablet that is not enrolled has no device key: it cannot sign, says so, and the
  // inspection stays completed.
  r = carnet({"inspection", "sign", id});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("carnet enroll"), std::string::npos) << r.err;
  EXPECT_EQ(json({"report", id, "--format", "json"}).find("status")->as_string(), "completed");
  give_device_credentials();
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
                           "Claire Lambert", "Mme Dubois", "non conforme", "@page { size: A4",
                           "Signé par Claire Lambert (insp-07)", "Appareil de signature : tablette-test",
                           "signature vérifiée"}) {
    EXPECT_NE(page.find(part), std::string::npos) << part;
  }
  const core::Json report = json({"report", id, "--format", "json"});
  EXPECT_EQ(report.find("status")->as_string(), "signed");
  EXPECT_EQ(report.find("signed")->find("by")->as_string(), "insp-07");
  EXPECT_EQ(report.find("signed")->find("device")->as_string(), "tablette-test");
  EXPECT_EQ(report.find("signed")->find("verification")->find("state")->as_string(), "valid");
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
  give_device_credentials();
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


// Every file under `dir` whose bytes contain `needle`.
std::vector<std::string> files_containing(const std::string& dir, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), {}};
    if (bytes.find(needle) != std::string::npos) out.push_back(e.path().string());
  }
  return out;
}

std::string write_secret(const std::string& path, const std::string& text) {
  std::ofstream(path) << text << "\n";
  ::chmod(path.c_str(), 0600);
  return path;
}

TEST_F(CarnetCli, NoFileUnderTheDataDirectoryHoldsAResidentNameInClear) {
  const std::string sentinel = "Zorglub-Sentinelle-7731";
  init_with_samples();
  const std::string id = start_shelter();
  const std::string photo = dir_.file("photo.jpg");
  std::ofstream(photo, std::ios::binary) << std::string(100000, 'p') << "legende " << sentinel << std::string(100000, 'q');
  ASSERT_EQ(carnet({"inspection", "set", id, "remarques.batiments=Chambre de " + sentinel, "personnes[+].nom=" + sentinel,
                    "introduction.president=" + sentinel, "conclusions=Vu " + sentinel})
                .exit_code,
            0);
  ASSERT_EQ(carnet({"inspection", "attach", id, "batiments.photos[+].photo", photo}).exit_code, 0);
  // Many more writes, so that pages go through the WAL and back into the database file.
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(carnet({"inspection", "set", id, "remarques.batiments=" + sentinel + " " + std::to_string(i)}).exit_code, 0);
  }
  EXPECT_EQ(files_containing(data(), sentinel), std::vector<std::string>{});
  EXPECT_EQ(files_containing(data(), "SQLite format 3"), std::vector<std::string>{});
  EXPECT_EQ(files_containing(data(), "Claire Lambert"), std::vector<std::string>{});  // the inspector too
  // ... and the node reads it all back.
  const ProcessResult shown = carnet({"inspection", "show", id, "--json"});
  EXPECT_NE(shown.out.find(sentinel), std::string::npos) << shown.out;
}

TEST_F(CarnetCli, AWrongPassphraseIsOneClearErrorAndChangesNothing) {
  init_with_samples();
  const std::string wrong = write_secret(dir_.file("wrong"), "pas la bonne phrase");
  const std::string before = carnet({"dossier", "list", "--json"}).out;
  for (const auto& cmd : std::vector<std::vector<std::string>>{{"dossier", "list"}, {"inspection", "start", "--dossier", "ma-0042"}, {"status"}}) {
    auto args = cmd;
    args.insert(args.end(), {"--passphrase-file", wrong});
    const ProcessResult r = carnet(args);
    EXPECT_EQ(r.exit_code, 9) << r.err;
    EXPECT_EQ(r.err, "carnet : erreur : phrase de passe incorrecte\n");
    EXPECT_EQ(r.err.find("malformed"), std::string::npos);
  }
  const core::Json j = json({"dossier", "list", "--passphrase-file", wrong}, 9);
  EXPECT_EQ(j.find("error")->find("code")->as_string(), "permission_denied");
  EXPECT_EQ(carnet({"dossier", "list", "--json"}).out, before);
  EXPECT_EQ(pending(), 0);
  // A secret file others can read is refused before it is used.
  const std::string loose = write_secret(dir_.file("loose"), kTestPassphrase);
  ::chmod(loose.c_str(), 0644);
  const ProcessResult r = carnet({"dossier", "list", "--passphrase-file", loose});
  EXPECT_EQ(r.exit_code, 9);
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
  // No secret at all, and no terminal: says how to give one.
  const ProcessResult none = run_process(CARNET_BIN, {"dossier", "list", "--data", data()}, {"CARNET_PASSPHRASE_FILE="});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("--passphrase-file"), std::string::npos) << none.err;
}

TEST_F(CarnetCli, PassphraseChangeRewrapsTheKeyAtomicallyAndKeepsTheData) {
  init_with_samples();
  const std::string id = start_shelter();
  ASSERT_EQ(carnet({"inspection", "set", id, "batiments.nb_wc=4"}).exit_code, 0);
  const std::string key_before = [&] {
    std::ifstream in(data() + "/carnet.key");
    return std::string{std::istreambuf_iterator<char>(in), {}};
  }();
  const std::string next = write_secret(dir_.file("next"), "une toute nouvelle phrase");
  const ProcessResult changed = carnet({"passphrase", "change", "--new-passphrase-file", next});
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  // The old passphrase no longer opens the node; the new one does, with everything there.
  EXPECT_EQ(carnet({"dossier", "list"}).exit_code, 9);
  const ProcessResult shown = carnet({"inspection", "show", id, "--json", "--passphrase-file", next});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("nb_wc"), std::string::npos);
  std::ifstream in(data() + "/carnet.key");
  const std::string key_after{std::istreambuf_iterator<char>(in), {}};
  EXPECT_NE(key_after, key_before);
  EXPECT_EQ(std::filesystem::status(data() + "/carnet.key").permissions() & std::filesystem::perms::group_all,
            std::filesystem::perms::none);
  // A too-short new passphrase is refused and the key file keeps the current one.
  const std::string shorty = write_secret(dir_.file("short"), "court");
  EXPECT_EQ(carnet({"passphrase", "change", "--passphrase-file", next, "--new-passphrase-file", shorty}).exit_code, 2);
  EXPECT_EQ(carnet({"dossier", "list", "--passphrase-file", next}).exit_code, 0);
  // From a passphrase to a key file for unattended use.
  std::string random(64, '\0');
  std::ifstream("/dev/urandom", std::ios::binary).read(random.data(), 64);
  const std::string keyfile = write_secret(dir_.file("tablet.key"), random);
  ASSERT_EQ(carnet({"passphrase", "change", "--passphrase-file", next, "--new-key-file", keyfile}).exit_code, 0);
  EXPECT_EQ(carnet({"dossier", "list", "--key-file", keyfile}).exit_code, 0);
  const ProcessResult kind = carnet({"dossier", "list", "--passphrase-file", next});
  EXPECT_EQ(kind.exit_code, 4);
  EXPECT_NE(kind.err.find("fichier de clé"), std::string::npos) << kind.err;
}


// Runs carnet on a pseudo-terminal, typing `typed` at each passphrase prompt; what the
// terminal showed and the exit code.
std::pair<std::string, int> run_on_terminal(const std::vector<std::string>& args, const std::vector<std::string>& typed) {
  TerminalRun r = testing::run_on_terminal(CARNET_BIN, args, typed, {"phrase de passe : ", "Phrase de passe : "},
                                           {"CARNET_PASSPHRASE_FILE"});
  return {r.screen, r.exit_code};
}

TEST_F(CarnetCli, AtTheTerminalThePassphraseIsAskedForWithoutEcho) {
  const std::string secret = "ma phrase tapée au terminal";
  auto [screen, code] = run_on_terminal({"init", "--inspector", "insp-07", "--name", "Claire Lambert", "--data", data()},
                                        {secret, secret});
  EXPECT_EQ(code, 0) << screen;
  EXPECT_NE(screen.find("Nouvelle phrase de passe : "), std::string::npos) << screen;
  EXPECT_NE(screen.find("Confirmer la phrase de passe : "), std::string::npos) << screen;
  EXPECT_EQ(screen.find(secret), std::string::npos) << "the passphrase was echoed: " << screen;
  std::tie(screen, code) = run_on_terminal({"dossier", "list", "--data", data()}, {secret});
  EXPECT_EQ(code, 0) << screen;
  EXPECT_EQ(screen.find(secret), std::string::npos) << screen;
  std::tie(screen, code) = run_on_terminal({"dossier", "list", "--data", data()}, {"pas celle-là"});
  EXPECT_EQ(code, 9) << screen;
  EXPECT_NE(screen.find("phrase de passe incorrecte"), std::string::npos) << screen;
  // Two different entries when choosing one: refused, nothing created.
  const std::string other = dir_.file("other");
  std::tie(screen, code) = run_on_terminal({"init", "--inspector", "x", "--name", "X", "--data", other},
                                           {"une premiere phrase", "une autre phrase"});
  EXPECT_EQ(code, 2) << screen;
  EXPECT_FALSE(std::filesystem::exists(other + "/carnet.key"));
}

TEST_F(CarnetCli, ServeListensOnLoopbackOnlyUnlessAskedExplicitly) {
  init_with_samples();
  for (const char* listen : {"192.168.1.5:0", "10.0.0.1:8080"}) {
    const auto r = carnet({"serve", "--listen", listen});
    EXPECT_EQ(r.exit_code, 2) << listen;
    EXPECT_NE(r.err.find("--allow-remote"), std::string::npos) << r.err;
  }
  for (const char* listen : {"0.0.0.0:0", "[::]:0"}) {
    const auto r = carnet({"serve", "--listen", listen, "--allow-remote"});
    EXPECT_EQ(r.exit_code, 2) << listen;
    EXPECT_NE(r.err.find("adresse précise"), std::string::npos) << r.err;
  }
  for (const char* listen : {"127.0.0.1", "127.0.0.1:99999", ":80", "127.0.0.1:8a"}) {
    const auto r = carnet({"serve", "--listen", listen});
    EXPECT_EQ(r.exit_code, 2) << listen;
    EXPECT_NE(r.err.find("ADRESSE:PORT"), std::string::npos) << r.err;
  }
  const auto r = carnet({"serve", "--sync-interval", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--sync-interval"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace carnet::testing
