#include "storage/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace carnet::storage {

using core::fail;
using core::Result;
using core::Status;

Status write_file_atomically(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::io_error("stockage.files.ecriture", {{"chemin", path}, {"detail", std::strerror(errno)}});
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::io_error("stockage.files.ecriture", {{"chemin", path}, {"detail", std::strerror(err)}});
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Status::io_error("stockage.files.ecriture", {{"chemin", path}, {"detail", std::strerror(errno)}});
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Status::io_error("stockage.files.ecriture", {{"chemin", path}, {"detail", std::strerror(err)}});
  }
  return Status::ok_status();
}

Status rename_durably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Status::io_error("stockage.files.remplacement", {{"chemin", to}, {"detail", std::strerror(errno)}});
  }
  const auto slash = to.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : to.substr(0, slash);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Status::io_error("stockage.files.ouverture_dossier", {{"chemin", dir}, {"detail", std::strerror(errno)}});
  }
  const int synced = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (synced != 0) {
    return Status::io_error("stockage.files.ecriture_dossier", {{"chemin", dir}, {"detail", std::strerror(err)}});
  }
  return Status::ok_status();
}

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Status::not_found("stockage.files.introuvable", {{"chemin", path}}));
  std::string out;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, static_cast<std::size_t>(in.gcount()));
    if (out.size() > max_bytes) {
      return fail(Status::out_of_range("stockage.files.trop_grand", {{"chemin", path}, {"max", max_bytes}}));
    }
  }
  if (in.bad()) return fail(Status::io_error("stockage.files.lecture_impossible", {{"chemin", path}}));
  return out;
}

}  // namespace carnet::storage
