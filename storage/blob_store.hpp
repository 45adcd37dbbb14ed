// BlobStore: photos and scanned documents, content-addressed by SHA-256, as files in a
// directory (one per blob, named by its lower-case hex hash, mode 0600). A blob arrives
// whole (a local file) or in chunks at increasing offsets ("<hash>.part"), and becomes
// visible only once its bytes hash to its name. Thread safety: none; one writer per blob.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace carnet::storage {

class BlobStore {
 public:
  BlobStore(std::string dir, std::uint64_t max_bytes) : dir_(std::move(dir)), max_bytes_(max_bytes) {}

  std::uint64_t max_bytes() const { return max_bytes_; }

  // Copies the file at `path` into the store; returns its hash. kOutOfRange if larger than
  // the limit; kNotFound / kIoError for the file.
  core::Result<std::string> put_file(const std::string& path);

  bool has(std::string_view sha256) const;
  // The size of a complete blob, or nullopt.
  std::optional<std::uint64_t> size(std::string_view sha256) const;
  // Bytes held so far of an incomplete blob (0 if none).
  std::uint64_t received(std::string_view sha256) const;
  // Up to `n` bytes of a complete blob from `offset`.
  core::Result<std::string> read(std::string_view sha256, std::uint64_t offset, std::size_t n) const;

  // Appends a chunk at `offset` of a blob of `total` bytes. kFailedPrecondition if `offset`
  // is not what is held (the caller resumes from received()); kOutOfRange beyond the limit.
  // When the last byte arrives the hash is checked: kInvalidArgument ("empreinte") and the
  // partial bytes are discarded if it does not match. Returns the bytes now held.
  core::Result<std::uint64_t> append(std::string_view sha256, std::uint64_t offset, std::uint64_t total,
                                     std::string_view chunk);

 private:
  std::string path(std::string_view sha256) const { return dir_ + "/" + std::string(sha256); }
  std::string dir_;
  std::uint64_t max_bytes_;
};

// Lower-case hex SHA-256 of a file's contents.
core::Result<std::string> sha256_file(const std::string& path);

}  // namespace carnet::storage
