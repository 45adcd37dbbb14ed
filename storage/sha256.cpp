#include "storage/sha256.hpp"

#include <openssl/evp.h>

#include <cstdlib>

#include "storage/encoding.hpp"

namespace carnet::storage {
namespace {

std::string_view as_text(const Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace

void sha256(std::string_view bytes, Sha256Digest& out) {
  unsigned int n = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &n, EVP_sha256(), nullptr) != 1 ||
      n != out.size()) {
    std::abort();
  }
}

Sha256Digest sha256(std::string_view bytes) {
  Sha256Digest out{};
  sha256(bytes, out);
  return out;
}

std::string sha256_hex(std::string_view bytes) { return to_hex(as_text(sha256(bytes))); }

void Sha256::Free::operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) std::abort();
}

void Sha256::update(std::string_view bytes) {
  if (EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) != 1) std::abort();
}

Sha256Digest Sha256::finish() {
  Sha256Digest out{};
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &n) != 1 || n != out.size()) std::abort();
  return out;
}

std::string Sha256::finish_hex() { return to_hex(as_text(finish())); }

}  // namespace carnet::storage
