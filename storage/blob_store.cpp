#include "storage/blob_store.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "core/text.hpp"
#include "storage/scope_checksum.hpp"

namespace carnet::storage {
namespace {

using core::fail;
using core::Result;
using core::Status;
namespace fs = std::filesystem;

std::string hex_digest(EVP_MD_CTX* ctx) {
  unsigned char md[32];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, md, &n);
  return to_hex(md, n);
}

Status ensure_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::io_error("impossible de créer " + dir + " : " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  return Status::ok_status();
}

Status check_name(std::string_view sha256) {
  if (!core::is_sha256_hex(sha256)) return Status::invalid_argument("empreinte SHA-256 invalide");
  return Status::ok_status();
}

}  // namespace

Result<std::string> sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Status::not_found("fichier introuvable ou illisible : " + path));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) return fail(Status::io_error("lecture impossible : " + path));
  return hex_digest(ctx.get());
}

Result<std::string> BlobStore::put_file(const std::string& source) {
  std::error_code ec;
  const auto bytes = fs::file_size(source, ec);
  if (ec) return fail(Status::not_found("fichier introuvable ou illisible : " + source));
  if (bytes > max_bytes_) {
    return fail(Status::out_of_range(source + " : fichier trop grand (" + std::to_string(bytes / (1024 * 1024)) +
                                     " Mio, maximum " + std::to_string(max_bytes_ / (1024 * 1024)) + " Mio)"));
  }
  auto sha = sha256_file(source);
  if (!sha) return fail(sha.error());
  if (has(*sha)) return sha;
  CARNET_RETURN_IF_ERROR_R(ensure_dir(dir_));
  const std::string tmp = path(*sha) + ".tmp";
  fs::copy_file(source, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) return fail(Status::io_error("copie impossible de " + source + " : " + ec.message()));
  ::chmod(tmp.c_str(), 0600);
  const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return fail(Status::io_error("écriture impossible : " + tmp));
  }
  ::close(fd);
  fs::rename(tmp, path(*sha), ec);
  if (ec) return fail(Status::io_error("écriture impossible : " + path(*sha)));
  return sha;
}

bool BlobStore::has(std::string_view sha256) const {
  std::error_code ec;
  return check_name(sha256).ok() && fs::is_regular_file(path(sha256), ec);
}

std::optional<std::uint64_t> BlobStore::size(std::string_view sha256) const {
  if (!has(sha256)) return std::nullopt;
  std::error_code ec;
  const auto n = fs::file_size(path(sha256), ec);
  if (ec) return std::nullopt;
  return n;
}

std::uint64_t BlobStore::received(std::string_view sha256) const {
  if (!check_name(sha256).ok()) return 0;
  if (auto n = size(sha256)) return *n;
  std::error_code ec;
  const auto n = fs::file_size(path(sha256) + ".part", ec);
  return ec ? 0 : n;
}

Result<std::string> BlobStore::read(std::string_view sha256, std::uint64_t offset, std::size_t n) const {
  CARNET_RETURN_IF_ERROR_R(check_name(sha256));
  std::ifstream in(path(sha256), std::ios::binary);
  if (!in) return fail(Status::not_found("pièce jointe inconnue : " + std::string(sha256)));
  in.seekg(static_cast<std::streamoff>(offset));
  std::string out(n, '\0');
  in.read(out.data(), static_cast<std::streamsize>(n));
  out.resize(static_cast<std::size_t>(in.gcount()));
  return out;
}

Result<std::uint64_t> BlobStore::append(std::string_view sha256, std::uint64_t offset, std::uint64_t total,
                                        std::string_view chunk) {
  CARNET_RETURN_IF_ERROR_R(check_name(sha256));
  if (total > max_bytes_) {
    return fail(Status::out_of_range("pièce jointe trop grande (maximum " + std::to_string(max_bytes_) + " octets)"));
  }
  if (auto n = size(sha256)) return *n;  // already complete: nothing to do
  const std::uint64_t held = received(sha256);
  if (offset != held) {
    return fail(Status::failed_precondition("reprise à l'octet " + std::to_string(held) + " attendue, pas " +
                                            std::to_string(offset)));
  }
  if (offset + chunk.size() > total) return fail(Status::out_of_range("morceau au-delà de la taille annoncée"));
  CARNET_RETURN_IF_ERROR_R(ensure_dir(dir_));
  const std::string part = path(sha256) + ".part";
  const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Status::io_error("écriture impossible : " + part + " : " + std::strerror(errno)));
  std::size_t done = 0;
  while (done < chunk.size()) {
    const ssize_t w = ::write(fd, chunk.data() + done, chunk.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return fail(Status::io_error("écriture impossible : " + part));
    }
    done += static_cast<std::size_t>(w);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return fail(Status::io_error("écriture impossible : " + part));
  const std::uint64_t now_held = offset + chunk.size();
  if (now_held < total) return now_held;
  auto sha = sha256_file(part);
  std::error_code ec;
  if (!sha || *sha != sha256) {
    fs::remove(part, ec);
    return fail(Status::invalid_argument("le contenu reçu ne correspond pas à son empreinte SHA-256 : pièce refusée"));
  }
  fs::rename(part, path(sha256), ec);
  if (ec) return fail(Status::io_error("écriture impossible : " + path(sha256)));
  return now_held;
}

}  // namespace carnet::storage
