// The security suite: plays the attacker against a real central node process over TLS on
// loopback and real tablet processes, and prints a table of what it tried and what happened.
// Every row must be refused or detected, the server must still be serving after it, and at
// the end nothing that was accepted is lost. SECURITY.md lists the threats these rows stand for.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "storage/key_file.hpp"
#include "storage/replica.hpp"
#include "support/central_fixture.hpp"
#include "support/raw_tls.hpp"
#include "sync/http.hpp"

namespace carnet::testing {
namespace {

namespace fs = std::filesystem;

class SecuritySuite : public CentralNodeTest {
 protected:
  // Slow clients are cut after 2 s here (30 s by default), so that the suite stays quick.
  std::vector<std::string> serve_args(const std::string& data_dir, const std::string& listen) override {
    auto args = CentralNodeTest::serve_args(data_dir, listen);
    args.insert(args.end(), {"--request-timeout", "2"});
    return args;
  }

  struct Row {
    std::string attack;
    std::string outcome;
    bool refused = false;
    bool serving = false;
  };

  std::uint16_t port() const { return static_cast<std::uint16_t>(std::stoi(url_.substr(url_.rfind(':') + 1))); }
  sync::Credentials device_of(const std::string& tablet) {
    return {storage::read_file(dir_.file(tablet) + "/device.pem", 1 << 20).value(),
            sync::read_private_key_file(dir_.file(tablet) + "/device.key", files_of(tablet).seal).value()};
  }

  std::unique_ptr<sync::HttpsClient> client(const std::optional<sync::Credentials>& credentials) {
    return https_client(credentials);
  }
  // The central node still answers a fresh connection.
  bool serving() {
    auto r = client(std::nullopt)->request("GET", "/healthz", "");
    return r && r->status == 200;
  }
  void record(std::string attack, bool refused, std::string outcome) {
    rows_.push_back({std::move(attack), std::move(outcome), refused, serving()});
  }
  static std::string status_of(const core::Result<sync::HttpResponse>& r) {
    return r ? "HTTP " + std::to_string(r->status) : "connexion refusée : " + r.error().message();
  }

  // Tablet `name` enrolled for `inspector` and synced once.
  void ready(const std::string& name, const std::string& inspector) {
    enroll(name, inspector);
    ASSERT_EQ(tablet(name, {"sync"}).exit_code, 0);
  }

  // `s` cut to `width` characters (UTF-8) and padded to it.
  static std::string column(const std::string& s, std::size_t width) {
    std::string out;
    std::size_t chars = 0;
    for (std::size_t i = 0; i < s.size() && chars < width; ++chars) {
      std::size_t n = 1;
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0xF0) n = 4; else if (c >= 0xE0) n = 3; else if (c >= 0xC0) n = 2;
      if (s[i] != '\n') out += s.substr(i, n);
      i += n;
    }
    return out + std::string(width > chars ? width - chars : 0, ' ');
  }
  void print_table() const {
    std::cout << "\n" << column("attaque", 50) << " | " << column("refusée", 7) << " | " << column("service", 7)
              << " | ce qui s'est passé\n" << std::string(140, '-') << "\n";
    for (const Row& r : rows_) {
      std::cout << column(r.attack, 50) << " | " << column(r.refused ? "oui" : "NON", 7) << " | "
                << column(r.serving ? "oui" : "NON", 7) << " | " << column(r.outcome, 70) << "\n";
    }
    std::cout << std::endl;
  }

  std::vector<Row> rows_;
};

TEST_F(SecuritySuite, EveryAttackIsRefusedOrDetectedAndTheServerKeepsServingAndNothingAcceptedIsLost) {
  ASSERT_EQ(central({"inspector", "add", "outsider", "--name", "Inspecteur sans dossier"}).exit_code, 0);
  ready("a", "lead");
  ready("x", "outsider");
  ready("s", "lead");

  // What the lead inspector captures and the central node accepts: this must survive it all.
  const std::string id = tablet_json("a", {"inspection", "start", "--dossier", "ma-0042"}).find("id")->as_string();
  ASSERT_EQ(tablet("a", {"inspection", "set", id, "batiments.nb_wc=7", "remarques.batiments=Toiture à revoir"}).exit_code, 0);
  const std::string photo = dir_.file("photo.jpg");
  std::ofstream(photo, std::ios::binary) << std::string(5000, 'j');
  const std::string sha =
      tablet_json("a", {"inspection", "attach", id, "batiments.photos[+].photo", photo}).find("sha256")->as_string();
  ASSERT_EQ(tablet("a", {"sync"}).exit_code, 0);
  const std::string device_a = tablet_json("a", {"status"}).find("device_id")->as_string();
  const auto now = CentralNodeTest::now_s();

  {  // 1. No certificate.
    auto r = client(std::nullopt)->request("POST", "/v1/sync", "");
    record("synchroniser sans certificat", r && r->status == 401, status_of(r));
  }
  {  // 2. A certificate of another CA, for the real device id.
    auto evil = sync::make_ca("Autorité pirate", 30).value();
    auto csr = sync::make_certificate_request(device_a).value();
    auto cert = sync::sign_certificate_request(evil, csr.csr_pem, device_a, "lead", {now - 60, now + 86400}).value();
    auto r = client(sync::Credentials{cert, csr.key_pem})->request("POST", "/v1/sync", "");
    record("certificat signé par une autre autorité", !r.has_value(), status_of(r));
  }
  {  // 3. An expired certificate of our CA.
    auto csr = sync::make_certificate_request(device_a).value();
    auto cert = sync::sign_certificate_request(central_ca(), csr.csr_pem, device_a, "lead", {now - 100 * 86400, now - 86400}).value();
    auto r = client(sync::Credentials{cert, csr.key_pem})->request("POST", "/v1/sync", "");
    record("certificat expiré", r && r->status == 401 && r->body.find("expir") != std::string::npos, status_of(r));
  }
  {  // 4. A revoked (stolen) tablet.
    const sync::Credentials stolen = device_of("s");
    const std::string device_s = tablet_json("s", {"status"}).find("device_id")->as_string();
    ASSERT_EQ(central({"device", "revoke", device_s}).exit_code, 0);
    auto r = client(stolen)->request("POST", "/v1/sync", "");
    const ProcessResult sync_s = tablet("s", {"sync"});
    const bool wiped = !fs::exists(dir_.file("s") + "/device.key");
    record("tablette révoquée (volée)", r && r->status == 403 && sync_s.exit_code != 0 && wiped,
           status_of(r) + ", la tablette a effacé ses données : " + (wiped ? "oui" : "non"));
  }
  {  // 5. A one-time enrollment code used twice.
    const core::Json code = central_json({"enroll", "lead"});
    auto with = [&](const std::string& name) {
      return tablet(name, {"enroll", "--central", url_, "--code", code.find("code")->as_string(), "--ca-fingerprint",
                           code.find("ca_fingerprint")->as_string()});
    };
    const ProcessResult first = with("r1");
    const ProcessResult replay = with("r2");
    record("code d'enrôlement rejoué", first.exit_code == 0 && replay.exit_code != 0,
           "premier usage : " + std::to_string(first.exit_code) + ", second : " + std::to_string(replay.exit_code));
  }
  {  // 6. Pulling another inspector's dossier and photo.
    const core::Json dossiers = tablet_json("x", {"dossier", "list"});
    auto r = client(device_of("x"))->request("GET", "/v1/blobs/" + sha, "");
    record("tirer le dossier et la photo d'un autre inspecteur", dossiers.as_array().empty() && r && r->status == 403,
           std::to_string(dossiers.as_array().size()) + " dossier reçu, photo : " + status_of(r));
  }
  {  // 7. Pushing a change into another inspector's dossier (a tampered tablet).
    {
      auto key = storage::unlock_key_file(dir_.file("x") + "/carnet.key", test_secret()).value();
      auto replica = storage::Replica::open(dir_.file("x") + "/carnet.db", storage::Database::Mode::kReadWrite,
                                            core::SystemClock::instance(), key)
                         .value();
      auto tx = storage::Transaction::begin(replica->db()).value();
      const storage::EntityRef dossier{"dossier", "ma-0042", "ma-0042", "ma-0042"};
      ASSERT_TRUE(replica->create_entity(*tx, dossier).ok());
      auto written = replica->write(*tx, dossier, "name", core::Value::text("Nom falsifié"), replica->tick(*tx).value());
      ASSERT_TRUE(written.has_value()) << written.error().to_string();
      ASSERT_TRUE(tx->commit().ok());
    }
    const ProcessResult push = tablet("x", {"sync"});
    const core::Json quarantine = central_json({"quarantine", "list"});
    const bool untouched = central({"dossier", "list", "--json"}).out.find("falsifié") == std::string::npos;
    record("pousser dans le dossier d'un autre inspecteur", quarantine.as_array().size() == 1 && untouched,
           "changement mis en quarantaine (" + std::to_string(quarantine.as_array().size()) +
               "), dossier intact : " + (untouched ? "oui" : "non") + ", sortie " + std::to_string(push.exit_code));
  }
  {  // 8. Oversized and malformed bodies, oversized headers.
    auto big = client(device_of("a"))->request("POST", "/v1/sync", std::string(17u << 20, 'A'));
    record("corps de 17 Mio", !big || big->status == 413, status_of(big));
    std::mt19937 rng(7);
    std::string noise(4096, '\0');
    for (auto& c : noise) c = static_cast<char>(rng());
    auto junk = client(device_of("a"))->request("POST", "/v1/sync", noise);
    record("corps illisible (octets aléatoires)", junk && junk->status == 400, status_of(junk));
    auto junk_enroll = client(std::nullopt)->request("POST", "/v1/enroll", noise);
    record("demande d'enrôlement illisible", junk_enroll && junk_enroll->status == 400, status_of(junk_enroll));
    RawTls raw(port(), TLS1_3_VERSION, nullptr);
    ASSERT_TRUE(raw.handshake());
    raw.write("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(64 * 1024, 'h') + "\r\n\r\n");
    const bool answered_ok = raw.read_until("200 OK");
    record("en-têtes de 64 Kio", !answered_ok, answered_ok ? "accepté" : "refusé, connexion fermée");
  }
  {  // 9. A slow client (slowloris): one byte at a time, never a whole request.
    RawTls slow(port(), TLS1_3_VERSION, nullptr);
    ASSERT_TRUE(slow.handshake());
    const std::string request = "POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n";
    const auto start = std::chrono::steady_clock::now();
    bool closed = false;
    for (std::size_t i = 0; i < 100 && !closed; ++i) {
      slow.write(request.substr(i % request.size(), 1));
      closed = slow.socket().closed_within(std::chrono::milliseconds(100));
    }
    const auto held = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    record("client lent (un octet toutes les 100 ms)", closed,
           closed ? "déconnecté après " + std::to_string(held.count()) + " ms" : "encore connecté après 10 s");
  }
  {  // 10. The audit log edited behind the central node's back.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((central_dir_ + "/central.db").c_str(), &db), SQLITE_OK);
    auto exec = [&](const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); };
    ASSERT_EQ(exec("DROP TRIGGER audit_no_update"), SQLITE_OK);
    ASSERT_EQ(exec("UPDATE audit SET detail = 'rien à voir' WHERE seq = 3"), SQLITE_OK);
    const ProcessResult verify = central({"audit", "verify"});
    record("entrée du journal d'audit modifiée", verify.exit_code == 6,
           "audit verify : sortie " + std::to_string(verify.exit_code) + ", " + verify.err);
    sqlite3_close(db);
  }
  {  // 11. A tampered page of an encrypted replica (a copy of the tablet's data directory).
    const std::string copy = dir_.file("a-copie");
    fs::copy(dir_.file("a"), copy, fs::copy_options::recursive);
    const std::string db = copy + "/carnet.db";
    ASSERT_FALSE(fs::exists(db + "-wal") && fs::file_size(db + "-wal") > 0);
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    const auto pages = static_cast<std::streamoff>(fs::file_size(db) / 4096);
    for (std::streamoff p = 1; p < pages; ++p) {  // every page but the first: whatever is read fails
      f.seekp(p * 4096 + 200);
      f.put('\x5a');
    }
    f.close();
    const ProcessResult r = run_process(CARNET_BIN, {"inspection", "list", "--data", copy});
    record("page chiffrée altérée sur la tablette", r.exit_code == 6,
           "sortie " + std::to_string(r.exit_code) + " : " + r.err);
  }
  {  // 12. A forged report signature: signed on the tablet, then the signature replaced on it.
    ASSERT_EQ(tablet("a", {"inspection", "set", id, "conclusions=RAS", "suivi=aucun"}).exit_code, 0);
    const ProcessResult completed = tablet("a", {"inspection", "complete", id});
    ASSERT_EQ(completed.exit_code, 0) << completed.err;
    const ProcessResult signed_ = tablet("a", {"inspection", "sign", id});
    ASSERT_EQ(signed_.exit_code, 0) << signed_.err;
    {
      // Malicious software on the tablet rewrites the signature before it leaves: one
      // character of its base64, in the change waiting to be sent.
      auto key = storage::unlock_key_file(dir_.file("a") + "/carnet.key", test_secret()).value();
      auto db = storage::Database::open(dir_.file("a") + "/carnet.db", storage::Database::Mode::kReadWrite, &key).value();
      auto read = db->prepare("SELECT value FROM outbox WHERE entity_id = ?1 AND field = 'signature'").value();
      read.bind(1, id);
      ASSERT_TRUE(read.step().value_or(false));
      std::string forged = read.column_text(0);
      ASSERT_GT(forged.size(), 40u);
      forged[30] = forged[30] == 'A' ? 'B' : 'A';
      auto tx = storage::Transaction::begin(*db).value();
      auto write = tx->db().prepare("UPDATE outbox SET value = ?1 WHERE entity_id = ?2 AND field = 'signature'").value();
      write.bind(1, forged).bind(2, id);
      ASSERT_TRUE(write.run().ok());
      ASSERT_TRUE(tx->commit().ok());
    }
    const std::size_t quarantined_before = central_json({"quarantine", "list"}).as_array().size();
    const ProcessResult push = tablet("a", {"sync"});
    const std::size_t quarantined = central_json({"quarantine", "list"}).as_array().size() - quarantined_before;
    const ProcessResult verify = central({"report", "verify", id});
    record("signature de rapport falsifiée", quarantined >= 1 && verify.exit_code != 0,
           std::to_string(quarantined) + " changement(s) en quarantaine, report verify : sortie " +
               std::to_string(verify.exit_code) + " " + verify.out + verify.err);
  }
  {  // 13. The device key copied off a tablet that is switched off: sealed, useless as it is.
    const std::string on_card = storage::read_file(dir_.file("a") + "/device.key", 1 << 20).value();
    const std::string cert = storage::read_file(dir_.file("a") + "/device.pem", 1 << 20).value();
    auto r = client(sync::Credentials{cert, on_card})->request("POST", "/v1/sync", "");
    record("clé de l'appareil copiée sur la tablette éteinte",
           on_card.find("PRIVATE KEY") == std::string::npos && !r.has_value(), status_of(r));
  }
  {  // 14. A wrong passphrase.
    const std::string wrong = dir_.file("wrong");
    std::ofstream(wrong) << "ce n'est pas la bonne\n";
    fs::permissions(wrong, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    const ProcessResult r = tablet("a", {"status", "--passphrase-file", wrong});
    record("mauvaise phrase de passe", r.exit_code == 9, "sortie " + std::to_string(r.exit_code) + " : " + r.err);
  }
  {  // 15. Issue 16: a 1 MiB login of 90,000 short keys (once 33 s of a server thread).
    std::string body = "{";
    for (int i = 0; i < 90'000; ++i) body += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
    body += "}";
    auto r = client(std::nullopt)->request("POST", "/bureau/api/connexion", body, "application/json");
    record("connexion au bureau : JSON de 90 000 champs (1 Mio)", r && r->status == 413, status_of(r));
  }
  {  // 16. A login nested 1,500 deep, within the login's 4 KiB.
    const std::string body = "{\"nom\":" + std::string(1500, '[') + std::string(1500, ']') + "}";
    auto r = client(std::nullopt)->request("POST", "/bureau/api/connexion", body, "application/json");
    record("connexion au bureau : JSON imbriqué sur 1 500 niveaux", r && r->status == 400, status_of(r));
  }
  {  // 17. A stranger announces 16 MiB for the sync route and asks whether to send it.
    RawTls raw(port(), TLS1_3_VERSION, nullptr);
    ASSERT_TRUE(raw.handshake());
    raw.write("POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Length: 16777216\r\nExpect: 100-continue\r\n\r\n");
    const bool refused = raw.read_until("HTTP/1.1 413") && raw.received().find("100 Continue") == std::string::npos;
    record("16 Mio annoncés sans certificat (Expect: 100-continue)", refused,
           refused ? "413 avant le corps, pas de « 100 Continue »" : raw.received().substr(0, 60));
  }
  {  // 18. A 1 MiB enrollment request (a real one is under 2 KiB).
    auto r = client(std::nullopt)->request("POST", "/v1/enroll", std::string(1u << 20, 'E'));
    record("demande d'enrôlement de 1 Mio", r && r->status == 413, status_of(r));
  }
  {  // 19. 300 strangers from ten addresses hold connections open while a tablet syncs.
    std::vector<std::unique_ptr<Socket>> strangers;
    for (int i = 0; i < 300; ++i) {
      strangers.push_back(std::make_unique<Socket>(port(), ("127.0.0." + std::to_string(2 + i % 10)).c_str()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const ProcessResult synced = tablet("a", {"sync"});
    int evicted = 0;
    for (const auto& s : strangers) evicted += s->closed_within(std::chrono::milliseconds(1)) ? 1 : 0;
    record("300 connexions d'inconnus gardées ouvertes", synced.exit_code == 0 && evicted >= 300 - 256,
           "synchronisation de la tablette : sortie " + std::to_string(synced.exit_code) + ", " +
               std::to_string(evicted) + " plus anciennes fermées");
  }
  {  // 20. Issue 16: a stranger types wrong passwords for a clerk's account; the clerk still logs in.
    const std::string password_file = dir_.file("clerk-password");
    std::ofstream(password_file) << "Mot-de-passe-du-bureau-1\n";
    fs::permissions(password_file, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    ASSERT_EQ(central({"user", "add", "clerk", "--role", "office", "--password-file", password_file}).exit_code, 0);
    auto login_from = [&](const char* from, const std::string& password) {
      RawTls raw(port(), TLS1_3_VERSION, nullptr, false, from);
      if (!raw.handshake()) return std::string("pas de connexion");
      const std::string body = "{\"nom\":\"clerk\",\"mot_de_passe\":\"" + password + "\"}";
      raw.write("POST /bureau/api/connexion HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body);
      raw.read_until("\r\n\r\n");
      return raw.received().substr(0, raw.received().find("\r\n"));
    };
    std::string last;
    for (int i = 0; i < 10; ++i) last = login_from("127.0.0.5", "faux-" + std::to_string(i));
    const std::string clerk = login_from("127.0.0.1", "Mot-de-passe-du-bureau-1");
    record("10 mots de passe faux d'un inconnu pour un employé", last.find(" 429 ") != std::string::npos &&
                                                                     clerk.find(" 200 ") != std::string::npos,
           "l'inconnu : " + last + " ; l'employé, d'ailleurs : " + clerk);
  }
  {  // 21. A PROXY header sent by a stranger, to pass for another address.
    RawTls forged(port(), TLS1_3_VERSION, nullptr, false, "127.0.0.6", "PROXY TCP4 10.1.2.3 127.0.0.1 4000 443\r\n");
    const bool refused = !forged.handshake();
    record("en-tête PROXY envoyé par un inconnu", refused, refused ? "connexion fermée, en-tête non lu" : "accepté");
  }
  {  // 22. The pinned central CA swapped on a copy of a tablet's card, to trust another server.
    const std::string copy = dir_.file("a-autorite");
    fs::copy(dir_.file("a"), copy, fs::copy_options::recursive);
    std::ofstream(copy + "/central-ca.pem", std::ios::trunc) << sync::make_ca("Autorité pirate", 30).value().cert_pem;
    const ProcessResult r = run_process(CARNET_BIN, {"sync", "--data", copy});
    record("autorité centrale remplacée sur la tablette", r.exit_code == 6,
           "sortie " + std::to_string(r.exit_code) + " : " + r.err);
  }

  print_table();
  for (const Row& r : rows_) {
    EXPECT_TRUE(r.refused) << r.attack << " : " << r.outcome;
    EXPECT_TRUE(r.serving) << "the central node stopped serving after: " << r.attack;
  }

  // Nothing accepted is lost: the lead's tablet and the central node agree, the answers are in
  // the office's report, and the refused change is kept for a person to see.
  const core::Json verified = tablet_json("a", {"sync", "--verify"});
  ASSERT_NE(verified.find("checksum_ok"), nullptr);
  EXPECT_TRUE(verified.find("checksum_ok")->as_bool());
  EXPECT_EQ(tablet_json("a", {"status"}).find("pending")->number_text(), "0");
  const ProcessResult report = central({"report", id, "--format", "json"});
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("Toiture à revoir"), std::string::npos);
  EXPECT_NE(report.out.find(sha), std::string::npos);
  const core::Json quarantine = central_json({"quarantine", "list"});
  EXPECT_GE(quarantine.as_array().size(), 2u);  // the outsider's change and the forged signature
  // Each with its French text, and the same reason as a catalogue message for the pages.
  for (const core::Json& q : quarantine.as_array()) {
    ASSERT_NE(q.find("reason"), nullptr) << q.dump();
    EXPECT_FALSE(q.find("reason")->as_string().empty()) << q.dump();
    ASSERT_NE(q.find("raison"), nullptr) << q.dump();
    ASSERT_EQ(q.find("raison")->kind(), core::Json::Kind::kObject) << q.dump();
    EXPECT_TRUE(q.find("raison")->find("cle")->as_string().starts_with("stockage.central_sqlite.")) << q.dump();
  }
  // The outsider's tablet was told, with the message too (`carnet status --json`).
  const core::Json told = tablet_json("x", {"status"});
  ASSERT_NE(told.find("quarantined"), nullptr) << told.dump();
  ASSERT_FALSE(told.find("quarantined")->as_array().empty()) << told.dump();
  for (const core::Json& n : told.find("quarantined")->as_array()) {
    EXPECT_NE(n.find("reason")->as_string().find("hors du périmètre"), std::string::npos) << n.dump();
    ASSERT_EQ(n.find("raison")->kind(), core::Json::Kind::kObject) << n.dump();
    EXPECT_EQ(n.find("raison")->find("cle")->as_string(), "stockage.central_sqlite.hors_perimetre") << n.dump();
  }
}

}  // namespace
}  // namespace carnet::testing
