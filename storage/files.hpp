// Whole-file reads, and the one way Carnet writes a file: atomically and durably.
//
// Durability on POSIX takes three steps that are easy to forget one of: the file's bytes are
// fsynced before it gets its name, and the directory is fsynced after the name changes (a
// create or a rename is an entry in the directory, lost in a power cut until the directory
// itself is on stable storage). Every file Carnet creates or replaces (key files,
// certificates, central.conf, blobs, exported reports) goes through write_file_durably, or
// through rename_durably for a file it wrote in place (a blob received in chunks).
//
// Thread safety: functions of files; concurrent writers of one path each leave a whole file
// (the last rename wins).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "core/status.hpp"

namespace carnet::storage {

// A file descriptor, closed when it leaves scope unless close() was called.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor();
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // Closes now; false (errno set) when close() reports a failed write.
  bool close();

 private:
  int fd_;
};

// Reads the whole file at `path`, refusing one larger than `max_bytes`. Errors: kNotFound,
// kOutOfRange, kIoError, in French naming the file.
core::Result<std::string> read_file(const std::string& path, std::size_t max_bytes);

// What write_file_durably does when something is already at the path.
enum class Existing {
  kReplace,  // replaced atomically: a reader sees the old file or the new one
  kRefuse,   // kAlreadyExists, whatever it is (a file, a directory, a symbolic link)
};

// Writes `content` to `path`: a new temporary file beside it (created O_CREAT | O_EXCL |
// O_NOFOLLOW, mode exactly `mode` whatever the umask), written, fsynced, renamed to `path`
// (with kRefuse, a rename that never replaces, RENAME_NOREPLACE), then the directory fsynced.
// When it returns OK the file is on stable storage under its name; on any failure nothing is
// left at `path` that was not there, and the temporary file is removed. A symbolic link at
// `path` is never followed: kReplace replaces the link itself, kRefuse refuses it.
// Errors: kAlreadyExists (kRefuse), kIoError naming the file and the system's reason.
core::Status write_file_durably(const std::string& path, std::string_view content,
                                Existing existing = Existing::kReplace, mode_t mode = 0600);

// A secret file (a private key; the key file that wraps a replica's data key): mode 0600,
// never over something already at `path`, never through a symbolic link planted there.
// write_file_durably(path, content, Existing::kRefuse, 0600).
core::Status create_secret_file(const std::string& path, std::string_view content);

// Renames `from` to `to` (replacing it atomically; both in one directory) and makes the
// rename durable with an fsync of the directory, which also covers earlier renames into it.
// kIoError naming the file.
core::Status rename_durably(const std::string& from, const std::string& to);

// fsync of the directory `dir`: the entries created, renamed or removed in it so far are on
// stable storage. kIoError naming it.
core::Status sync_directory(const std::string& dir);

// Creates the directory `dir` and any missing parent with mode exactly `mode` (those that
// exist are left as they are), fsyncing the parent of each one made, so that the directory
// outlives a power cut before anything is written in it. kIoError naming the directory.
core::Status create_directories_durably(const std::string& dir, mode_t mode = 0700);

// The directory part of `path` ("." for a bare name).
std::string parent_directory(const std::string& path);

}  // namespace carnet::storage
