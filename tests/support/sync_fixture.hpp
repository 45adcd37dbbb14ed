// SyncWorld: a central node (SQLite store + CentralService) and tablets (replicas) that talk
// through an in-process transport — the real protocol messages and code paths without TLS,
// so that merge and convergence tests run fast and can inject faults. The end-to-end tests
// run the same exchange over real TLS between processes.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "carnet/v1/sync.pb.h"
#include "storage/builtin_grids.hpp"
#include "storage/capture.hpp"
#include "storage/central/central.hpp"
#include "storage/grid_file.hpp"
#include "sync/central_service.hpp"
#include "sync/pki.hpp"
#include "sync/report_signing.hpp"
#include "sync/tablet_sync.hpp"
#include "support/status_matchers.hpp"
#include "support/temp_dir.hpp"
#include "support/test_central.hpp"

namespace carnet::testing {

using core::Result;

// Calls the central service directly, as the device whose certificate it would present.
class LoopbackTransport final : public sync::Transport {
 public:
  // Presents the certificate SyncWorld records for its tablets (serial "00", fingerprint "-",
  // valid until 2100) unless set_peer() says otherwise.
  LoopbackTransport(sync::CentralService& service, std::string device_id, std::string inspector)
      : service_(service), peer_{device_id, inspector, "00", "-", 4102444800, false} {}

  Result<sync::HttpResponse> request(const std::string& method, const std::string& target, const std::string& body,
                                     const std::string&) override {
    if (offline_) return core::fail(core::Status::io_error("sync.sync_fixture.reseau_indisponible"));
    sync::HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (older_tablet_ && target == "/v1/sync") {  // without the fields added since
      v1::SyncRequest req;
      if (req.ParseFromString(body)) {
        req.clear_restamps();
        req.clear_repair();
        r.body = req.SerializeAsString();
      }
    }
    r.peer = peer_;
    sent_ += body.size();
    sync::HttpResponse response = service_.handle(r);
    ++requests_;
    if (drop_next_responses_ > 0) {  // the central node did the work; the answer is lost
      --drop_next_responses_;
      return core::fail(core::Status::io_error("sync.sync_fixture.reponse_perdue"));
    }
    received_ += response.body.size();
    return response;
  }
  std::uint64_t bytes_sent() const override { return sent_; }
  std::uint64_t bytes_received() const override { return received_; }

  void set_offline(bool offline) { offline_ = offline; }
  // The certificate the following requests present (as TLS would report it).
  void set_peer(sync::PeerCertificate peer) { peer_ = std::move(peer); }
  const sync::PeerCertificate& peer() const { return peer_; }
  void drop_next_responses(int n) { drop_next_responses_ = n; }
  int requests() const { return requests_; }
  // Speaks as a tablet from before re-stamping (docs/sync.md, "Versions and clocks"): the
  // central node quarantines its changes stamped too far ahead.
  void act_as_older_tablet() { older_tablet_ = true; }

 private:
  sync::CentralService& service_;
  sync::PeerCertificate peer_;
  bool offline_ = false;
  bool older_tablet_ = false;
  int drop_next_responses_ = 0;
  int requests_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t received_ = 0;
};

// A tablet's wall clock: the system's, moved by an offset a test sets (a clock running
// ahead, an excursion, a correction).
class OffsetClock final : public core::PhysicalClock {
 public:
  std::int64_t now_ms() const override { return core::SystemClock::instance().now_ms() + offset_ms_; }
  void set_offset(std::int64_t ms) { offset_ms_ = ms; }

 private:
  std::int64_t offset_ms_ = 0;
};

struct Tablet {
  std::unique_ptr<OffsetClock> clock = std::make_unique<OffsetClock>();
  std::unique_ptr<storage::Replica> replica;
  std::unique_ptr<LoopbackTransport> transport;
  std::string inspector;
  std::string device_id;
  sync::Credentials credentials;  // its device certificate (from the world's CA) and key

  storage::Capture capture() { return storage::Capture(*replica); }
  // Signs with this tablet's device key, as `carnet inspection sign` does.
  storage::ReportSigner signer() const {
    storage::ReportSigner s;
    s.device_id = device_id;
    s.certificate_pem = credentials.cert_pem;
    s.sign = [key = credentials.key_pem](std::string_view bytes) { return sync::sign_bytes(key, bytes); };
    return s;
  }
  core::Status sign(const std::string& inspection) { return capture().sign(inspection, signer()); }
  // Settles conflict `c` here by writing `value`, as `carnet conflicts resolve` does.
  core::Status settle(const storage::ConflictRecord& c, const core::Value& value) {
    if (auto s = capture().set_value(c.entity_type, c.entity_id, c.field, value); !s.ok()) return s;
    auto tx = storage::Transaction::begin(replica->db());
    if (!tx) return tx.error();
    if (auto s = replica->mark_conflict_resolved(**tx, c.id); !s.ok()) return s;
    return (*tx)->commit();
  }
  Result<sync::SyncReport> sync(bool verify = true) {
    sync::SyncOptions o;
    o.verify_checksum = verify;
    o.push_page = 50;  // small pages exercise paging
    o.pull_page = 50;
    return sync::sync_now(*replica, *transport, o);
  }
  // A restart of the tablet, as its replica sees it: the boot clock noted at the last sync
  // belongs to another boot, so the time since is the wall clock's.
  core::Status restart() {
    return replica->db().exec(
        "UPDATE meta SET value = rtrim(value, '0123456789abcdef-') || 'un-autre-demarrage' WHERE key = 'central_time'");
  }
};

class SyncWorld {
 public:
  SyncWorld() {
    auto ca = sync::make_ca("Autorité de test", 365);
    EXPECT_OK(ca);
    ca_ = *ca;
    store_options_.verify_signature = sync::central_signature_verifier(ca_.cert_pem);
    auto store = central_place_.open(store_options_);
    EXPECT_OK(store);
    central_ = std::move(*store);
    for (const auto& g : storage::builtin_grids()) {
      auto grid = storage::parse_grid(g.text, g.file_name);
      EXPECT_OK(grid);
      EXPECT_OK(central_->catalogue.publish_grid(**grid, g.text));
    }
    service_ = std::make_unique<sync::CentralService>(*central_, sync::Credentials{}, service_options());
  }

  // Another central node on the same store, as a second process on the same database: its
  // own connection and service. Returns its number (the first node is 0).
  std::size_t add_node() {
    auto store = central_place_.open(store_options_);
    EXPECT_OK(store);
    auto& node = nodes_.emplace_back();
    node.store = std::move(*store);
    node.service = std::make_unique<sync::CentralService>(*node.store, sync::Credentials{}, service_options());
    return nodes_.size();
  }
  // The node's service (0: the first one).
  sync::CentralService& node(std::size_t k) { return k == 0 ? *service_ : *nodes_.at(k - 1).service; }
  // The tablet's next requests go to node `k`.
  void route(Tablet& t, std::size_t k) {
    t.transport = std::make_unique<LoopbackTransport>(node(k), t.device_id, t.inspector);
  }

  storage::Central& central() { return *central_; }
  sync::CentralService& service() { return *service_; }

  void add_inspector(const std::string& id) { EXPECT_OK(central_->catalogue.add_inspector({id, "Inspecteur " + id})); }

  void add_dossier(const std::string& id, const std::string& kind = "maison-accueil") {
    core::Dossier d;
    d.id = id;
    d.kind = kind;
    d.name = "Maison " + id;
    d.reference = "RW/AHA/" + id;
    d.recommendations = {"Afficher le ROI"};
    EXPECT_OK(central_->catalogue.import_dossiers({d}));
  }

  // A tablet enrolled for `inspector` (its replica initialised, its device registered).
  Tablet& add_tablet(const std::string& name, const std::string& inspector) {
    Tablet t;
    t.inspector = inspector;
    auto r = storage::Replica::open(dir_.file(name + ".db"), storage::Database::Mode::kCreate, *t.clock);
    EXPECT_OK(r);
    t.replica = std::move(*r);
    const core::Uuid node = t.replica->new_id();
    auto tx = storage::Transaction::begin(t.replica->db());
    EXPECT_OK(tx);
    EXPECT_OK(t.replica->initialise(**tx, inspector, "Inspecteur " + inspector, node));
    EXPECT_OK((*tx)->commit());
    storage::DeviceRecord d;
    d.id = node;
    d.inspector_id = inspector;
    d.name = name;
    d.serial_hex = "00";
    d.fingerprint = "-";
    d.not_after = 4102444800;
    d.enrolled_ms = 1;
    EXPECT_OK(central_->devices.add(d));
    t.transport = std::make_unique<LoopbackTransport>(*service_, node.to_string(), inspector);
    t.device_id = node.to_string();
    auto request = sync::make_certificate_request(t.device_id);
    EXPECT_OK(request);
    auto cert = sync::sign_certificate_request(ca_, request->csr_pem, t.device_id, inspector, 90);
    EXPECT_OK(cert);
    t.credentials = {*cert, request->key_pem};
    auto [it, inserted] = tablets_.emplace(name, std::move(t));
    return it->second;
  }

  Tablet& tablet(const std::string& name) { return tablets_.at(name); }
  std::map<std::string, Tablet>& tablets() { return tablets_; }
  const TempDir& dir() const { return dir_; }
  const TestCentral& central_place() const { return central_place_; }
  const sync::Credentials& ca() const { return ca_; }

 private:
  struct Node {
    std::unique_ptr<storage::Central> store;
    std::unique_ptr<sync::CentralService> service;
  };
  sync::CentralServiceOptions service_options() const {
    sync::CentralServiceOptions options;
    options.blob_dir = dir_.file("central-blobs");
    options.blob_size_limit = 1 << 20;
    return options;
  }

  TempDir dir_;
  TestCentral central_place_{dir_};
  sync::Credentials ca_;
  storage::CentralOptions store_options_;
  std::unique_ptr<storage::Central> central_;
  std::unique_ptr<sync::CentralService> service_;
  std::vector<Node> nodes_;  // after the first
  std::map<std::string, Tablet> tablets_;
};

// Two tablets, "a" for inspector "lead" and "b" for "second", both assigned dossier "d1" and
// synced once.
class TwoTabletTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_.add_inspector("lead");
    world_.add_inspector("second");
    world_.add_dossier("d1");
    ASSERT_OK(world_.central().catalogue.assign("d1", "lead"));
    ASSERT_OK(world_.central().catalogue.assign("d1", "second"));
    world_.add_tablet("a", "lead");
    world_.add_tablet("b", "second");
    ASSERT_OK(a().sync());
    ASSERT_OK(b().sync());
  }

  // An inspection started on tablet a and known to b.
  std::string shared_inspection() {
    auto id = a().capture().start("d1", std::nullopt, core::Date::parse("2025-03-10").value());
    EXPECT_OK(id);
    EXPECT_OK(a().sync());
    EXPECT_OK(b().sync());
    return id.value_or("");
  }
  Tablet& a() { return world_.tablet("a"); }
  Tablet& b() { return world_.tablet("b"); }
  // An inspection field as a tablet, or the central node, holds it.
  static core::Value field(Tablet& t, const std::string& inspection, const std::string& key) {
    auto view = t.capture().load(inspection);
    EXPECT_OK(view);
    return view ? view->field(key) : core::Value();
  }
  core::Value central_field(const std::string& inspection, const std::string& key) {
    auto view = world_.central().catalogue.inspection(inspection);
    EXPECT_OK(view);
    return view ? view->field(key) : core::Value();
  }

  SyncWorld world_;
};

}  // namespace carnet::testing
