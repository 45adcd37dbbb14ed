#include "storage/key_file.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <filesystem>
#include <sstream>

#include "storage/encoding.hpp"
#include "storage/files.hpp"
#include "storage/scrypt.hpp"
#include "storage/sha256.hpp"

namespace carnet::storage {
namespace {

using core::fail;
using core::Result;
using core::Status;

constexpr const char* kMagic = "carnet-key 1";
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kMinKeyFileBytes = 32;
constexpr std::size_t kMaxKeyFileText = 4096;

Status check_secret(const Secret& s) {
  if (s.kind == Secret::Kind::kPassphrase && s.value.size() < kMinPassphraseBytes) {
    return Status::invalid_argument("stockage.key_file.phrase_trop_courte", {{"min", kMinPassphraseBytes}});
  }
  if (s.kind == Secret::Kind::kKeyFile && s.value.size() < kMinKeyFileBytes) {
    return Status::invalid_argument("stockage.key_file.fichier_trop_court", {{"min", kMinKeyFileBytes}});
  }
  return Status::ok_status();
}

// The key-encryption key for `secret` under the kdf line's parameters.
Result<DataKey> derive(const Secret& secret, const KdfParams& params, const std::string& salt) {
  std::array<std::uint8_t, kKeyBytes> kek{};
  if (secret.kind == Secret::Kind::kKeyFile) {
    std::string input = "carnet-keyfile-v1" + secret.value;
    sha256(input, kek);
    OPENSSL_cleanse(input.data(), input.size());
  } else {
    const Status s = scrypt(secret.value, salt, params, kek);
    if (!s.ok()) {
      OPENSSL_cleanse(kek.data(), kek.size());
      return fail(s);
    }
  }
  DataKey key = DataKey::from_bytes(kek);
  OPENSSL_cleanse(kek.data(), kek.size());
  return key;
}

// The kdf line for a new wrapping, with a fresh salt for a passphrase.
Result<std::string> new_kdf_line(const Secret& secret, const KdfParams& params, std::string& salt) {
  if (secret.kind == Secret::Kind::kKeyFile) return std::string("kdf keyfile");
  salt.assign(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1) {
    return fail(Status::internal("stockage.aead.alea_indisponible"));
  }
  return "kdf scrypt " + std::to_string(params.n) + " " + std::to_string(params.r) + " " + std::to_string(params.p) +
         " " + to_hex(salt);
}

// The text of a key file holding `key` wrapped under `secret`.
Result<std::string> wrap(const DataKey& key, const Secret& secret, const KdfParams& params) {
  CARNET_RETURN_IF_ERROR_R(check_secret(secret));
  std::string salt;
  auto kdf = new_kdf_line(secret, params, salt);
  if (!kdf) return fail(kdf.error());
  auto kek = derive(secret, params, salt);
  if (!kek) return fail(kek.error());
  const std::string aad = std::string(kMagic) + "\n" + *kdf + "\n";
  std::string plain(reinterpret_cast<const char*>(key.bytes().data()), key.bytes().size());
  auto sealed = seal_message(*kek, plain, aad);
  OPENSSL_cleanse(plain.data(), plain.size());
  if (!sealed) return fail(sealed.error());
  return aad + "wrapped " + to_hex(*sealed) + "\n";
}

struct Parsed {
  std::string aad;
  Secret::Kind kind = Secret::Kind::kPassphrase;
  KdfParams params;
  std::string salt;
  std::string sealed;
};

Result<Parsed> parse(const std::string& path, const std::string& text) {
  const Status bad = Status::corruption("stockage.key_file.illisible", {{"chemin", path}});
  std::istringstream in(text);
  std::string magic, kdf, wrapped;
  if (!std::getline(in, magic) || magic != kMagic || !std::getline(in, kdf) || !std::getline(in, wrapped)) {
    return fail(bad);
  }
  Parsed p;
  p.aad = magic + "\n" + kdf + "\n";
  std::istringstream k(kdf);
  std::string word, name;
  k >> word >> name;
  if (word != "kdf") return fail(bad);
  if (name == "keyfile") {
    p.kind = Secret::Kind::kKeyFile;
  } else if (name == "scrypt") {
    std::string salt_hex;
    if (!(k >> p.params.n >> p.params.r >> p.params.p >> salt_hex)) return fail(bad);
    // Bounds: a file cannot make us spend unbounded memory or time.
    if (!scrypt_params_in_bounds(p.params)) return fail(bad);
    auto salt = from_hex(salt_hex);
    if (!salt || salt->size() != kSaltBytes) return fail(bad);
    p.salt = *salt;
  } else {
    return fail(bad);
  }
  if (wrapped.rfind("wrapped ", 0) != 0) return fail(bad);
  auto sealed = from_hex(std::string_view(wrapped).substr(8));
  if (!sealed || sealed->size() != kKeyBytes + kSealOverhead) return fail(bad);
  p.sealed = *sealed;
  return p;
}

}  // namespace

Secret::~Secret() { OPENSSL_cleanse(value.data(), value.size()); }

Result<DataKey> create_key_file(const std::string& path, const Secret& secret, const KdfParams& params) {
  // Checked before the costly wrapping, and again when the file takes its name (a symbolic
  // link counts: it is never followed).
  std::error_code ec;
  if (std::filesystem::symlink_status(path, ec).type() != std::filesystem::file_type::not_found) {
    return fail(Status::already_exists("stockage.key_file.deja_present", {{"chemin", path}}));
  }
  auto key = DataKey::random();
  if (!key) return fail(key.error());
  auto text = wrap(*key, secret, params);
  if (!text) return fail(text.error());
  if (const Status s = create_secret_file(path, *text); !s.ok()) {
    if (s.code() == core::StatusCode::kAlreadyExists) {
      return fail(Status::already_exists("stockage.key_file.deja_present", {{"chemin", path}}));
    }
    return fail(s);
  }
  return key;
}

Result<DataKey> unlock_key_file(const std::string& path, const Secret& secret) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return fail(Status::not_found("stockage.key_file.introuvable", {{"chemin", path}}));
  }
  auto text = read_file(path, kMaxKeyFileText);
  if (!text) return fail(text.error());
  auto parsed = parse(path, *text);
  if (!parsed) return fail(parsed.error());
  if (parsed->kind != secret.kind) {
    return fail(parsed->kind == Secret::Kind::kKeyFile
                    ? Status::failed_precondition("stockage.key_file.protege_par_fichier")
                    : Status::failed_precondition("stockage.key_file.protege_par_phrase"));
  }
  auto kek = derive(secret, parsed->params, parsed->salt);
  if (!kek) return fail(kek.error());
  auto plain = open_message(*kek, parsed->sealed, parsed->aad);
  if (!plain) {
    return fail(secret.kind == Secret::Kind::kPassphrase
                    ? Status::permission_denied("stockage.key_file.phrase_incorrecte")
                    : Status::permission_denied("stockage.key_file.fichier_incorrect"));
  }
  DataKey key = DataKey::from_bytes(std::span<const std::uint8_t, kKeyBytes>(
      reinterpret_cast<const std::uint8_t*>(plain->data()), kKeyBytes));
  OPENSSL_cleanse(plain->data(), plain->size());
  return key;
}

Status rewrap_key_file(const std::string& path, const Secret& current, const Secret& next, const KdfParams& params) {
  auto key = unlock_key_file(path, current);
  if (!key) return key.error();
  auto text = wrap(*key, next, params);
  if (!text) return text.error();
  return write_file_durably(path, *text, Existing::kReplace, 0600);
}

}  // namespace carnet::storage
