// The device certificate's life through the in-process central service, with real
// certificates: renewal near expiry (and what the central node accepts meanwhile), a lost
// renewal response, an expired certificate refused with its own code, re-enrollment that
// keeps the replica, and the crash-safe replacement of the tablet's files.
#include "sync/device_credentials.hpp"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "carnet/v1/sync.pb.h"
#include "storage/files.hpp"
#include "storage/sha256.hpp"
#include "support/sync_fixture.hpp"
#include "sync/tablet_sync.hpp"

namespace carnet::testing {
namespace {

using core::StatusCode;
using sync::CertificateInfo;
using sync::Validity;

constexpr std::int64_t kDay = 24 * 3600;

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string read(const std::string& path) { return storage::read_file(path, 1 << 20).value_or(""); }

CertificateInfo info_of(const std::string& pem) { return sync::inspect_certificate(pem).value(); }

// Calls the service as the TLS server would: presenting the certificate in the tablet's
// files (or the one given to present()), on a new connection for every request.
class CertificateTransport final : public sync::Transport {
 public:
  CertificateTransport(sync::CentralService& service, sync::DeviceFiles files)
      : service_(service), files_(std::move(files)) {}

  core::Result<sync::HttpResponse> request(const std::string& method, const std::string& target,
                                           const std::string& body, const std::string&) override {
    const std::string pem = presented_.empty() ? read(files_.certificate) : presented_;
    const CertificateInfo info = info_of(pem);
    sync::HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.remote_address = "127.0.0.1";
    r.peer = sync::PeerCertificate{info.common_name, info.organizational_unit,
                                   info.serial_hex,  info.fingerprint,
                                   info.not_after,   info.not_after <= now_s()};
    ++requests_;
    sync::HttpResponse response = service_.handle(r);
    if (drop_next_response_) {  // the central node did the work; the answer is lost
      drop_next_response_ = false;
      return core::fail(core::Status::io_error("sync.sync_fixture.reponse_perdue"));
    }
    return response;
  }
  std::uint64_t bytes_sent() const override { return 0; }
  std::uint64_t bytes_received() const override { return 0; }

  void present(std::string pem) { presented_ = std::move(pem); }
  void drop_next_response() { drop_next_response_ = true; }
  int requests() const { return requests_; }

 private:
  sync::CentralService& service_;
  sync::DeviceFiles files_;
  std::string presented_;  // empty: the tablet's current certificate
  bool drop_next_response_ = false;
  int requests_ = 0;
};

class DeviceCertificates : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = sync::make_ca("Carnet test CA", 3650);
    ASSERT_OK(ca);
    ca_ = *ca;
    auto store =
        storage::open_sqlite_central(dir_.file("central.db"), storage::Database::Mode::kCreate);
    ASSERT_OK(store);
    central_ = std::move(*store);
    for (const auto& g : storage::builtin_grids()) {
      auto grid = storage::parse_grid(g.text, g.file_name);
      ASSERT_OK(grid);
      ASSERT_OK(central_->catalogue.publish_grid(**grid, g.text));
    }
    ASSERT_OK(central_->catalogue.add_inspector({"lead", "Inspecteur lead"}));
    ASSERT_OK(central_->catalogue.add_inspector({"second", "Inspecteur second"}));
    core::Dossier d;
    d.id = "d1";
    d.kind = "maison-accueil";
    d.name = "Maison d1";
    d.reference = "RW/AHA/d1";
    ASSERT_OK(central_->catalogue.import_dossiers({d}));
    ASSERT_OK(central_->catalogue.assign("d1", "lead"));
    service_ = std::make_unique<sync::CentralService>(*central_, ca_);

    std::filesystem::create_directories(dir_.file("tablet"));
    auto replica =
        storage::Replica::open(dir_.file("tablet/carnet.db"), storage::Database::Mode::kCreate);
    ASSERT_OK(replica);
    replica_ = std::move(*replica);
    node_ = replica_->new_id();
    auto tx = storage::Transaction::begin(replica_->db());
    ASSERT_OK(tx);
    ASSERT_OK(replica_->initialise(**tx, "lead", "Inspecteur lead", node_));
    ASSERT_OK((*tx)->commit());
    transport_ = std::make_unique<CertificateTransport>(*service_, files_);
  }

  // A certificate for the tablet valid over `validity`, recorded at the central node as its
  // enrolled certificate and installed on the tablet; returns it.
  std::string enroll_with(Validity validity) {
    auto request = sync::make_certificate_request(node_.to_string());
    EXPECT_OK(request);
    auto cert =
        sync::sign_certificate_request(ca_, request->csr_pem, node_.to_string(), "lead", validity);
    EXPECT_OK(cert);
    const CertificateInfo info = info_of(*cert);
    storage::DeviceRecord d{
        node_, "lead", "tablette", info.serial_hex, info.fingerprint, info.not_after, 1, {}, {}};
    EXPECT_OK(central_->devices.add(d));
    EXPECT_OK(sync::install_device_credentials(files_, request->key_pem, *cert, ca_.cert_pem));
    return *cert;
  }

  // POST /v1/enroll with a fresh code for `inspector`, as `carnet enroll` does, installing
  // the credentials on success; returns the HTTP status.
  int enroll_again(const std::string& inspector) {
    const std::string code = "CODE-" + std::to_string(++codes_);
    EXPECT_OK(
        central_->devices.add_enrollment_code(storage::sha256_hex(code), inspector, now_s() * 1000 + 900000));
    auto request = sync::make_certificate_request(node_.to_string());
    EXPECT_OK(request);
    v1::EnrollRequest in;
    in.set_code(code);
    in.set_csr_pem(request->csr_pem);
    in.set_device_name("tablette");
    in.set_node_id(std::string(reinterpret_cast<const char*>(node_.bytes().data()), 16));
    sync::HttpRequest r;
    r.method = "POST";
    r.target = "/v1/enroll";
    r.body = in.SerializeAsString();
    r.remote_address = "127.0.0.1";
    const sync::HttpResponse response = service_->handle(r);
    if (response.status != 200) return response.status;
    v1::EnrollResponse out;
    EXPECT_TRUE(out.ParseFromString(response.body));
    EXPECT_OK(sync::install_device_credentials(files_, request->key_pem, out.certificate_pem()));
    return 200;
  }

  core::Result<sync::SyncReport> sync() { return sync::sync_now(*replica_, *transport_); }
  core::Result<sync::RenewalResult> renew() {
    return sync::renew_certificate_if_due(*transport_, files_, ca_.cert_pem, now_s());
  }
  storage::DeviceRecord record() { return central_->devices.find(node_).value().value(); }

  // The error code of a sync request presenting `pem`.
  int code_for(const std::string& pem) {
    transport_->present(pem);
    auto r = transport_->request("POST", "/v1/sync", v1::SyncRequest().SerializeAsString(), "");
    transport_->present("");
    EXPECT_OK(r);
    if (r->status == 200) return 0;
    v1::Error e;
    EXPECT_TRUE(e.ParseFromString(r->body));
    return e.code();
  }

  std::string start_inspection() {
    storage::Capture capture(*replica_);
    auto id = capture.start("d1", std::nullopt, core::Date::parse("2025-03-10").value());
    EXPECT_OK(id);
    return id.value_or("");
  }

  TempDir dir_;
  sync::DeviceFiles files_{dir_.file("tablet")};
  sync::Credentials ca_;
  std::unique_ptr<storage::Central> central_;
  std::unique_ptr<sync::CentralService> service_;
  std::unique_ptr<storage::Replica> replica_;
  core::Uuid node_;
  std::unique_ptr<CertificateTransport> transport_;
  int codes_ = 0;
};

TEST(RenewalDue, InTheLastThirdOfTheLifetimeOrWithinTheChosenMargin) {
  const std::int64_t now = 1'800'000'000;
  CertificateInfo cert;
  cert.not_before = now - 50 * kDay;
  cert.not_after = now + 40 * kDay;  // 90 days, 40 left
  EXPECT_FALSE(sync::renewal_due(cert, now));
  cert.not_before = now - 61 * kDay;
  cert.not_after = now + 29 * kDay;  // 90 days, 29 left: under a third
  EXPECT_TRUE(sync::renewal_due(cert, now));
  cert.not_before = now - 50 * kDay;  // 79 days, 29 left: over a third
  EXPECT_FALSE(sync::renewal_due(cert, now));
  cert.not_after = now + 20 * kDay;  // 70 days, 20 left: under a third
  EXPECT_TRUE(sync::renewal_due(cert, now));
  cert.not_after = now - 1;  // expired: only enrolling again helps
  EXPECT_FALSE(sync::renewal_due(cert, now));
  cert.not_after = now + 40 * kDay;
  EXPECT_TRUE(sync::renewal_due(cert, now, {std::chrono::hours(24) * 45}));
  EXPECT_FALSE(sync::renewal_due(cert, now, {std::chrono::hours(24) * 39}));
}

TEST_F(DeviceCertificates, FreshCertificateIsNotRenewedAndCostsNoRequest) {
  const std::string cert = enroll_with({now_s() - 300, now_s() + 90 * kDay});
  ASSERT_OK(sync());
  const int before = transport_->requests();
  auto r = renew();
  ASSERT_OK(r);
  EXPECT_FALSE(r->renewed);
  EXPECT_EQ(r->certificate.fingerprint, info_of(cert).fingerprint);
  EXPECT_EQ(transport_->requests(), before);
}

TEST_F(DeviceCertificates, NearExpiryIsRenewedAndTheOldCertificateWorksUntilTheNewOneIsPresented) {
  const std::string old_cert = enroll_with({now_s() - 80 * kDay, now_s() + 10 * kDay});
  const std::string old_key = read(files_.key);
  ASSERT_OK(sync());
  auto r = renew();
  ASSERT_OK(r);
  ASSERT_TRUE(r->renewed);
  const std::string new_cert = read(files_.certificate);
  const CertificateInfo fresh = info_of(new_cert);
  EXPECT_NE(fresh.serial_hex, info_of(old_cert).serial_hex);
  EXPECT_EQ(fresh.serial_hex, r->certificate.serial_hex);
  EXPECT_EQ(fresh.common_name, node_.to_string());
  EXPECT_EQ(fresh.organizational_unit, "lead");
  EXPECT_GT(fresh.not_after, now_s() + 89 * kDay);
  EXPECT_NE(read(files_.key), old_key);  // a new key pair
  EXPECT_TRUE(sync::key_matches_certificate(new_cert, read(files_.key)).value());
  EXPECT_OK(sync::verify_certificate(new_cert, ca_.cert_pem));
  EXPECT_FALSE(std::filesystem::exists(files_.next_certificate));
  EXPECT_FALSE(std::filesystem::exists(files_.next_key));
  struct stat st {};
  ASSERT_EQ(::stat(files_.key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // Until the tablet presents the new certificate, the central node records the old one,
  // which still works (the tablet may not have received the new one).
  EXPECT_EQ(record().fingerprint, info_of(old_cert).fingerprint);
  EXPECT_EQ(code_for(old_cert), 0);
  // The first request with the new one makes it the device's certificate...
  ASSERT_OK(sync());
  EXPECT_EQ(record().fingerprint, fresh.fingerprint);
  EXPECT_EQ(record().serial_hex, fresh.serial_hex);
  EXPECT_EQ(record().not_after, fresh.not_after);
  // ...and from then on the old one is refused.
  EXPECT_EQ(code_for(old_cert), v1::Error::CODE_UNAUTHENTICATED);
  EXPECT_EQ(code_for(new_cert), 0);
  // Not due any more.
  auto again = renew();
  ASSERT_OK(again);
  EXPECT_FALSE(again->renewed);
}

TEST_F(DeviceCertificates, LostRenewalResponseLeavesAWorkingDeviceAndTheNextSyncRenews) {
  const std::string old_cert = enroll_with({now_s() - 80 * kDay, now_s() + 10 * kDay});
  const std::string old_key = read(files_.key);
  transport_->drop_next_response();
  auto lost = renew();
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code(), StatusCode::kIoError);
  EXPECT_EQ(read(files_.certificate), old_cert);
  EXPECT_EQ(read(files_.key), old_key);
  ASSERT_OK(sync());  // the old certificate still works
  auto retried = renew();
  ASSERT_OK(retried);
  EXPECT_TRUE(retried->renewed);
  EXPECT_NE(read(files_.certificate), old_cert);
  ASSERT_OK(sync());
  EXPECT_EQ(record().fingerprint, info_of(read(files_.certificate)).fingerprint);
}

TEST_F(DeviceCertificates, CertificateRenewedAfterAnotherWasIssuedAndNeverReceivedIsAccepted) {
  // Two renewals from the same certificate (the first answer lost): either new one works.
  const std::string old_cert = enroll_with({now_s() - 80 * kDay, now_s() + 10 * kDay});
  transport_->drop_next_response();
  ASSERT_FALSE(renew());
  auto r = renew();
  ASSERT_OK(r);
  ASSERT_TRUE(r->renewed);
  ASSERT_OK(sync());
  EXPECT_EQ(code_for(old_cert), v1::Error::CODE_UNAUTHENTICATED);
}

TEST_F(DeviceCertificates,
       ExpiredCertificateGetsItsOwnCodeKeepsPendingChangesAndReenrollmentPushesThem) {
  enroll_with({now_s() - 80 * kDay, now_s() + 10 * kDay});
  ASSERT_OK(sync());
  // The certificate expires while the tablet is offline with work in progress.
  const std::int64_t expired_at = now_s() - kDay;
  auto request = sync::make_certificate_request(node_.to_string());
  ASSERT_OK(request);
  auto expired = sync::sign_certificate_request(ca_, request->csr_pem, node_.to_string(), "lead",
                                                Validity{now_s() - 90 * kDay, expired_at});
  ASSERT_OK(expired);
  ASSERT_OK(sync::install_device_credentials(files_, request->key_pem, *expired));
  const std::string inspection = start_inspection();
  const auto pending = replica_->pending_count().value();
  ASSERT_GT(pending, 0);

  auto refused = sync();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.error().message(), sync::certificate_expired(expired_at).render());
  EXPECT_NE(refused.error().message().find("a expiré le " +
                                           core::Date::from_days(expired_at / kDay)->french()),
            std::string::npos)
      << refused.error().message();
  EXPECT_NE(refused.error().message().find("carnet enroll"), std::string::npos);
  EXPECT_EQ(code_for(*expired), v1::Error::CODE_CERT_EXPIRED);
  // Nothing lost, nothing wiped; an expired certificate cannot renew itself.
  EXPECT_EQ(replica_->pending_count().value(), pending);
  EXPECT_FALSE(replica_->setting("revoked").value());
  auto renewal =
      sync::renew_certificate_if_due(*transport_, files_, ca_.cert_pem, now_s(), {std::chrono::hours(24) * 365});
  ASSERT_OK(renewal);
  EXPECT_FALSE(renewal->renewed);

  // A new one-time code on the same node: same device, replica kept, changes pushed.
  ASSERT_EQ(enroll_again("lead"), 200);
  EXPECT_EQ(record().fingerprint, info_of(read(files_.certificate)).fingerprint);
  EXPECT_EQ(replica_->pending_count().value(), pending);
  ASSERT_OK(sync());
  EXPECT_EQ(replica_->pending_count().value(), 0);
  EXPECT_OK(central_->catalogue.inspection(inspection));
  EXPECT_EQ(code_for(*expired), v1::Error::CODE_CERT_EXPIRED);
}

TEST_F(DeviceCertificates, ReenrollmentRefusesAnotherInspectorsCodeAndARevokedDevice) {
  const std::string cert = enroll_with({now_s() - 300, now_s() + 90 * kDay});
  EXPECT_EQ(enroll_again("second"), 403);
  EXPECT_EQ(read(files_.certificate), cert);
  EXPECT_EQ(record().fingerprint, info_of(cert).fingerprint);
  // The earlier certificate is refused once the device has enrolled again.
  ASSERT_EQ(enroll_again("lead"), 200);
  EXPECT_EQ(code_for(cert), v1::Error::CODE_UNAUTHENTICATED);
  ASSERT_OK(sync());
  ASSERT_OK(central_->devices.revoke(node_, now_s() * 1000));
  EXPECT_EQ(enroll_again("lead"), 403);
}

TEST_F(DeviceCertificates, RenewalOfARevokedDeviceIsRefused) {
  enroll_with({now_s() - 80 * kDay, now_s() + 10 * kDay});
  const std::string cert = read(files_.certificate);
  ASSERT_OK(central_->devices.revoke(node_, now_s() * 1000));
  auto r = renew();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kFailedPrecondition);
  // The central node's refusal arrives as catalogue keys, under the tablet's own context.
  ASSERT_EQ(r.error().parts().size(), 2u);
  EXPECT_EQ(r.error().parts()[0].key(), "sync.device_credentials.renouvellement_refuse");
  EXPECT_EQ(r.error().parts()[1].key(), "sync.central_service.appareil_revoque");
  EXPECT_EQ(read(files_.certificate), cert);
}

// ---- The replacement of the files, interrupted at every step. ----

class Replacement : public DeviceCertificates {
 protected:
  void SetUp() override {
    DeviceCertificates::SetUp();
    old_cert_ = enroll_with({now_s() - 300, now_s() + 90 * kDay});
    old_key_ = read(files_.key);
    auto request = sync::make_certificate_request(node_.to_string());
    ASSERT_OK(request);
    new_key_ = request->key_pem;
    new_cert_ = sync::sign_certificate_request(ca_, request->csr_pem, node_.to_string(), "lead", 90)
                    .value();
  }
  // Leaves `content` at `path` as an interrupted installation would have (a key file replaced
  // by a rename, which write_private_key_file never does itself).
  void write(const std::string& path, const std::string& content) {
    if (path.ends_with(".key")) {
      std::filesystem::remove(path);
      ASSERT_OK(sync::write_private_key_file(path, content));
    } else {
      ASSERT_OK(storage::write_file_durably(path, content));
    }
  }
  void expect_set(const std::string& key, const std::string& cert) {
    EXPECT_EQ(read(files_.key), key);
    EXPECT_EQ(read(files_.certificate), cert);
    EXPECT_EQ(read(files_.ca), ca_.cert_pem);
    for (const auto* f : {&files_.next_key, &files_.next_certificate, &files_.next_ca}) {
      EXPECT_FALSE(std::filesystem::exists(*f)) << *f;
    }
  }

  std::string old_cert_, old_key_, new_key_, new_cert_;
};

// Issue 16, item 8: the pinned CA was a clear file that anyone with the card could swap.
// Its hash is kept in the encrypted replica now, and a swapped file is refused.
TEST_F(DeviceCertificates, ASwappedCentralCaFileIsRefusedWithAClearError) {
  enroll_with({now_s() - kDay, now_s() + 90 * kDay});
  auto pinned = sync::read_pinned_ca(files_, *replica_);  // pinned at its first reading
  ASSERT_OK(pinned);
  EXPECT_EQ(*pinned, ca_.cert_pem);
  auto evil = sync::make_ca("Autorité pirate", 30);
  ASSERT_OK(evil);
  ASSERT_OK(storage::write_file_durably(files_.ca, evil->cert_pem));
  auto swapped = sync::read_pinned_ca(files_, *replica_);
  ASSERT_FALSE(swapped.has_value());
  EXPECT_EQ(swapped.error().code(), StatusCode::kCorruption);
  EXPECT_NE(swapped.error().message().find("épinglé à l'enrôlement"), std::string::npos) << swapped.error().message();
  auto tx = storage::Transaction::begin(replica_->db());
  ASSERT_OK(tx);
  ASSERT_OK(replica_->set_setting(**tx, "central_url", "https://127.0.0.1:1"));
  ASSERT_OK((*tx)->commit());
  auto options = sync::device_client_options(*replica_, dir_.file("tablet"));
  ASSERT_FALSE(options.has_value());
  EXPECT_EQ(options.error().code(), StatusCode::kCorruption);
  // The right file back: trusted again.
  ASSERT_OK(storage::write_file_durably(files_.ca, ca_.cert_pem));
  EXPECT_OK(sync::read_pinned_ca(files_, *replica_));
}

TEST_F(Replacement, CrashWhileStagingKeepsTheOldSet) {
  write(files_.next_key, new_key_);  // the next certificate was never written
  ASSERT_OK(sync::recover_device_credentials(files_));
  expect_set(old_key_, old_cert_);
  ASSERT_OK(sync());
}

TEST_F(Replacement, CrashAfterStagingFinishesTheNewSet) {
  write(files_.next_key, new_key_);
  write(files_.next_certificate, new_cert_);
  ASSERT_OK(sync::recover_device_credentials(files_));
  expect_set(new_key_, new_cert_);
}

TEST_F(Replacement, CrashBetweenTheKeyAndTheCertificateRenamesFinishesTheNewSet) {
  write(files_.key, new_key_);  // renamed already
  write(files_.next_certificate, new_cert_);
  // Any reader of the files recovers first: device_client_options does.
  auto tx = storage::Transaction::begin(replica_->db());
  ASSERT_OK(tx);
  ASSERT_OK(replica_->set_setting(**tx, "central_url", "https://127.0.0.1:1"));
  ASSERT_OK((*tx)->commit());
  auto options = sync::device_client_options(*replica_, dir_.file("tablet"));
  ASSERT_OK(options);
  EXPECT_EQ(options->cert_pem, new_cert_);
  EXPECT_EQ(options->key_pem, new_key_);
  expect_set(new_key_, new_cert_);
}

TEST_F(Replacement, StagingThatDoesNotHoldTogetherIsDiscardedOrReported) {
  write(files_.next_key, old_key_);
  write(files_.next_certificate, new_cert_);  // not for that key
  ASSERT_OK(sync::recover_device_credentials(files_));
  expect_set(old_key_, old_cert_);
  // The key already replaced and a certificate of another key staged: refusing to guess.
  write(files_.key, new_key_);
  write(files_.next_certificate, old_cert_);
  EXPECT_EQ(sync::recover_device_credentials(files_).code(), StatusCode::kCorruption);
  // install refuses a key that is not the certificate's.
  EXPECT_EQ(sync::install_device_credentials(files_, old_key_, new_cert_).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace carnet::testing
