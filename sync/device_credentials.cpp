#include "sync/device_credentials.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <memory>
#include <system_error>

#include "core/date.hpp"
#include "storage/files.hpp"
#include "storage/sha256.hpp"
#include "sync/codec.hpp"

namespace carnet::sync {
namespace {

using core::fail;

constexpr std::size_t kMaxPemFile = 1 << 20;

bool exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

Status remove_if_present(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec) {
    return Status::io_error("sync.device_credentials.suppression_impossible",
                            {{"chemin", path}, {"detail", ec.message()}});
  }
  return Status::ok_status();
}

// An exclusive flock() on the credentials' lock file, released when it leaves scope.
class CredentialsLock {
 public:
  static Result<std::unique_ptr<CredentialsLock>> take(const DeviceFiles& files) {
    const int fd = ::open(files.lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return fail(Status::io_error("sync.device_credentials.ouverture_impossible",
                                   {{"chemin", files.lock}, {"detail", std::strerror(errno)}}));
    }
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return fail(Status::io_error("sync.device_credentials.verrouillage_impossible",
                                   {{"chemin", files.lock}, {"detail", std::strerror(err)}}));
    }
    return std::unique_ptr<CredentialsLock>(new CredentialsLock(fd));
  }
  ~CredentialsLock() { ::close(fd_); }
  CredentialsLock(const CredentialsLock&) = delete;
  CredentialsLock& operator=(const CredentialsLock&) = delete;

 private:
  explicit CredentialsLock(int fd) : fd_(fd) {}
  int fd_;
};

// A refused renewal, with the central node's message.
Status renewal_failure(const HttpResponse& r) {
  const Refusal refusal = decode_refusal(r.body);
  if (refusal.code == ErrorCode::kCertExpired) {
    return Status::failed_precondition(certificate_expired(refusal.not_after));
  }
  std::vector<core::Message> parts = refusal_parts(refusal, r.status);
  if (r.status >= 500) {
    return Status(core::StatusCode::kIoError, std::move(parts)).with_context("sync.device_credentials.renouvellement_serveur");
  }
  return Status(core::StatusCode::kFailedPrecondition, std::move(parts))
      .with_context("sync.device_credentials.renouvellement_refuse");
}

}  // namespace

core::Message certificate_expired(std::int64_t not_after) {
  const auto day =
      core::Date::from_days(not_after >= 0 ? not_after / 86400 : (not_after - 86399) / 86400);
  return core::Message("sync.device_credentials.certificat_expire",
                       {{"date", day ? day->french() : core::iso_timestamp(not_after * 1000)}});
}

namespace {

// recover_device_credentials, the lock held.
Status recover_locked(const DeviceFiles& files) {
  if (exists(files.next_certificate)) {
    auto cert = storage::read_file(files.next_certificate, kMaxPemFile);
    if (!cert) return cert.error();
    const bool key_staged = exists(files.next_key);
    auto key = read_private_key_file(key_staged ? files.next_key : files.key, files.seal);
    if (!key) return key.error();
    auto matches = key_matches_certificate(*cert, *key);
    if (matches && *matches) {
      if (key_staged) CARNET_RETURN_IF_ERROR(storage::rename_durably(files.next_key, files.key));
      if (exists(files.next_ca))
        CARNET_RETURN_IF_ERROR(storage::rename_durably(files.next_ca, files.ca));
      return storage::rename_durably(files.next_certificate, files.certificate);
    }
    // The key has already replaced the current one: discarding the certificate now would
    // leave a key without its certificate. Files altered by hand; a new enrollment is needed.
    if (!key_staged) {
      return Status::corruption("sync.device_credentials.certificat_cle_differents",
                                {{"certificat", files.next_certificate}, {"cle", files.key}});
    }
  }
  for (const auto* path : {&files.next_certificate, &files.next_ca, &files.next_key}) {
    CARNET_RETURN_IF_ERROR(remove_if_present(*path));
  }
  return Status::ok_status();
}

}  // namespace

Status recover_device_credentials(const DeviceFiles& files) {
  auto lock = CredentialsLock::take(files);
  if (!lock) return lock.error();
  return recover_locked(files);
}

Status install_device_credentials(const DeviceFiles& files, std::string_view key_pem,
                                  std::string_view cert_pem,
                                  std::optional<std::string_view> ca_pem) {
  auto matches = key_matches_certificate(cert_pem, key_pem);
  if (!matches) return matches.error();
  if (!*matches)
    return Status::invalid_argument("sync.device_credentials.cle_certificat_differents");
  auto lock = CredentialsLock::take(files);
  if (!lock) return lock.error();
  CARNET_RETURN_IF_ERROR(recover_locked(files));  // no leftover of an earlier one
  CARNET_RETURN_IF_ERROR(write_private_key_file(files.next_key, key_pem, files.seal));
  if (ca_pem) CARNET_RETURN_IF_ERROR(storage::write_file_durably(files.next_ca, *ca_pem));
  CARNET_RETURN_IF_ERROR(storage::write_file_durably(files.next_certificate, cert_pem));
  // The staging is complete: finishing it is what recovery after a crash does.
  return recover_locked(files);
}

bool renewal_due(const CertificateInfo& cert, std::int64_t now, const RenewalOptions& options) {
  const std::int64_t left = cert.not_after - now;
  if (left <= 0) return false;
  const std::int64_t threshold = options.renew_before
                                     ? static_cast<std::int64_t>(options.renew_before->count())
                                     : (cert.not_after - cert.not_before) / 3;
  return left < threshold;
}

namespace {

constexpr std::string_view kPinnedCaSetting = "central_ca_sha256";

}  // namespace

Status pin_central_ca(storage::Transaction& tx, storage::Replica& replica, std::string_view ca_pem) {
  return replica.set_setting(tx, kPinnedCaSetting, storage::sha256_hex(ca_pem));
}

Result<std::string> read_pinned_ca(const DeviceFiles& files, storage::Replica& replica) {
  auto pem = storage::read_file(files.ca, kMaxPemFile);
  if (!pem) return fail(pem.error());
  auto pinned = replica.setting(kPinnedCaSetting);
  if (!pinned) return fail(pinned.error());
  if (!*pinned) {
    auto tx = storage::Transaction::begin(replica.db());
    if (!tx) return fail(tx.error());
    CARNET_RETURN_IF_ERROR_R(pin_central_ca(**tx, replica, *pem));
    CARNET_RETURN_IF_ERROR_R((*tx)->commit());
    return pem;
  }
  if (**pinned != storage::sha256_hex(*pem)) {
    return fail(Status::corruption("sync.device_credentials.ca_remplacee", {{"chemin", files.ca}}));
  }
  return pem;
}

Result<RenewalResult> renew_certificate_if_due(Transport& client, const DeviceFiles& files,
                                               std::string_view pinned_ca_pem, std::int64_t now,
                                               const RenewalOptions& options) {
  CARNET_RETURN_IF_ERROR_R(recover_device_credentials(files));
  auto pem = storage::read_file(files.certificate, kMaxPemFile);
  if (!pem) return fail(pem.error());
  auto current = inspect_certificate(*pem);
  if (!current) return fail(current.error());
  if (!renewal_due(*current, now, options)) return RenewalResult{false, std::move(*current)};

  auto request = make_certificate_request(current->common_name);
  if (!request) return fail(request.error());
  auto r = client.request("POST", "/v1/renew", encode(RenewRequest{request->csr_pem}));
  if (!r) return fail(r.error());
  if (r->status != 200) return fail(renewal_failure(*r));
  auto out =
      decode<RenewResponse>(r->body, Status::io_error("sync.device_credentials.reponse_illisible"));
  if (!out) return fail(out.error());

  if (auto s = verify_certificate_chain(out->certificate_pem, pinned_ca_pem); !s.ok()) {
    return fail(Status(core::StatusCode::kFailedPrecondition, s.parts())
                    .with_context("sync.device_credentials.renouvele_refuse"));
  }
  auto fresh = inspect_certificate(out->certificate_pem);
  if (!fresh) return fail(fresh.error());
  if (fresh->common_name != current->common_name ||
      fresh->organizational_unit != current->organizational_unit) {
    return fail(Status::failed_precondition("sync.device_credentials.renouvele_autre_appareil"));
  }
  CARNET_RETURN_IF_ERROR_R(
      install_device_credentials(files, request->key_pem, out->certificate_pem));
  return RenewalResult{true, std::move(*fresh)};
}

}  // namespace carnet::sync
