// SHA-256 over OpenSSL: blob names, the scope checksum, the audit chain, enrollment codes and
// web tokens, certificate fingerprints, the key file's key-encryption key.
//
// OpenSSL's digest fails only when its default provider cannot be loaded, a broken
// installation rather than an expected failure: these functions then abort.
// Thread safety: the functions have no state; a Sha256 belongs to one thread at a time.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace carnet::storage {

inline constexpr std::size_t kSha256Bytes = 32;
using Sha256Digest = std::array<unsigned char, kSha256Bytes>;

// The digest of `bytes`.
Sha256Digest sha256(std::string_view bytes);
// The same into `out`, for key material: no copy of the digest is left elsewhere.
void sha256(std::string_view bytes, Sha256Digest& out);
// Its lower-case hex, 64 characters (storage/encoding.hpp to_hex).
std::string sha256_hex(std::string_view bytes);

// The digest of bytes that come in pieces.
class Sha256 {
 public:
  Sha256();

  void update(std::string_view bytes);
  // The digest of everything given to update(); the object is spent afterwards.
  Sha256Digest finish();
  std::string finish_hex();

 private:
  struct Free {
    void operator()(EVP_MD_CTX* ctx) const noexcept;
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

}  // namespace carnet::storage
