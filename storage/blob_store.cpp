#include "storage/blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/text.hpp"
#include "storage/files.hpp"
#include "storage/sha256.hpp"

namespace carnet::storage {
namespace {

using core::fail;
using core::Result;
using core::Status;
namespace fs = std::filesystem;

// The blob directory, owner only; made durably, so that a blob's entry in it is not lost
// with the directory itself.
Status ensure_dir(const std::string& dir) { return create_directories_durably(dir, 0700); }

Status check_name(std::string_view sha256) {
  if (!core::is_sha256_hex(sha256)) return Status::invalid_argument("stockage.blob_store.empreinte_invalide");
  return Status::ok_status();
}

}  // namespace

Result<std::string> sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Status::not_found("stockage.files.introuvable", {{"chemin", path}}));
  Sha256 digest;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) digest.update(std::string_view(buf, static_cast<std::size_t>(in.gcount())));
  if (in.bad()) return fail(Status::io_error("stockage.files.lecture_impossible", {{"chemin", path}}));
  return digest.finish_hex();
}

namespace {

constexpr std::uint64_t kHeaderBytes = 16;
constexpr std::uint64_t kSegment = 65536;
constexpr std::uint64_t kSealedSegment = kSegment + kSealOverhead;
constexpr char kMagic[8] = {'C', 'B', 'L', 'O', 'B', '1', 0, 0};

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

std::string segment_aad(std::string_view sha256, std::uint64_t total, std::uint64_t index) {
  std::string aad = "carnet-blob";
  aad += sha256;
  put_u64(aad, total);
  put_u64(aad, index);
  return aad;
}

Bytes as_bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

// RAII file descriptor.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool pread_all(int fd, char* out, std::size_t n, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, out + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<std::size_t>(r);
  }
  return true;
}

bool pwrite_all(int fd, const char* in, std::size_t n, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::pwrite(fd, in + done, n - done, static_cast<off_t>(offset + done));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return false;
    done += static_cast<std::size_t>(w);
  }
  return true;
}

// The blob bytes of a sealed file of `size` bytes, or nullopt when it ends inside a trailer.
std::optional<std::uint64_t> sealed_plain_length(std::uint64_t size) {
  if (size == 0) return 0;
  if (size < kHeaderBytes) return std::nullopt;
  const std::uint64_t body = size - kHeaderBytes;
  const std::uint64_t rest = body % kSealedSegment;
  if (rest != 0 && rest <= kSealOverhead) return std::nullopt;
  return body / kSealedSegment * kSegment + (rest == 0 ? 0 : rest - kSealOverhead);
}

Result<std::uint64_t> sealed_total(int fd, const std::string& file) {
  char header[kHeaderBytes];
  if (!pread_all(fd, header, sizeof header, 0) || std::memcmp(header, kMagic, sizeof kMagic) != 0) {
    return fail(Status::corruption("stockage.blob_store.illisible", {{"chemin", file}}));
  }
  std::uint64_t total = 0;
  for (int i = 0; i < 8; ++i) total |= static_cast<std::uint64_t>(static_cast<unsigned char>(header[8 + i])) << (8 * i);
  return total;
}

// Appends to `out` the sealed segments of `data`, the blob's bytes from segment `index` on.
bool append_sealed(Aead& aead, std::string_view sha256, std::uint64_t total, std::uint64_t index,
                   std::string_view data, std::string& out) {
  for (std::size_t pos = 0; pos < data.size(); pos += kSegment, ++index) {
    const std::size_t n = std::min<std::size_t>(kSegment, data.size() - pos);
    const std::size_t at = out.size();
    out.resize(at + n + kSealOverhead);
    auto* sealed = reinterpret_cast<std::uint8_t*>(out.data() + at);
    if (!aead.seal(as_bytes(data.substr(pos, n)), as_bytes(segment_aad(sha256, total, index)), sealed,
                   std::span<std::uint8_t, kSealOverhead>(sealed + n, kSealOverhead))) {
      return false;
    }
  }
  return true;
}

// Segment `index` of a sealed file, opened.
Result<std::string> open_segment(Aead& aead, int fd, const std::string& file, std::string_view sha256,
                                 std::uint64_t total, std::uint64_t index, std::uint64_t plain_bytes) {
  const Status bad = Status::corruption("stockage.blob_store.authentification", {{"chemin", file}});
  std::string sealed(plain_bytes + kSealOverhead, '\0');
  if (!pread_all(fd, sealed.data(), sealed.size(), kHeaderBytes + index * kSealedSegment)) return fail(bad);
  std::string plain(plain_bytes, '\0');
  const auto* p = reinterpret_cast<const std::uint8_t*>(sealed.data());
  if (!aead.open({p, plain_bytes}, as_bytes(segment_aad(sha256, total, index)),
                 std::span<const std::uint8_t, kSealOverhead>(p + plain_bytes, kSealOverhead),
                 reinterpret_cast<std::uint8_t*>(plain.data()))) {
    return fail(bad);
  }
  return plain;
}

}  // namespace

std::optional<std::uint64_t> BlobStore::held(const std::string& file) const {
  std::error_code ec;
  const auto n = fs::file_size(file, ec);
  if (ec) return std::nullopt;
  return key_ ? sealed_plain_length(n) : std::optional<std::uint64_t>(n);
}

Status BlobStore::write_at(const std::string& file, std::string_view sha256, std::uint64_t offset, std::uint64_t total,
                           std::string_view bytes) const {
  Fd f;
  f.fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (f.fd < 0) {
    return Status::io_error("stockage.blob_store.ecriture_detail",
                            {{"chemin", file}, {"detail", std::strerror(errno)}});
  }
  if (!key_) {
    if (!pwrite_all(f.fd, bytes.data(), bytes.size(), offset) || ::fsync(f.fd) != 0) {
      return Status::io_error("stockage.blob_store.ecriture", {{"chemin", file}});
    }
    return Status::ok_status();
  }
  Aead aead(*key_);
  if (offset == 0) {
    std::string header(kMagic, sizeof kMagic);
    put_u64(header, total);
    if (::ftruncate(f.fd, 0) != 0 || !pwrite_all(f.fd, header.data(), header.size(), 0)) {
      return Status::io_error("stockage.blob_store.ecriture", {{"chemin", file}});
    }
  } else {
    auto stored = sealed_total(f.fd, file);
    if (!stored) return stored.error();
    if (*stored != total) return Status::failed_precondition("stockage.blob_store.taille_differente");
  }
  // A segment left incomplete by the previous chunk is opened and sealed again with the new
  // bytes (a fresh nonce), so that segments stay whole.
  std::uint64_t index = offset / kSegment;
  std::string data;
  if (const std::uint64_t within = offset % kSegment; within != 0) {
    auto head = open_segment(aead, f.fd, file, sha256, total, index, within);
    if (!head) return head.error();
    data = std::move(*head);
  }
  data.append(bytes);
  const std::uint64_t at = kHeaderBytes + index * kSealedSegment;
  std::string sealed;
  if (::ftruncate(f.fd, static_cast<off_t>(at)) != 0 || !append_sealed(aead, sha256, total, index, data, sealed) ||
      !pwrite_all(f.fd, sealed.data(), sealed.size(), at)) {
    return Status::io_error("stockage.blob_store.ecriture", {{"chemin", file}});
  }
  if (::fsync(f.fd) != 0) return Status::io_error("stockage.blob_store.ecriture", {{"chemin", file}});
  return Status::ok_status();
}

Result<std::string> BlobStore::read_file_range(const std::string& file, std::string_view sha256, std::uint64_t offset,
                                               std::size_t n) const {
  Fd f;
  f.fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) return fail(Status::not_found("stockage.blob_store.inconnue", {{"empreinte", sha256}}));
  const auto length = held(file);
  if (!length) return fail(Status::corruption("stockage.blob_store.tronquee", {{"chemin", file}}));
  if (offset >= *length) return std::string();
  n = static_cast<std::size_t>(std::min<std::uint64_t>(n, *length - offset));
  std::string out;
  if (!key_) {
    out.assign(n, '\0');
    if (!pread_all(f.fd, out.data(), n, offset)) {
      return fail(Status::io_error("stockage.files.lecture_impossible", {{"chemin", file}}));
    }
    return out;
  }
  auto total = sealed_total(f.fd, file);
  if (!total) return fail(total.error());
  if (*total != *length) {
    return fail(Status::corruption("stockage.blob_store.tronquee", {{"chemin", file}}));
  }
  Aead aead(*key_);
  out.reserve(n);
  for (std::uint64_t index = offset / kSegment; out.size() < n; ++index) {
    const std::uint64_t start = index * kSegment;
    auto plain = open_segment(aead, f.fd, file, sha256, *total, index, std::min(kSegment, *length - start));
    if (!plain) return fail(plain.error());
    const std::size_t from = out.empty() ? static_cast<std::size_t>(offset - start) : 0;
    out.append(*plain, from, n - out.size());
  }
  return out;
}

Result<std::string> BlobStore::hash_of(const std::string& file, std::string_view sha256) const {
  if (!key_) return sha256_file(file);
  const auto length = held(file);
  if (!length) return fail(Status::corruption("stockage.blob_store.tronquee", {{"chemin", file}}));
  // One pass over the sealed file (at most the size limit): every segment opened and hashed.
  auto bytes = read_file_range(file, sha256, 0, static_cast<std::size_t>(*length));
  if (!bytes) return fail(bytes.error());
  return sha256_hex(*bytes);
}

Result<std::string> BlobStore::put_file(const std::string& source) {
  std::error_code ec;
  const auto bytes = fs::file_size(source, ec);
  if (ec) return fail(Status::not_found("stockage.files.introuvable", {{"chemin", source}}));
  if (bytes > max_bytes_) {
    return fail(Status::out_of_range("stockage.blob_store.fichier_trop_grand",
                                     {{"chemin", source},
                                      {"taille", bytes / (1024 * 1024)},
                                      {"max", max_bytes_ / (1024 * 1024)}}));
  }
  auto content = read_file(source, max_bytes_);
  if (!content) return fail(content.error());
  return put(*content);
}

Result<std::string> BlobStore::put(std::string_view content) {
  if (content.size() > max_bytes_) {
    return fail(Status::out_of_range("stockage.blob_store.contenu_trop_grand",
                                     {{"taille", content.size() / (1024 * 1024)},
                                      {"max", max_bytes_ / (1024 * 1024)}}));
  }
  const std::string sha = sha256_hex(content);
  if (has(sha)) return sha;
  CARNET_RETURN_IF_ERROR_R(ensure_dir(dir_));
  std::string file;
  if (key_) {
    file.assign(kMagic, sizeof kMagic);
    put_u64(file, content.size());
    Aead aead(*key_);
    if (!append_sealed(aead, sha, content.size(), 0, content, file)) {
      return fail(Status::io_error("stockage.blob_store.ecriture", {{"chemin", path(sha)}}));
    }
  }
  // On stable storage under its name before the caller records it (the attachment's field
  // on a tablet, the upload's answer on the central node).
  CARNET_RETURN_IF_ERROR_R(write_file_durably(path(sha), key_ ? std::string_view(file) : content));
  return sha;
}

bool BlobStore::has(std::string_view sha256) const {
  std::error_code ec;
  return check_name(sha256).ok() && fs::is_regular_file(path(sha256), ec);
}

std::optional<std::uint64_t> BlobStore::size(std::string_view sha256) const {
  if (!has(sha256)) return std::nullopt;
  return held(path(sha256));
}

std::uint64_t BlobStore::received(std::string_view sha256) const {
  if (!check_name(sha256).ok()) return 0;
  if (auto n = size(sha256)) return *n;
  return held(path(sha256) + ".part").value_or(0);
}

Result<std::string> BlobStore::read(std::string_view sha256, std::uint64_t offset, std::size_t n) const {
  CARNET_RETURN_IF_ERROR_R(check_name(sha256));
  if (!has(sha256)) return fail(Status::not_found("stockage.blob_store.inconnue", {{"empreinte", sha256}}));
  return read_file_range(path(sha256), sha256, offset, n);
}

std::vector<std::string> BlobStore::list() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const std::string name = e.path().filename().string();
    if (core::is_sha256_hex(name) && e.is_regular_file()) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status BlobStore::erase(std::string_view sha256) {
  CARNET_RETURN_IF_ERROR(check_name(sha256));
  for (const std::string& file : {path(sha256), path(sha256) + ".part"}) {
    Fd f;
    f.fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (f.fd < 0) continue;  // not there
    struct stat st {};
    if (::fstat(f.fd, &st) == 0) {
      const std::string zeros(kSegment, '\0');
      for (std::uint64_t at = 0; at < static_cast<std::uint64_t>(st.st_size); at += kSegment) {
        const auto n = std::min<std::uint64_t>(kSegment, static_cast<std::uint64_t>(st.st_size) - at);
        if (!pwrite_all(f.fd, zeros.data(), n, at)) {
          return Status::io_error("stockage.blob_store.effacement", {{"chemin", file}});
        }
      }
      ::fsync(f.fd);
    }
    if (::unlink(file.c_str()) != 0) return Status::io_error("stockage.blob_store.effacement", {{"chemin", file}});
  }
  return Status::ok_status();
}

Result<std::uint64_t> BlobStore::append(std::string_view sha256, std::uint64_t offset, std::uint64_t total,
                                        std::string_view chunk) {
  CARNET_RETURN_IF_ERROR_R(check_name(sha256));
  if (total > max_bytes_) {
    return fail(Status::out_of_range("stockage.blob_store.trop_grande", {{"max", max_bytes_}}));
  }
  if (auto n = size(sha256)) return *n;  // already complete: nothing to do
  const std::uint64_t held_now = received(sha256);
  if (offset != held_now) {
    return fail(Status::failed_precondition("stockage.blob_store.reprise", {{"attendu", held_now}, {"recu", offset}}));
  }
  if (offset + chunk.size() > total) return fail(Status::out_of_range("stockage.blob_store.morceau_hors_taille"));
  CARNET_RETURN_IF_ERROR_R(ensure_dir(dir_));
  const std::string part = path(sha256) + ".part";
  CARNET_RETURN_IF_ERROR_R(write_at(part, sha256, offset, total, chunk));
  const std::uint64_t now_held = offset + chunk.size();
  if (now_held < total) return now_held;
  auto sha = hash_of(part, sha256);
  std::error_code ec;
  if (!sha || *sha != sha256) {
    fs::remove(part, ec);
    return fail(Status::invalid_argument("stockage.blob_store.empreinte_differente"));
  }
  // Durable before the last chunk is answered: the sender may then forget the blob.
  CARNET_RETURN_IF_ERROR_R(rename_durably(part, path(sha256)));
  return now_held;
}

}  // namespace carnet::storage
