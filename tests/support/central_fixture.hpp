// CentralNodeTest: the end-to-end fixture, over real TLS on loopback between processes.
//
// On SQLite (the default) one central node serves the tablets. With CARNET_TEST_POSTGRES set
// (tests/support/test_central.hpp), the store is a fresh schema of that PostgreSQL database
// and two central nodes serve it behind nginx in TCP pass-through (tools/nginx-stream.conf.in),
// round robin: a tablet's consecutive syncs land on either node. The second node's data
// directory holds only its central.conf, which names the store and the first node's CA,
// server keys and blob directory.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "storage/central/central.hpp"
#include "storage/files.hpp"
#include "storage/key_file.hpp"
#include "support/background_process.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_central.hpp"
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
    std::vector<std::string> init = {"init"};
    const std::string postgres = test_postgres_url();
    store_ = central_dir_ + "/central.db";
    if (!postgres.empty()) {
      store_ = fresh_postgres_schema(postgres);
      init.insert(init.end(), {"--store", store_});
    }
    auto made = central_json(init);
    ASSERT_TRUE(made.find("ca_fingerprint")) << "carnet-central init failed";
    fingerprint_ = made.find("ca_fingerprint")->as_string();
    nodes_.push_back({central_dir_, 0, nullptr, {}});
    if (!postgres.empty()) {
      const std::string second = dir_.file("central-2");
      std::filesystem::create_directories(second);
      std::ofstream conf(second + "/central.conf");
      conf << "store = " << store_ << "\nblobs = " << central_dir_ << "/blobs\n";
      for (const char* f : {"ca_cert", "ca_key", "server_cert", "server_key"}) {
        const std::string name = std::string(f) == "ca_cert"       ? "ca.pem"
                                 : std::string(f) == "ca_key"      ? "ca.key"
                                 : std::string(f) == "server_cert" ? "server.pem"
                                                                   : "server.key";
        conf << f << " = " << central_dir_ << "/" << name << "\n";
      }
      conf.close();
      nodes_.push_back({second, 0, nullptr, {}});
      // nginx relays the clients with a PROXY header, from 127.0.0.2 (tools/nginx-stream.conf.in).
      for (const auto& node : nodes_) std::ofstream(node.dir + "/central.conf", std::ios::app) << "proxy_protocol_from = 127.0.0.2\n";
    }
    for (const char* who : {"lead", "second"}) {
      ASSERT_EQ(central({"inspector", "add", who, "--name", std::string("Inspecteur ") + who}).exit_code, 0);
    }
    ASSERT_EQ(central({"dossier", "import", std::string(CARNET_SOURCE_DIR) + "/tools/samples/dossiers.json"}).exit_code, 0);
    ASSERT_EQ(central({"assign", "ma-0042", "lead"}).exit_code, 0);
    ASSERT_EQ(central({"assign", "ma-0042", "second"}).exit_code, 0);
    ASSERT_NO_FATAL_FAILURE(start_central());
  }

  ~CentralNodeTest() override {
    // SIGTERM: nginx's master stops its workers (SIGKILL would leave them running).
    if (balancer_) balancer_->stop(SIGTERM);
  }

  bool several_nodes() const { return nodes_.size() > 1; }

  // Starts the central nodes (on the ports they had, when started again) and, when there are
  // several, nginx in front of them; url_ is then the address the tablets use. With
  // `stderr_file`, node k's standard error goes to that file (k > 0: with ".k" after it).
  void start_central(const std::string& stderr_file = {}) {
    for (std::size_t k = 0; k < nodes_.size(); ++k) {
      ASSERT_NO_FATAL_FAILURE(start_node(k, stderr_file.empty() || k == 0 ? stderr_file : stderr_file + "." + std::to_string(k)));
    }
    if (!several_nodes()) {
      url_ = "https://127.0.0.1:" + std::to_string(nodes_[0].port);
      return;
    }
    if (!balancer_) {
      ASSERT_NO_FATAL_FAILURE(start_balancer());
    }
  }
  // Starts node `k` (again, on its port), its standard error to `stderr_file` if given.
  void start_node(std::size_t k, const std::string& stderr_file = {}) {
    Node& n = nodes_.at(k);
    const std::string listen = "127.0.0.1:" + std::to_string(n.port);
    n.process = std::make_unique<BackgroundProcess>(CARNET_CENTRAL_BIN, serve_args(n.dir, listen), stderr_file);
    auto line = n.process->read_line();
    ASSERT_TRUE(line) << "central node " << k << " did not start";
    n.output += *line + "\n";
    auto j = core::Json::parse(*line);
    ASSERT_TRUE(j && j->find("listening")) << *line;
    const std::string address = j->find("listening")->as_string();
    n.port = static_cast<std::uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
  }
  // The node that has a client connection open now (a request in flight), if one has: the
  // established TCP connections on its port whose socket that node's process holds.
  std::optional<std::size_t> node_serving() const {
    for (std::size_t k = 0; k < nodes_.size(); ++k) {
      const Node& n = nodes_[k];
      if (!n.process) continue;
      std::set<std::string> sockets;
      std::error_code ec;
      for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(n.process->pid()) + "/fd", ec)) {
        const std::string target = std::filesystem::read_symlink(fd.path(), ec).string();
        if (target.starts_with("socket:[")) sockets.insert(target.substr(8, target.size() - 9));
      }
      std::ifstream tcp("/proc/net/tcp");
      std::string line;
      std::getline(tcp, line);  // the header
      while (std::getline(tcp, line)) {
        std::istringstream f(line);
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
        f >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
        const auto port = static_cast<std::uint16_t>(std::stoul(local.substr(local.find(':') + 1), nullptr, 16));
        if (state == "01" && port == n.port && sockets.contains(inode)) return k;
      }
    }
    return std::nullopt;
  }
  // Stops node `k` with `signal` (SIGKILL: as a machine that dies); returns its exit code.
  int stop_node(std::size_t k, int signal) { return nodes_.at(k).process->stop(signal); }
  // Stops every central node with `signal` (nginx stays); returns the first exit code that is
  // not 0, or 0.
  int stop_central(int signal = SIGTERM) {
    int code = 0;
    for (auto& n : nodes_) {
      if (!n.process) continue;
      const int c = n.process->stop(signal);
      while (auto more = n.process->read_line(std::chrono::milliseconds(200))) n.output += *more + "\n";
      if (code == 0) code = c;
    }
    return code;
  }
  // What the central nodes printed on their standard output so far (after stop_central(): all).
  std::string central_output() const {
    std::string out;
    for (const auto& n : nodes_) out += n.output;
    return out;
  }
  // A connection of the test's own to the central store's database, for raw SQL.
  core::Result<std::unique_ptr<storage::Database>> central_database() const {
    if (storage::is_postgres_address(store_)) return storage::open_postgres(store_);
    return storage::Database::open(store_, storage::Database::Mode::kReadWrite);
  }
  // The node's own address (not through nginx).
  std::string node_url(std::size_t k) const { return "https://127.0.0.1:" + std::to_string(nodes_.at(k).port); }
  std::size_t node_count() const { return nodes_.size(); }

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
      auto store = storage::open_central(store_, storage::Database::Mode::kReadWrite);
      EXPECT_TRUE(store);
      const auto info = sync::inspect_certificate(*cert).value();
      EXPECT_TRUE((*store)
                      ->devices.set_certificate(core::Uuid::parse(device).value(), info.serial_hex, info.fingerprint,
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
  std::unique_ptr<sync::HttpsClient> https_client(const std::optional<sync::Credentials>& credentials = std::nullopt,
                                                  const std::string& url = {}) {
    const std::string& to = url.empty() ? url_ : url;
    sync::ClientOptions o;
    o.host = "127.0.0.1";
    o.port = to.substr(to.rfind(':') + 1);
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
  // The command line of a central node's `serve`.
  virtual std::vector<std::string> serve_args(const std::string& data_dir, const std::string& listen) {
    return {"serve", "--listen", listen, "--data", data_dir, "--json"};
  }
  static std::int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }

  TempDir dir_;
  std::string central_dir_;
  std::string store_;  // the central.db file, or the PostgreSQL URL
  std::string fingerprint_;
  std::string url_;

 private:
  struct Node {
    std::string dir;
    std::uint16_t port = 0;  // 0 until started: a free one
    std::unique_ptr<BackgroundProcess> process;
    std::string output;
  };

  static std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
  }

  // nginx from tools/nginx-stream.conf.in, in front of every node; waits until it listens.
  void start_balancer() {
    const std::string prefix = dir_.file("nginx");
    std::filesystem::create_directories(prefix);
    std::ifstream in(std::string(CARNET_SOURCE_DIR) + "/tools/nginx-stream.conf.in");
    std::stringstream text;
    text << in.rdbuf();
    std::string conf = text.str();
    std::string upstreams;
    for (const auto& n : nodes_) upstreams += "    server 127.0.0.1:" + std::to_string(n.port) + " max_fails=1 fail_timeout=10s;\n";
    const std::uint16_t port = free_port();
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"@PREFIX@", prefix},
                                   {"@LISTEN@", "127.0.0.1:" + std::to_string(port)},
                                   {"@UPSTREAMS@", upstreams}}) {
      for (auto at = conf.find(from); at != std::string::npos; at = conf.find(from)) conf.replace(at, from.size(), to);
    }
    std::ofstream(prefix + "/nginx.conf") << conf;
    balancer_ = std::make_unique<BackgroundProcess>(
        "/usr/sbin/nginx", std::vector<std::string>{"-p", prefix, "-c", prefix + "/nginx.conf", "-e", prefix + "/startup.log"});
    for (int i = 0; i < 100; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(port);
      const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(fd);
      if (up) {
        url_ = "https://127.0.0.1:" + std::to_string(port);
        return;
      }
      ::usleep(50 * 1000);
    }
    std::ifstream log(prefix + "/startup.log");
    std::stringstream why;
    why << log.rdbuf();
    FAIL() << "nginx did not start (is Debian's nginx with libnginx-mod-stream installed?): " << why.str();
  }

  std::vector<Node> nodes_;
  std::unique_ptr<BackgroundProcess> balancer_;
};

}  // namespace carnet::testing
