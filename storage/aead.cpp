#include "storage/aead.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cassert>
#include <climits>

namespace carnet::storage {

core::Result<DataKey> DataKey::random() {
  DataKey key;
  if (RAND_bytes(key.bytes_.data(), static_cast<int>(key.bytes_.size())) != 1) {
    return core::fail(core::Status::internal("stockage.aead.alea_indisponible"));
  }
  return key;
}

DataKey DataKey::from_bytes(std::span<const std::uint8_t, kKeyBytes> bytes) {
  DataKey key;
  std::copy(bytes.begin(), bytes.end(), key.bytes_.begin());
  return key;
}

DataKey::~DataKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

Aead::Aead(const DataKey& key) : enc_(EVP_CIPHER_CTX_new()), dec_(EVP_CIPHER_CTX_new()) {
  // Key schedule once; each message only sets its nonce.
  const bool ok = enc_ != nullptr && dec_ != nullptr &&
                  EVP_EncryptInit_ex(enc_, EVP_aes_256_gcm(), nullptr, key.bytes().data(), nullptr) == 1 &&
                  EVP_DecryptInit_ex(dec_, EVP_aes_256_gcm(), nullptr, key.bytes().data(), nullptr) == 1;
  assert(ok && "OpenSSL refused AES-256-GCM");
  (void)ok;
}

Aead::~Aead() {
  EVP_CIPHER_CTX_free(enc_);
  EVP_CIPHER_CTX_free(dec_);
}

namespace {
int len(std::size_t n) {
  assert(n <= static_cast<std::size_t>(INT_MAX));
  return static_cast<int>(n);
}
}  // namespace

bool Aead::seal(Bytes in, Bytes aad, std::uint8_t* out, std::span<std::uint8_t, kSealOverhead> trailer) {
  std::uint8_t* nonce = trailer.data();
  std::uint8_t* tag = trailer.data() + kNonceBytes;
  int n = 0;
  if (sealed_ % (std::uint64_t{1} << 32) == 0 &&
      RAND_bytes(prefix_.data(), static_cast<int>(prefix_.size())) != 1) {
    return false;
  }
  const auto count = static_cast<std::uint32_t>(sealed_++);
  std::copy(prefix_.begin(), prefix_.end(), nonce);
  for (int i = 0; i < 4; ++i) nonce[8 + i] = static_cast<std::uint8_t>(count >> (8 * (3 - i)));
  if (EVP_EncryptInit_ex(enc_, nullptr, nullptr, nullptr, nonce) != 1) return false;
  if (!aad.empty() && EVP_EncryptUpdate(enc_, nullptr, &n, aad.data(), len(aad.size())) != 1) return false;
  if (!in.empty() && EVP_EncryptUpdate(enc_, out, &n, in.data(), len(in.size())) != 1) return false;
  if (EVP_EncryptFinal_ex(enc_, out + in.size(), &n) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(enc_, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes), tag) == 1;
}

bool Aead::open(Bytes in, Bytes aad, std::span<const std::uint8_t, kSealOverhead> trailer, std::uint8_t* out) {
  const std::uint8_t* nonce = trailer.data();
  // OpenSSL takes the expected tag through a non-const pointer; it does not write to it.
  auto* tag = const_cast<std::uint8_t*>(trailer.data() + kNonceBytes);
  int n = 0;
  if (EVP_DecryptInit_ex(dec_, nullptr, nullptr, nullptr, nonce) != 1) return false;
  if (!aad.empty() && EVP_DecryptUpdate(dec_, nullptr, &n, aad.data(), len(aad.size())) != 1) return false;
  if (!in.empty() && EVP_DecryptUpdate(dec_, out, &n, in.data(), len(in.size())) != 1) return false;
  if (EVP_CIPHER_CTX_ctrl(dec_, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag) != 1) return false;
  return EVP_DecryptFinal_ex(dec_, out + in.size(), &n) == 1;
}

core::Result<std::string> seal_message(const DataKey& key, std::string_view plain, std::string_view aad) {
  std::string out(plain.size() + kSealOverhead, '\0');
  auto* p = reinterpret_cast<std::uint8_t*>(out.data());
  Aead aead(key);
  if (!aead.seal({reinterpret_cast<const std::uint8_t*>(plain.data()), plain.size()},
                 {reinterpret_cast<const std::uint8_t*>(aad.data()), aad.size()}, p,
                 std::span<std::uint8_t, kSealOverhead>(p + plain.size(), kSealOverhead))) {
    return core::fail(core::Status::internal("stockage.aead.alea_indisponible"));
  }
  return out;
}

std::optional<std::string> open_message(const DataKey& key, std::string_view sealed, std::string_view aad) {
  if (sealed.size() < kSealOverhead) return std::nullopt;
  const std::size_t n = sealed.size() - kSealOverhead;
  std::string out(n, '\0');
  const auto* p = reinterpret_cast<const std::uint8_t*>(sealed.data());
  Aead aead(key);
  if (!aead.open({p, n}, {reinterpret_cast<const std::uint8_t*>(aad.data()), aad.size()},
                 std::span<const std::uint8_t, kSealOverhead>(p + n, kSealOverhead),
                 reinterpret_cast<std::uint8_t*>(out.data()))) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  return out;
}

}  // namespace carnet::storage
