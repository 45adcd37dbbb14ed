// The tablet's key file: the random data key that encrypts the replica and the attachments,
// wrapped (AES-256-GCM) under a key-encryption key that comes from the inspector's passphrase
// (scrypt) or from a key file for unattended use. Changing the passphrase rewraps the data
// key in one atomic file replacement; the data itself is not rewritten.
//
// File grammar (text, mode 0600, one record a line):
//   key-file := "carnet-key 1" NL kdf NL "wrapped " hex(ciphertext[32] nonce[12] tag[16]) NL
//   kdf      := "kdf scrypt " N " " r " " p " " hex(salt[16])   | "kdf keyfile"
// The first two lines are the wrapping's associated data, so the parameters cannot be
// changed without the unwrapping failing.
//
// With a key file, the key-encryption key is SHA-256 of "carnet-keyfile-v1" and the file's
// bytes (at least 32 of them, e.g. from /dev/urandom).
//
// Thread safety: functions of values and files; no shared state.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.hpp"
#include "storage/aead.hpp"
#include "storage/scrypt.hpp"

namespace carnet::storage {

// What unlocks the data key. The value is overwritten when destroyed.
struct Secret {
  enum class Kind { kPassphrase, kKeyFile };
  Kind kind = Kind::kPassphrase;
  std::string value;  // the passphrase, or the key file's bytes
  ~Secret();
};

// The passphrase's scrypt cost (storage/scrypt.hpp).
using KdfParams = ScryptParams;

// The least a passphrase may have (characters, counted as bytes).
inline constexpr std::size_t kMinPassphraseBytes = 8;

// Makes a new random data key, writes it wrapped under `secret` to `path` (a secret file,
// storage/files.hpp: mode 0600, durable) and returns it. kAlreadyExists if anything is at
// `path`, a symbolic link included; kInvalidArgument for a passphrase shorter than
// kMinPassphraseBytes or a key file shorter than 32 bytes; kIoError.
core::Result<DataKey> create_key_file(const std::string& path, const Secret& secret, const KdfParams& params = {});

// The data key in `path`. kPermissionDenied for a wrong passphrase or key file (one French
// message), kFailedPrecondition when the file wants the other kind of secret, kNotFound,
// kCorruption for a file that does not parse.
core::Result<DataKey> unlock_key_file(const std::string& path, const Secret& secret);

// Wraps the data key of `path` under `next` instead of `current`, atomically and durably (the
// old file or the new one, never neither; mode 0600). Errors as unlock_key_file and
// create_key_file.
core::Status rewrap_key_file(const std::string& path, const Secret& current, const Secret& next,
                             const KdfParams& params = {});

}  // namespace carnet::storage
