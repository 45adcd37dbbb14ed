// Authenticated encryption for data at rest: AES-256-GCM with a 128-bit tag and a 96-bit
// nonce that is never reused: each Aead draws a random 64-bit prefix and counts the messages
// it seals after it (a new prefix every 2^32), so that two nonces can only meet if two Aeads
// of one key draw the same prefix (about k²/2^65 for k of them). The replica's pages (storage/encrypted_vfs),
// the attachments (storage/blob_store) and the wrapped data key (storage/key_file) all use it.
//
// Thread safety: a DataKey is an immutable value; an Aead belongs to one thread at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/status.hpp"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace carnet::storage {

inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kNonceBytes = 12;
inline constexpr std::size_t kTagBytes = 16;
// What a sealed message adds to its plaintext: nonce and tag.
inline constexpr std::size_t kSealOverhead = kNonceBytes + kTagBytes;

using Bytes = std::span<const std::uint8_t>;

// 256 bits of key material, overwritten when destroyed.
class DataKey {
 public:
  // A new key from OpenSSL's random generator; kInternal if it is unavailable.
  static core::Result<DataKey> random();
  static DataKey from_bytes(std::span<const std::uint8_t, kKeyBytes> bytes);
  DataKey(const DataKey& other) = default;
  DataKey& operator=(const DataKey& other) = default;
  ~DataKey();

  const std::array<std::uint8_t, kKeyBytes>& bytes() const { return bytes_; }

 private:
  DataKey() = default;
  std::array<std::uint8_t, kKeyBytes> bytes_{};
};

// One AES-256-GCM context for one key.
class Aead {
 public:
  explicit Aead(const DataKey& key);
  ~Aead();
  Aead(const Aead&) = delete;
  Aead& operator=(const Aead&) = delete;

  // Encrypts `in` into `out` (same size; they may be the same buffer), bound to `aad`, with
  // the next nonce; writes the nonce then the tag to `trailer`. False only if OpenSSL fails
  // (no random bytes).
  [[nodiscard]] bool seal(Bytes in, Bytes aad, std::uint8_t* out, std::span<std::uint8_t, kSealOverhead> trailer);
  // Decrypts `in` into `out` and checks the tag from `trailer`; false when the data, the aad,
  // the nonce or the tag was altered, or the key is not the one that sealed it. `out` holds
  // garbage then and must not be used.
  [[nodiscard]] bool open(Bytes in, Bytes aad, std::span<const std::uint8_t, kSealOverhead> trailer, std::uint8_t* out);

 private:
  EVP_CIPHER_CTX* enc_;
  EVP_CIPHER_CTX* dec_;
  std::array<std::uint8_t, 8> prefix_{};
  std::uint64_t sealed_ = 0;  // messages sealed under prefix_; a new prefix at 2^32
};

// A whole message sealed under `key` and bound to `aad`: ciphertext, nonce, tag (binary).
// Errors: kInternal without random bytes.
core::Result<std::string> seal_message(const DataKey& key, std::string_view plain, std::string_view aad);
// The plaintext of seal_message's output, or nullopt if anything (key, aad, bytes) differs.
std::optional<std::string> open_message(const DataKey& key, std::string_view sealed, std::string_view aad);

}  // namespace carnet::storage
