// BlobStore: photos and scanned documents, content-addressed by SHA-256, as files in a
// directory (one per blob, named by its lower-case hex hash, mode 0600). A blob arrives
// whole (a local file) or in chunks at increasing offsets ("<hash>.part"), and becomes
// visible only once its bytes hash to its name; when put() or the last append() returns, the
// blob is on stable storage under its name (storage/files.hpp). Thread safety: none; one
// writer per blob.
//
// With a data key (the tablet) every file is sealed in segments, so that no photo is on the
// card in clear and an altered byte is detected, not read:
//   blob-file := "CBLOB1" 0x00 0x00 u64le(total) segment*
//   segment i := ciphertext[min(65536, rest)] nonce[12] tag[16]
//                aad = "carnet-blob" hash u64le(total) u64le(i)
// Without a key (the central node's own disk) a file is the blob's bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "storage/aead.hpp"

namespace carnet::storage {

class BlobStore {
 public:
  BlobStore(std::string dir, std::uint64_t max_bytes, std::optional<DataKey> key = std::nullopt)
      : dir_(std::move(dir)), max_bytes_(max_bytes), key_(std::move(key)) {}

  std::uint64_t max_bytes() const { return max_bytes_; }

  // Copies the file at `path` into the store; returns its hash. kOutOfRange if larger than
  // the limit; kNotFound / kIoError for the file.
  core::Result<std::string> put_file(const std::string& path);
  // Stores `bytes` (sealed with the key, if any); returns their hash. kOutOfRange if larger
  // than the limit.
  core::Result<std::string> put(std::string_view bytes);

  bool has(std::string_view sha256) const;
  // The size of a complete blob, or nullopt.
  std::optional<std::uint64_t> size(std::string_view sha256) const;
  // Bytes held so far of an incomplete blob (0 if none).
  std::uint64_t received(std::string_view sha256) const;
  // Up to `n` bytes of a complete blob from `offset`. kCorruption when a sealed file was
  // altered or cut short.
  core::Result<std::string> read(std::string_view sha256, std::uint64_t offset, std::size_t n) const;

  // The hashes of the complete blobs held, sorted.
  std::vector<std::string> list() const;
  // Overwrites the blob's file (and any partial one) with zeros, then removes it.
  core::Status erase(std::string_view sha256);

  // Appends a chunk at `offset` of a blob of `total` bytes. kFailedPrecondition if `offset`
  // is not what is held (the caller resumes from received()); kOutOfRange beyond the limit.
  // When the last byte arrives the hash is checked: kInvalidArgument ("empreinte") and the
  // partial bytes are discarded if it does not match. Returns the bytes now held.
  core::Result<std::uint64_t> append(std::string_view sha256, std::uint64_t offset, std::uint64_t total,
                                     std::string_view chunk);

 private:
  std::string path(std::string_view sha256) const { return dir_ + "/" + std::string(sha256); }
  // The blob bytes a file holds (of a sealed file: its segments' plaintext).
  std::optional<std::uint64_t> held(const std::string& file) const;
  core::Result<std::string> read_file_range(const std::string& file, std::string_view sha256, std::uint64_t offset,
                                            std::size_t n) const;
  // Writes `bytes` at blob offset `offset` (the bytes held) of `file`.
  core::Status write_at(const std::string& file, std::string_view sha256, std::uint64_t offset, std::uint64_t total,
                        std::string_view bytes) const;
  core::Result<std::string> hash_of(const std::string& file, std::string_view sha256) const;

  std::string dir_;
  std::uint64_t max_bytes_;
  std::optional<DataKey> key_;
};

// Lower-case hex SHA-256 of a file's contents.
core::Result<std::string> sha256_file(const std::string& path);

}  // namespace carnet::storage
