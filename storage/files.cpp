#include "storage/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <vector>

#include "storage/encoding.hpp"

namespace carnet::storage {

using core::fail;
using core::Result;
using core::Status;

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

bool FileDescriptor::close() {
  const int fd = fd_;
  fd_ = -1;
  return ::close(fd) == 0;
}

namespace {

Status io_error(core::MessageKey key, const std::string& path, int err) {
  return Status::io_error(key, {{"chemin", path}, {"detail", std::strerror(err)}});
}

// A name beside `path` that nothing is likely to hold: `path`.tmp-<16 hex digits>.
std::string temporary_name(const std::string& path) {
  std::random_device rd;
  std::array<char, 8> bits{};
  for (std::size_t i = 0; i < bits.size(); i += 4) {
    const auto word = static_cast<std::uint32_t>(rd());
    std::memcpy(bits.data() + i, &word, 4);
  }
  return path + ".tmp-" + to_hex(std::string_view(bits.data(), bits.size()));
}

// rename() that never replaces `to`: -1 with errno EEXIST when anything is there.
int rename_no_replace(const char* from, const char* to) {
  if (::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  // A file system without RENAME_NOREPLACE: link() does not replace either.
  if (::link(from, to) != 0) return -1;
  ::unlink(from);
  return 0;
}

// kAlreadyExists when something (a symbolic link included, never followed) is at `path`.
Status refuse_existing(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return Status::ok_status();
  if (S_ISLNK(st.st_mode)) return Status::already_exists("stockage.files.lien_symbolique", {{"chemin", path}});
  return Status::already_exists("stockage.files.deja_present", {{"chemin", path}});
}

}  // namespace

std::string parent_directory(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const auto slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

Status sync_directory(const std::string& dir) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("stockage.files.ouverture_dossier", dir, errno);
  if (::fsync(fd.get()) != 0) return io_error("stockage.files.ecriture_dossier", dir, errno);
  return Status::ok_status();
}

Status write_file_durably(const std::string& path, std::string_view content, Existing existing, mode_t mode) {
  if (existing == Existing::kRefuse) CARNET_RETURN_IF_ERROR(refuse_existing(path));
  std::string tmp;
  int raw = -1;
  for (int attempt = 0; attempt < 8 && raw < 0; ++attempt) {
    tmp = temporary_name(path);
    raw = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (raw < 0 && errno != EEXIST) break;
  }
  if (raw < 0) return io_error("stockage.files.ecriture", path, errno);
  FileDescriptor fd(raw);
  // From here on a failure removes the temporary file.
  auto failed = [&](core::MessageKey key, int err) {
    ::unlink(tmp.c_str());
    return io_error(key, path, err);
  };
  if (::fchmod(fd.get(), mode) != 0) return failed("stockage.files.ecriture", errno);  // the umask took bits
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failed("stockage.files.ecriture", errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return failed("stockage.files.ecriture", errno);
  if (!fd.close()) return failed("stockage.files.ecriture", errno);
  if (existing == Existing::kRefuse) {
    if (rename_no_replace(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      if (err == EEXIST) {
        const Status taken = refuse_existing(path);
        return taken.ok() ? Status::already_exists("stockage.files.deja_present", {{"chemin", path}}) : taken;
      }
      return io_error("stockage.files.ecriture", path, err);
    }
  } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return failed("stockage.files.remplacement", errno);
  }
  return sync_directory(parent_directory(path));
}

Status create_secret_file(const std::string& path, std::string_view content) {
  return write_file_durably(path, content, Existing::kRefuse, 0600);
}

Status rename_durably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return io_error("stockage.files.remplacement", to, errno);
  return sync_directory(parent_directory(to));
}

Status create_directories_durably(const std::string& dir, mode_t mode) {
  // The missing directories, deepest first.
  std::vector<std::string> missing;
  for (std::string p = dir;;) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return io_error("stockage.files.creation_dossier", p, ENOTDIR);
      break;
    }
    if (errno != ENOENT) return io_error("stockage.files.creation_dossier", p, errno);
    missing.push_back(p);
    const std::string parent = parent_directory(p);
    if (parent == p) break;
    p = parent;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), mode) != 0 && errno != EEXIST) return io_error("stockage.files.creation_dossier", *it, errno);
    if (::chmod(it->c_str(), mode) != 0) return io_error("stockage.files.creation_dossier", *it, errno);
    CARNET_RETURN_IF_ERROR(sync_directory(parent_directory(*it)));
  }
  // The directory itself gets exactly `mode` even when it was there already.
  if (missing.empty() && ::chmod(dir.c_str(), mode) != 0) return io_error("stockage.files.creation_dossier", dir, errno);
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
