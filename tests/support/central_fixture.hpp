// CentralNodeTest: the end-to-end fixture, over real TLS on loopback between processes.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "storage/central_store.hpp"
#include "storage/files.hpp"
#include "storage/key_file.hpp"
#include "support/background_process.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_secret.hpp"
#include "sync/device_credentials.hpp"
#include "sync/http.hpp"
#include "sync/pki.hpp"

namespace carnet::testing {

// A central node process with two inspectors ("lead", "second") both assigned the sample
// shelter ma-0042, serving on a free loopback port; tablets are data directories under the
// test's temporary directory, run as `carnet` processes protected by the test passphrase.
class CentralNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    install_test_passphrase();
    central_dir_ = dir_.file("central");
    auto init = central_json({"init"});
    fingerprint_ = init.find("ca_fingerprint")->as_string();
    for (const char* who : {"lead", "second"}) {
      ASSERT_EQ(central({"inspector", "add", who, "--name", std::string("Inspecteur ") + who}).exit_code, 0);
    }
    ASSERT_EQ(central({"dossier", "import", std::string(CARNET_SOURCE_DIR) + "/tools/samples/dossiers.json"}).exit_code, 0);
    ASSERT_EQ(central({"assign", "ma-0042", "lead"}).exit_code, 0);
    ASSERT_EQ(central({"assign", "ma-0042", "second"}).exit_code, 0);
    server_ = std::make_unique<BackgroundProcess>(
        CARNET_CENTRAL_BIN, serve_args());
    auto line = server_->read_line();
    ASSERT_TRUE(line) << "the central node did not start";
    auto j = core::Json::parse(*line);
    ASSERT_TRUE(j) << *line;
    url_ = "https://" + j->find("listening")->as_string();
  }

  ProcessResult central(std::vector<std::string> args) {
    args.push_back("--data");
    args.push_back(central_dir_);
    return run_process(CARNET_CENTRAL_BIN, args);
  }
  core::Json central_json(std::vector<std::string> args) {
    args.push_back("--json");
    const auto r = central(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return core::Json::parse(r.out).value_or(core::Json());
  }
  ProcessResult tablet(const std::string& name, std::vector<std::string> args) {
    args.push_back("--data");
    args.push_back(dir_.file(name));
    return run_process(CARNET_BIN, args);
  }
  core::Json tablet_json(const std::string& name, std::vector<std::string> args) {
    args.push_back("--json");
    const auto r = tablet(name, args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return core::Json::parse(r.out).value_or(core::Json());
  }
  void enroll(const std::string& name, const std::string& inspector) {
    const core::Json code = central_json({"enroll", inspector});
    const auto r = tablet(name, {"enroll", "--central", url_, "--code", code.find("code")->as_string(), "--ca-fingerprint",
                                 code.find("ca_fingerprint")->as_string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // A certificate for tablet `name`'s device signed by the central CA over `validity` and
  // installed in its data directory (as a renewal, a re-enrollment or the passing of time
  // would leave it); with `record`, the central node records it as the device's.
  sync::Credentials give_certificate(const std::string& name, sync::Validity validity, bool record) {
    const std::string device = tablet_json(name, {"status"}).find("device_id")->as_string();
    const sync::Credentials ca = central_ca();
    auto request = sync::make_certificate_request(device);
    EXPECT_TRUE(request);
    auto cert = sync::sign_certificate_request(ca, request->csr_pem, device, "lead", validity);
    EXPECT_TRUE(cert) << cert.error().to_string();
    EXPECT_TRUE(sync::install_device_credentials(files_of(name), request->key_pem, *cert).ok());
    if (record) {
      auto store = storage::open_sqlite_central(central_dir_ + "/central.db", storage::Database::Mode::kReadWrite);
      EXPECT_TRUE(store);
      const auto info = sync::inspect_certificate(*cert).value();
      EXPECT_TRUE((*store)
                      ->set_device_certificate(core::Uuid::parse(device).value(), info.serial_hex, info.fingerprint,
                                               info.not_after)
                      .ok());
    }
    return {*cert, request->key_pem};
  }
  // The central node's CA, key included (what only the office holds).
  sync::Credentials central_ca() const {
    return {storage::read_file(central_dir_ + "/ca.pem", 1 << 20).value(),
            sync::read_private_key_file(central_dir_ + "/ca.key").value()};
  }
  // A client of the central node that trusts its CA and presents `credentials` (none: no
  // certificate, as a stranger would).
  std::unique_ptr<sync::HttpsClient> https_client(const std::optional<sync::Credentials>& credentials = std::nullopt) {
    sync::ClientOptions o;
    o.host = "127.0.0.1";
    o.port = url_.substr(url_.rfind(':') + 1);
    o.ca_pem = storage::read_file(central_dir_ + "/ca.pem", 1 << 20).value_or("");
    o.timeout = std::chrono::seconds(10);
    if (credentials) {
      o.cert_pem = credentials->cert_pem;
      o.key_pem = credentials->key_pem;
    }
    return std::make_unique<sync::HttpsClient>(o);
  }
  // Tablet `name`'s credential files, sealed under its data key as the tablet keeps them.
  sync::DeviceFiles files_of(const std::string& name) {
    auto key = storage::unlock_key_file(dir_.file(name) + "/carnet.key", test_secret());
    EXPECT_TRUE(key);
    return sync::DeviceFiles(dir_.file(name), key ? std::optional(*key) : std::nullopt);
  }
  std::string certificate_of(const std::string& name) {
    return storage::read_file(dir_.file(name) + "/device.pem", 1 << 20).value_or("");
  }
  std::string recorded_fingerprint() {
    const core::Json devices = central_json({"device", "list"});
    EXPECT_EQ(devices.as_array().size(), 1u);
    return devices.as_array().empty() ? "" : devices.as_array()[0].find("fingerprint")->as_string();
  }
  // The command line of the central node's `serve`.
  virtual std::vector<std::string> serve_args() {
    return {"serve", "--listen", "127.0.0.1:0", "--data", central_dir_, "--json"};
  }
  static std::int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }

  TempDir dir_;
  std::string central_dir_;
  std::string fingerprint_;
  std::string url_;
  std::unique_ptr<BackgroundProcess> server_;
};

}  // namespace carnet::testing
