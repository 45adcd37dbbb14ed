// The encrypting SQLite VFS ("carnet-aes") that keeps the tablet's replica unreadable at rest.
//
// It sits on the default (unix) VFS and encrypts every page of the database file and of its
// write-ahead log with AES-256-GCM (storage/aead.hpp). File formats, with P = 4096 (the page
// size, fixed) and R = 28 (the reserved bytes SQLite leaves at the end of every page):
//
//   database file  := page*                      page n (1-based) at offset (n-1)*P
//   page           := ciphertext[P-R] nonce[12] tag[16]
//                     aad = "carnet-db" u64le(n)
//   WAL file       := wal-header[32] frame*      (SQLite's own layout)
//   frame          := frame-header[24] page      frame i (0-based) at 32 + i*(24+P)
//                     aad = "carnet-wal" u64le(i)
//
// The WAL header and frame headers stay in clear: page numbers, salts and SQLite's checksums,
// no content. Binding each page to its position means a page copied elsewhere, a flipped byte
// or another key all fail the tag, and the read returns SQLITE_IOERR_DATA (Database maps it
// to kCorruption): nothing altered is ever read. Every write seals the page again with a new
// random nonce. Any other file SQLite asks for (rollback journal, temporary files) is
// refused, so none can be written in clear: Database opens encrypted files in WAL mode with
// temp_store=MEMORY, which needs none. Memory-mapped I/O is off (the methods are version 2).
//
// Keys: a file is opened with the URI parameter carnet_key=TOKEN, a token made by a VfsKey
// that lives as long as the connection (the WAL is opened after the database).
//
// Thread safety: registration and the key table are guarded by a mutex; an open file belongs
// to its connection's thread.
#pragma once

#include <cstdint>
#include <string>

#include "storage/aead.hpp"

namespace carnet::storage {

inline constexpr int kEncryptedPageSize = 4096;
inline constexpr int kEncryptedReserve = static_cast<int>(kSealOverhead);

// The VFS's name, registering it on first use (not as the default VFS).
const char* encrypted_vfs_name();

// A key made available to files opened with carnet_key=token(), until destroyed.
class VfsKey {
 public:
  explicit VfsKey(const DataKey& key);
  ~VfsKey();
  VfsKey(const VfsKey&) = delete;
  VfsKey& operator=(const VfsKey&) = delete;
  const std::string& token() const { return token_; }

 private:
  std::uint64_t id_;
  std::string token_;
};

}  // namespace carnet::storage
