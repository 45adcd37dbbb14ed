// Tests for sync/pki: the central CA, server and device certificates, key files.

#include "sync/pki.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <initializer_list>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "storage/sha256.hpp"
#include "support/status_matchers.hpp"
#include "support/temp_dir.hpp"

namespace carnet::sync {
namespace {

using carnet::testing::TempDir;
using core::StatusCode;

// ---- OpenSSL helpers, independent of the code under test. ----

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Req = std::unique_ptr<X509_REQ, Deleter<X509_REQ_free>>;
using Store = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtx = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
void free_extensions(STACK_OF(X509_EXTENSION) * s) {
  sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
}
using Extensions = std::unique_ptr<STACK_OF(X509_EXTENSION), Deleter<free_extensions>>;
using KeyId = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING_free>>;
using AuthorityKeyId = std::unique_ptr<AUTHORITY_KEYID, Deleter<AUTHORITY_KEYID_free>>;
using Constraints = std::unique_ptr<BASIC_CONSTRAINTS, Deleter<BASIC_CONSTRAINTS_free>>;

Bio bio_of(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string bio_string(BIO* bio) {
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio, &mem);
  return std::string(mem->data, mem->length);
}

Cert read_cert(const std::string& pem) {
  Bio bio = bio_of(pem);
  return Cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

Key read_key(const std::string& pem) {
  Bio bio = bio_of(pem);
  return Key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

Req read_req(const std::string& pem) {
  Bio bio = bio_of(pem);
  return Req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
}

std::string req_pem(X509_REQ* req) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), req);
  return bio_string(bio.get());
}

// X509_verify_cert of `cert_pem` with `ca_pem` as the only trust anchor, for `purpose`
// (X509_PURPOSE_SSL_SERVER, ...; 0: any). Returns X509_V_OK or the verification error.
int verify_with_store(const std::string& cert_pem, const std::string& ca_pem, int purpose) {
  Cert cert = read_cert(cert_pem);
  Cert ca = read_cert(ca_pem);
  if (!cert || !ca) return -1;
  Store store(X509_STORE_new());
  StoreCtx ctx(X509_STORE_CTX_new());
  X509_STORE_add_cert(store.get(), ca.get());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_X509_STRICT);
  if (purpose != 0) X509_STORE_CTX_set_purpose(ctx.get(), purpose);
  const int ok = X509_verify_cert(ctx.get());
  const int error = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  return ok == 1 ? X509_V_OK : error;
}

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::int64_t kDay = 24 * 3600;

template <class T>
StatusCode code_of(const core::Result<T>& r) {
  return r ? StatusCode::kOk : r.error().code();
}

std::string subject_line(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  return bio_string(bio.get());
}

bool is_p256(EVP_PKEY* key) {
  char group[80] = {};
  std::size_t n = 0;
  return EVP_PKEY_is_a(key, "EC") == 1 &&
         EVP_PKEY_get_group_name(key, group, sizeof group, &n) == 1 &&
         std::string(group) == "prime256v1";
}

// A request made directly with OpenSSL: subject CN=`cn`, key `key`, asking for `extensions`
// (an OpenSSL configuration line per extension, e.g. {NID_basic_constraints, "critical,CA:TRUE"}).
std::string make_request(EVP_PKEY* key, const std::string& cn,
                         const std::vector<std::pair<int, const char*>>& extensions) {
  Req req(X509_REQ_new());
  X509_REQ_set_version(req.get(), X509_REQ_VERSION_1);
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_NID(name, NID_organizationalUnitName, MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("insp-of-the-attacker"), -1, -1,
                             0);
  X509_REQ_set_pubkey(req.get(), key);
  if (!extensions.empty()) {
    Extensions exts(sk_X509_EXTENSION_new_null());
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, nullptr, nullptr, req.get(), nullptr, 0);
    for (const auto& [nid, value] : extensions) {
      sk_X509_EXTENSION_push(exts.get(), X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
    }
    X509_REQ_add_extensions(req.get(), exts.get());
  }
  X509_REQ_sign(req.get(), key, EVP_sha256());
  return req_pem(req.get());
}

std::string subject_key_id(X509* cert) {
  KeyId id(static_cast<ASN1_OCTET_STRING*>(
      X509_get_ext_d2i(cert, NID_subject_key_identifier, nullptr, nullptr)));
  if (!id) return {};
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(id.get())),
                     static_cast<std::size_t>(ASN1_STRING_length(id.get())));
}

std::string authority_key_id(X509* cert) {
  AuthorityKeyId id(static_cast<AUTHORITY_KEYID*>(
      X509_get_ext_d2i(cert, NID_authority_key_identifier, nullptr, nullptr)));
  if (!id || id->keyid == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(id->keyid)),
                     static_cast<std::size_t>(ASN1_STRING_length(id->keyid)));
}

// A certificate made here with OpenSSL directly, valid from `from` to `to` seconds from now
// (both may be in the past): a self-signed CA when `issuer` is null, else a leaf it signs.
Credentials raw_certificate(const Credentials* issuer, long from, long to) {
  Key key(EVP_EC_gen("P-256"));
  Cert cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 4242);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), from);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), to);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("raw"), -1, -1, 0);
  X509_set_pubkey(cert.get(), key.get());
  Cert issuer_cert = issuer != nullptr ? read_cert(issuer->cert_pem) : nullptr;
  Key issuer_key = issuer != nullptr ? read_key(issuer->key_pem) : nullptr;
  X509_set_issuer_name(cert.get(),
                       issuer != nullptr ? X509_get_subject_name(issuer_cert.get()) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer_cert.get() : cert.get(), cert.get(), nullptr,
                 nullptr, 0);
  X509V3_set_issuer_pkey(&ctx, issuer != nullptr ? issuer_key.get() : key.get());
  const std::vector<std::pair<int, const char*>> extensions = {
      {NID_basic_constraints, issuer != nullptr ? "critical,CA:FALSE" : "critical,CA:TRUE"},
      {NID_key_usage, issuer != nullptr ? "critical,digitalSignature" : "critical,keyCertSign"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"}};
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert.get(), issuer != nullptr ? issuer_key.get() : key.get(), EVP_sha256());
  Bio cert_bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(cert_bio.get(), cert.get());
  Bio key_bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return Credentials{bio_string(cert_bio.get()), bio_string(key_bio.get())};
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Shared by the tests that only need some CA (a key pair per test would be slow under ASan).
const Credentials& test_ca() {
  static const Credentials kCa = [] {
    auto ca = make_ca("Carnet test CA", 3650);
    EXPECT_OK(ca);
    return ca.value_or(Credentials{});
  }();
  return kCa;
}

// ---- The CA. ----

TEST(PkiTest, CaIsASelfSignedCaValidForTheRequestedDays) {
  const std::int64_t before = now_unix();
  auto ca = make_ca("Carnet — autorité du nœud central", 3650);
  ASSERT_OK(ca);
  const std::int64_t after = now_unix();
  EXPECT_TRUE(ca->cert_pem.starts_with("-----BEGIN CERTIFICATE-----\n")) << ca->cert_pem;
  EXPECT_TRUE(ca->key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));

  auto info = inspect_certificate(ca->cert_pem);
  ASSERT_OK(info);
  EXPECT_TRUE(info->is_ca);
  EXPECT_EQ(info->common_name, "Carnet — autorité du nœud central");
  EXPECT_EQ(info->organizational_unit, "");
  EXPECT_GE(info->not_before, before - 300 - 1);
  EXPECT_LE(info->not_before, after - 300 + 1);
  EXPECT_GE(info->not_after, before + 3650 * kDay - 1);
  EXPECT_LE(info->not_after, after + 3650 * kDay + 1);
  EXPECT_TRUE(std::regex_match(info->serial_hex, std::regex("[0-9a-f]{2,32}"))) << info->serial_hex;
  EXPECT_OK(verify_certificate(ca->cert_pem, ca->cert_pem));
  EXPECT_EQ(verify_with_store(ca->cert_pem, ca->cert_pem, 0), X509_V_OK);

  Cert cert = read_cert(ca->cert_pem);
  Key key = read_key(ca->key_pem);
  ASSERT_TRUE(cert && key);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(X509_get_signature_nid(cert.get()), NID_ecdsa_with_SHA256);
  EXPECT_TRUE(is_p256(key.get()));
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())), 0);
  EXPECT_NE(X509_get_extension_flags(cert.get()) & EXFLAG_SS, 0u);
  EXPECT_NE(X509_get_key_usage(cert.get()) & KU_KEY_CERT_SIGN, 0u);
  EXPECT_EQ(X509_get_key_usage(cert.get()) & KU_DIGITAL_SIGNATURE, 0u);
  int critical = -1;
  Constraints bc(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert.get(), NID_basic_constraints, &critical, nullptr)));
  ASSERT_TRUE(bc);
  EXPECT_EQ(critical, 1);
  EXPECT_NE(bc->ca, 0);
  EXPECT_EQ(X509_get_pathlen(cert.get()), 0);
  EXPECT_FALSE(subject_key_id(cert.get()).empty());
  EXPECT_EQ(authority_key_id(cert.get()), subject_key_id(cert.get()));
}

TEST(PkiTest, EveryCaHasItsOwnKeyAndSerial) {
  auto a = make_ca("Carnet test CA", 1);
  auto b = make_ca("Carnet test CA", 1);
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_NE(a->key_pem, b->key_pem);
  EXPECT_NE(inspect_certificate(a->cert_pem)->serial_hex,
            inspect_certificate(b->cert_pem)->serial_hex);
  EXPECT_NE(*certificate_fingerprint(a->cert_pem), *certificate_fingerprint(b->cert_pem));
}

TEST(PkiTest, NamesAndDurationsAreChecked) {
  EXPECT_EQ(code_of(make_ca("", 10)), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(make_ca(std::string(65, 'a'), 10)), StatusCode::kInvalidArgument);
  EXPECT_OK(make_ca(std::string(64, 'a'), 10));
  EXPECT_EQ(code_of(make_ca("a\nb", 10)), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(make_ca("ok", 0)), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(make_ca("ok", -5)), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(make_ca("ok", 100000)), StatusCode::kInvalidArgument);
  auto csr = make_certificate_request("device");
  ASSERT_OK(csr);
  EXPECT_EQ(code_of(sign_certificate_request(test_ca(), csr->csr_pem, "", "insp", 90)),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      code_of(sign_certificate_request(test_ca(), csr->csr_pem, "dev", std::string(65, 'x'), 90)),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(sign_certificate_request(test_ca(), csr->csr_pem, "dev", "insp", 0)),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ERR_peek_error(), 0u) << "the OpenSSL error queue must be left empty";
}

// ---- The server certificate. ----

TEST(PkiTest, ServerCertificateWithNamesVerifiesAgainstItsCa) {
  const Credentials& ca = test_ca();
  auto server = make_server_certificate(ca, "carnet-central", {"localhost", "central.example.org"},
                                        {"127.0.0.1", "::1"}, 825);
  ASSERT_OK(server);
  EXPECT_EQ(verify_with_store(server->cert_pem, ca.cert_pem, X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_NE(verify_with_store(server->cert_pem, ca.cert_pem, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_OK(verify_certificate(server->cert_pem, ca.cert_pem));

  Cert cert = read_cert(server->cert_pem);
  Key key = read_key(server->key_pem);
  ASSERT_TRUE(cert && key);
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  EXPECT_TRUE(is_p256(key.get()));
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "central.example.org", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(cert.get(), "evil.example.org", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_NE(X509_check_ip_asc(cert.get(), "10.0.0.1", 0), 1);
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), static_cast<std::uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
  Cert ca_cert = read_cert(ca.cert_pem);
  EXPECT_EQ(authority_key_id(cert.get()), subject_key_id(ca_cert.get()));
  EXPECT_FALSE(subject_key_id(cert.get()).empty());
  EXPECT_NE(subject_key_id(cert.get()), subject_key_id(ca_cert.get()));

  auto info = inspect_certificate(server->cert_pem);
  ASSERT_OK(info);
  EXPECT_FALSE(info->is_ca);
  EXPECT_EQ(info->common_name, "carnet-central");
  EXPECT_LE(info->not_after, inspect_certificate(ca.cert_pem)->not_after)
      << "never outlives its CA";
}

TEST(PkiTest, ServerCertificateRefusesBadNames) {
  const Credentials& ca = test_ca();
  const auto code = [&](std::vector<std::string> dns, std::vector<std::string> ips) {
    auto r = make_server_certificate(ca, "carnet-central", dns, ips, 30);
    return r ? StatusCode::kOk : r.error().code();
  };
  EXPECT_EQ(code({}, {}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({""}, {}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({"localhost,DNS:evil.org"}, {}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({"-bad.example"}, {}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({"a..b"}, {}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({}, {"999.1.1.1"}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({}, {"localhost"}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({"*.example.org"}, {}), StatusCode::kOk);
  EXPECT_EQ(code({}, {"fe80::1"}), StatusCode::kOk);
  auto r = make_server_certificate(ca, "carnet-central", {}, {"1.2.3"}, 30);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("1.2.3"), std::string::npos) << r.error().message();
  EXPECT_EQ(ERR_peek_error(), 0u);
}

// ---- Device certificates. ----

TEST(PkiTest, RequestCarriesAFreshP256KeyAndIsSigned) {
  auto request = make_certificate_request("device-7f3a");
  ASSERT_OK(request);
  EXPECT_TRUE(request->csr_pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"))
      << request->csr_pem;
  Req req = read_req(request->csr_pem);
  Key key = read_key(request->key_pem);
  ASSERT_TRUE(req && key);
  EXPECT_TRUE(is_p256(key.get()));
  EXPECT_EQ(EVP_PKEY_eq(X509_REQ_get0_pubkey(req.get()), key.get()), 1);
  EXPECT_EQ(X509_REQ_verify(req.get(), X509_REQ_get0_pubkey(req.get())), 1);
  Bio bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_REQ_get_subject_name(req.get()), 0, XN_FLAG_RFC2253);
  EXPECT_EQ(bio_string(bio.get()), "CN=device-7f3a");
  auto other = make_certificate_request("device-7f3a");
  ASSERT_OK(other);
  EXPECT_NE(other->key_pem, request->key_pem);
}

TEST(PkiTest, DeviceCertificateTakesItsSubjectFromTheCaNotTheRequest) {
  const Credentials& ca = test_ca();
  Key device_key(EVP_EC_gen("P-256"));
  ASSERT_TRUE(device_key);
  // The request asks for another name, for CA powers and for names of its own.
  const std::string csr = make_request(device_key.get(), "central.example.org",
                                       {{NID_basic_constraints, "critical,CA:TRUE"},
                                        {NID_key_usage, "critical,keyCertSign"},
                                        {NID_ext_key_usage, "serverAuth"},
                                        {NID_subject_alt_name, "DNS:central.example.org"}});
  const std::int64_t before = now_unix();
  auto cert_pem =
      sign_certificate_request(ca, csr, "0b7a6f5e-4c8d-4e1f-9a2b-3c4d5e6f7a8b", "insp-42", 90);
  ASSERT_OK(cert_pem);

  auto info = inspect_certificate(*cert_pem);
  ASSERT_OK(info);
  EXPECT_EQ(info->common_name, "0b7a6f5e-4c8d-4e1f-9a2b-3c4d5e6f7a8b");
  EXPECT_EQ(info->organizational_unit, "insp-42");
  EXPECT_FALSE(info->is_ca);
  EXPECT_GE(info->not_before, before - 300 - 1);
  EXPECT_LE(info->not_before, now_unix() - 300 + 1);
  EXPECT_GE(info->not_after, before + 90 * kDay - 1);
  EXPECT_LE(info->not_after, now_unix() + 90 * kDay + 1);

  Cert cert = read_cert(*cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(subject_line(cert.get()), "CN=0b7a6f5e-4c8d-4e1f-9a2b-3c4d5e6f7a8b,OU=insp-42");
  EXPECT_EQ(X509_check_private_key(cert.get(), device_key.get()), 1);
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), static_cast<std::uint32_t>(XKU_SSL_CLIENT));
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_ext_by_NID(cert.get(), NID_subject_alt_name, -1), -1)
      << "no extension copied from the request";
  EXPECT_EQ(X509_check_host(cert.get(), "central.example.org", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_get_signature_nid(cert.get()), NID_ecdsa_with_SHA256);

  EXPECT_EQ(verify_with_store(*cert_pem, ca.cert_pem, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_NE(verify_with_store(*cert_pem, ca.cert_pem, X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_OK(verify_certificate(*cert_pem, ca.cert_pem));

  // Signing the same request again gives another serial.
  auto again =
      sign_certificate_request(ca, csr, "0b7a6f5e-4c8d-4e1f-9a2b-3c4d5e6f7a8b", "insp-42", 90);
  ASSERT_OK(again);
  EXPECT_NE(inspect_certificate(*again)->serial_hex, info->serial_hex);
}

TEST(PkiTest, DeviceCertificateWithoutUnitHasNoOu) {
  auto request = make_certificate_request("device");
  ASSERT_OK(request);
  auto cert = sign_certificate_request(test_ca(), request->csr_pem, "device-1", "", 10);
  ASSERT_OK(cert);
  EXPECT_EQ(inspect_certificate(*cert)->organizational_unit, "");
  EXPECT_EQ(subject_line(read_cert(*cert).get()), "CN=device-1");
}

TEST(PkiTest, CertificateNeverOutlivesItsCa) {
  auto ca = make_ca("Short-lived CA", 10);
  ASSERT_OK(ca);
  auto request = make_certificate_request("device");
  ASSERT_OK(request);
  auto cert = sign_certificate_request(*ca, request->csr_pem, "device-1", "insp-1", 90);
  ASSERT_OK(cert);
  EXPECT_EQ(inspect_certificate(*cert)->not_after, inspect_certificate(ca->cert_pem)->not_after);
  EXPECT_OK(verify_certificate(*cert, ca->cert_pem));
}

TEST(PkiTest, TamperedRequestIsRefused) {
  auto request = make_certificate_request("device-honest");
  ASSERT_OK(request);
  // Change one byte of the signed part (the subject), keeping the signature.
  Req req = read_req(request->csr_pem);
  ASSERT_TRUE(req);
  unsigned char* der = nullptr;
  const int n = i2d_X509_REQ(req.get(), &der);
  ASSERT_GT(n, 0);
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  const std::size_t at = bytes.find("device-honest");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'D';
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  Req tampered(d2i_X509_REQ(nullptr, &p, static_cast<long>(bytes.size())));
  ASSERT_TRUE(tampered);
  const std::string tampered_pem = req_pem(tampered.get());
  ASSERT_NE(tampered_pem, request->csr_pem);

  auto signed_cert = sign_certificate_request(test_ca(), tampered_pem, "device-1", "insp-1", 90);
  ASSERT_FALSE(signed_cert);
  EXPECT_EQ(code_of(signed_cert), StatusCode::kInvalidArgument);
  EXPECT_NE(signed_cert.error().message().find("signature"), std::string::npos)
      << signed_cert.error().message();
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(PkiTest, RequestWithAnotherKindOfKeyIsRefused) {
  Key p384(EVP_EC_gen("P-384"));
  ASSERT_TRUE(p384);
  auto r = sign_certificate_request(test_ca(), make_request(p384.get(), "device", {}), "device-1",
                                    "insp-1", 90);
  ASSERT_FALSE(r);
  EXPECT_EQ(code_of(r), StatusCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("P-256"), std::string::npos) << r.error().message();
}

TEST(PkiTest, SigningNeedsAConsistentCa) {
  auto other = make_ca("Another CA", 30);
  ASSERT_OK(other);
  auto request = make_certificate_request("device");
  ASSERT_OK(request);
  // A CA certificate with someone else's key.
  const Credentials mixed{test_ca().cert_pem, other->key_pem};
  auto r = sign_certificate_request(mixed, request->csr_pem, "device-1", "insp-1", 90);
  ASSERT_FALSE(r);
  EXPECT_EQ(code_of(r), StatusCode::kInvalidArgument);
  // A certificate that is not a CA's.
  auto server = make_server_certificate(test_ca(), "carnet-central", {"localhost"}, {}, 30);
  ASSERT_OK(server);
  auto s = sign_certificate_request(*server, request->csr_pem, "device-1", "insp-1", 90);
  ASSERT_FALSE(s);
  EXPECT_EQ(code_of(s), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(make_server_certificate(*server, "x", {"localhost"}, {}, 30)),
            StatusCode::kInvalidArgument);
}

TEST(PkiTest, ExpiredOrNotYetValidCertificatesDoNotVerify) {
  const Credentials& ca = test_ca();
  const Credentials expired = raw_certificate(&ca, -10 * kDay, -kDay);
  const Credentials future = raw_certificate(&ca, kDay, 10 * kDay);
  const Credentials fine = raw_certificate(&ca, -kDay, kDay);
  EXPECT_OK(verify_certificate(fine.cert_pem, ca.cert_pem));
  const Status s = verify_certificate(expired.cert_pem, ca.cert_pem);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("expiré"), std::string::npos) << s.message();
  const Status t = verify_certificate(future.cert_pem, ca.cert_pem);
  EXPECT_EQ(t.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(t.message().find("pas encore valide"), std::string::npos) << t.message();
}

TEST(PkiTest, ExpiredCaSignsNothing) {
  const Credentials expired_ca = raw_certificate(nullptr, -10 * kDay, -kDay);
  ASSERT_TRUE(inspect_certificate(expired_ca.cert_pem).value().is_ca);
  auto request = make_certificate_request("device");
  ASSERT_OK(request);
  auto r = sign_certificate_request(expired_ca, request->csr_pem, "device-1", "insp-1", 90);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.error().message().find("expiré"), std::string::npos) << r.error().message();
  EXPECT_EQ(code_of(make_server_certificate(expired_ca, "x", {"localhost"}, {}, 30)),
            StatusCode::kFailedPrecondition);
}

TEST(PkiTest, CertificateOfAnotherCaDoesNotVerify) {
  const Credentials& ca = test_ca();
  // The impostor even has the same name as the real CA.
  auto impostor = make_ca("Carnet test CA", 30);
  ASSERT_OK(impostor);
  auto request = make_certificate_request("device");
  ASSERT_OK(request);
  auto device = sign_certificate_request(*impostor, request->csr_pem, "device-1", "insp-1", 90);
  ASSERT_OK(device);
  auto server =
      make_server_certificate(*impostor, "carnet-central", {"localhost"}, {"127.0.0.1"}, 30);
  ASSERT_OK(server);

  EXPECT_EQ(verify_with_store(*device, impostor->cert_pem, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_NE(verify_with_store(*device, ca.cert_pem, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_NE(verify_with_store(server->cert_pem, ca.cert_pem, X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_NE(verify_with_store(impostor->cert_pem, ca.cert_pem, 0), X509_V_OK);

  const Status s = verify_certificate(*device, ca.cert_pem);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.to_string();
  EXPECT_NE(s.message().find("autorité"), std::string::npos) << s.message();
  EXPECT_EQ(verify_certificate(server->cert_pem, ca.cert_pem).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(verify_certificate(impostor->cert_pem, ca.cert_pem).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(ERR_peek_error(), 0u);
}

// ---- Fingerprints. ----

TEST(PkiTest, FingerprintIsUpperCaseHexPairsOfTheDerSha256) {
  const Credentials& ca = test_ca();
  auto fp = certificate_fingerprint(ca.cert_pem);
  ASSERT_OK(fp);
  EXPECT_EQ(fp->size(), 32u * 3 - 1);
  EXPECT_TRUE(std::regex_match(*fp, std::regex("([0-9A-F]{2}:){31}[0-9A-F]{2}"))) << *fp;
  EXPECT_EQ(inspect_certificate(ca.cert_pem)->fingerprint, *fp);
  EXPECT_EQ(*certificate_fingerprint(ca.cert_pem), *fp) << "stable";

  // The same digest computed here from the DER.
  Cert cert = read_cert(ca.cert_pem);
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert.get(), &der);
  ASSERT_GT(n, 0);
  std::string hex =
      storage::sha256_hex(std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n)));
  OPENSSL_free(der);
  std::string expected;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (i != 0) expected += ':';
    expected += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
    expected += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i + 1])));
  }
  EXPECT_EQ(*fp, expected);
}

// ---- Bad input. ----

TEST(PkiTest, GarbagePemIsInvalidArgument) {
  const std::string garbage =
      "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
  for (const std::string& text :
       {std::string(), std::string("not PEM at all"), garbage, test_ca().key_pem}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(code_of(inspect_certificate(text)), StatusCode::kInvalidArgument);
    EXPECT_EQ(code_of(certificate_fingerprint(text)), StatusCode::kInvalidArgument);
    EXPECT_EQ(code_of(sign_certificate_request(test_ca(), text, "device-1", "insp-1", 90)),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(verify_certificate(text, test_ca().cert_pem).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(verify_certificate(test_ca().cert_pem, text).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(code_of(make_server_certificate(Credentials{text, test_ca().key_pem}, "x",
                                              {"localhost"}, {}, 30)),
              StatusCode::kInvalidArgument);
    if (text != test_ca().key_pem) {
      EXPECT_EQ(code_of(make_server_certificate(Credentials{test_ca().cert_pem, text}, "x",
                                                {"localhost"}, {}, 30)),
                StatusCode::kInvalidArgument);
    }
    EXPECT_EQ(ERR_peek_error(), 0u);
  }
  const auto e = inspect_certificate("not PEM at all").error();
  EXPECT_NE(e.message().find("certificat"), std::string::npos) << e.message();
  // A certificate is not a request.
  EXPECT_EQ(
      code_of(sign_certificate_request(test_ca(), test_ca().cert_pem, "device-1", "insp-1", 90)),
      StatusCode::kInvalidArgument);
}

// ---- Key files. ----

TEST(PkiTest, PrivateKeyFileIsWrittenWithMode0600AndReadBack) {
  TempDir dir;
  const std::string path = dir.file("ca.key");
  ASSERT_OK(write_private_key_file(path, test_ca().key_pem));
  EXPECT_EQ(mode_of(path), 0600u);
  auto key = read_private_key_file(path);
  ASSERT_OK(key);
  EXPECT_EQ(*key, test_ca().key_pem);

  // A key file is created, never written over what is there: a file (O_EXCL), a symbolic
  // link planted to make the key land elsewhere (O_NOFOLLOW).
  const std::string lax = dir.file("lax.key");
  std::ofstream(lax) << "old";
  ASSERT_EQ(::chmod(lax.c_str(), 0644), 0);
  EXPECT_EQ(write_private_key_file(lax, test_ca().key_pem).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(mode_of(lax), 0644u);
  const std::string planted = dir.file("planted.key");
  const std::string elsewhere = dir.file("readable-by-all");
  ASSERT_EQ(::symlink(elsewhere.c_str(), planted.c_str()), 0);
  EXPECT_EQ(write_private_key_file(planted, test_ca().key_pem).code(), StatusCode::kAlreadyExists);
  EXPECT_FALSE(std::filesystem::exists(elsewhere));
  EXPECT_EQ(write_private_key_file(path, test_ca().key_pem).code(), StatusCode::kAlreadyExists);

  // Owner read-only is fine.
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_OK(read_private_key_file(path));
}

TEST(PkiTest, ASealedKeyFileHoldsNoKeyInClearAndOpensOnlyWithItsDataKey) {
  TempDir dir;
  const std::string path = dir.file("device.key");
  const auto data_key = storage::DataKey::random().value();
  ASSERT_OK(write_private_key_file(path, test_ca().key_pem, data_key));
  EXPECT_EQ(mode_of(path), 0600u);
  std::ifstream in(path);
  const std::string on_disk{std::istreambuf_iterator<char>(in), {}};
  EXPECT_EQ(on_disk.rfind("carnet-sealed-key 1\n", 0), 0u);
  EXPECT_EQ(on_disk.find("PRIVATE KEY"), std::string::npos);
  auto key = read_private_key_file(path, data_key);
  ASSERT_OK(key);
  EXPECT_EQ(*key, test_ca().key_pem);
  // Without the data key, with another one, or altered: refused, never parsed.
  EXPECT_EQ(code_of(read_private_key_file(path)), StatusCode::kFailedPrecondition);
  EXPECT_EQ(code_of(read_private_key_file(path, storage::DataKey::random().value())), StatusCode::kCorruption);
  std::string altered = on_disk;
  altered[30] = altered[30] == 'a' ? 'b' : 'a';
  std::ofstream(path, std::ios::trunc) << altered;
  EXPECT_EQ(code_of(read_private_key_file(path, data_key)), StatusCode::kCorruption);
  // A plain key (the central node's, or one written before sealing) is still read.
  std::filesystem::remove(path);
  ASSERT_OK(write_private_key_file(path, test_ca().key_pem));
  EXPECT_OK(read_private_key_file(path, data_key));
}

TEST(PkiTest, KeyFileReadableByOthersIsRefused) {
  TempDir dir;
  const std::string path = dir.file("device.key");
  ASSERT_OK(write_private_key_file(path, test_ca().key_pem));
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto key = read_private_key_file(path);
  ASSERT_FALSE(key);
  EXPECT_EQ(code_of(key), StatusCode::kFailedPrecondition);
  EXPECT_NE(key.error().message().find(path), std::string::npos) << key.error().message();
  EXPECT_NE(key.error().message().find("0644"), std::string::npos) << key.error().message();

  for (const mode_t mode : std::initializer_list<mode_t>{0640, 0604, 0620, 0602, 0660}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto r = read_private_key_file(path);
    ASSERT_FALSE(r) << std::oct << mode;
    EXPECT_EQ(code_of(r), StatusCode::kFailedPrecondition);
  }
}

TEST(PkiTest, KeyFileErrors) {
  TempDir dir;
  EXPECT_EQ(code_of(read_private_key_file(dir.file("missing.key"))), StatusCode::kNotFound);

  // Not a key: refused on write (and nothing written) and on read.
  const std::string path = dir.file("garbage.key");
  EXPECT_EQ(write_private_key_file(path, "not a key").code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(write_private_key_file(path, test_ca().cert_pem).code(), StatusCode::kInvalidArgument);
  std::ofstream(path) << "not a key";
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto r = read_private_key_file(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(code_of(r), StatusCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find(path), std::string::npos) << r.error().message();

  // A directory where the file should be.
  EXPECT_EQ(write_private_key_file(dir.file("no/such/dir.key"), test_ca().key_pem).code(),
            StatusCode::kIoError);
  EXPECT_EQ(ERR_peek_error(), 0u);
}

// ---- Randomness. ----

TEST(PkiTest, RandomBytesHaveTheRequestedLengthAndDoNotRepeat) {
  EXPECT_EQ(random_bytes(0).value(), "");
  for (const std::size_t n : {1u, 16u, 32u, 100000u}) {
    auto bytes = random_bytes(n);
    ASSERT_OK(bytes);
    EXPECT_EQ(bytes->size(), n);
  }
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto bytes = random_bytes(16);
    ASSERT_OK(bytes);
    EXPECT_NE(*bytes, std::string(16, '\0'));
    EXPECT_TRUE(seen.insert(*bytes).second) << "repeated random bytes";
  }
}

TEST(PkiTest, DeviceCertificateForAnExplicitPeriodMayLieInThePast) {
  const Credentials& ca = test_ca();
  auto request = make_certificate_request("device");
  ASSERT_OK(request);
  const std::int64_t now = now_unix();
  // Near its expiry: 80 days used, 10 left.
  auto near = sign_certificate_request(ca, request->csr_pem, "device-1", "insp-1",
                                       Validity{now - 80 * kDay, now + 10 * kDay});
  ASSERT_OK(near);
  auto info = inspect_certificate(*near);
  ASSERT_OK(info);
  EXPECT_EQ(info->not_before, now - 80 * kDay);
  EXPECT_EQ(info->not_after, now + 10 * kDay);
  EXPECT_EQ(info->common_name, "device-1");
  EXPECT_EQ(info->organizational_unit, "insp-1");
  EXPECT_OK(verify_certificate(*near, ca.cert_pem));
  EXPECT_EQ(verify_with_store(*near, ca.cert_pem, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  // Expired yesterday: it parses, chains to the CA, and does not verify for its expiry only.
  auto expired = sign_certificate_request(ca, request->csr_pem, "device-1", "insp-1",
                                          Validity{now - 90 * kDay, now - kDay});
  ASSERT_OK(expired);
  EXPECT_EQ(inspect_certificate(*expired)->not_after, now - kDay);
  EXPECT_EQ(verify_with_store(*expired, ca.cert_pem, X509_PURPOSE_SSL_CLIENT), X509_V_ERR_CERT_HAS_EXPIRED);
  const Status s = verify_certificate(*expired, ca.cert_pem);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("expiré"), std::string::npos) << s.message();
  // An empty or reversed period is refused; a period beyond the CA's is cut at its end.
  EXPECT_EQ(code_of(sign_certificate_request(ca, request->csr_pem, "device-1", "insp-1", Validity{now, now})),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(sign_certificate_request(ca, request->csr_pem, "device-1", "insp-1", Validity{now, now - 1})),
            StatusCode::kInvalidArgument);
  auto long_one = sign_certificate_request(ca, request->csr_pem, "device-1", "insp-1",
                                           Validity{now, now + 100000 * kDay});
  ASSERT_OK(long_one);
  EXPECT_EQ(inspect_certificate(*long_one)->not_after, inspect_certificate(ca.cert_pem)->not_after);
}

TEST(PkiTest, KeyMatchesItsOwnCertificateOnly) {
  const Credentials& ca = test_ca();
  auto mine = make_certificate_request("device");
  auto other = make_certificate_request("device");
  ASSERT_OK(mine);
  ASSERT_OK(other);
  auto cert = sign_certificate_request(ca, mine->csr_pem, "device-1", "insp-1", 90);
  ASSERT_OK(cert);
  EXPECT_TRUE(key_matches_certificate(*cert, mine->key_pem).value());
  EXPECT_FALSE(key_matches_certificate(*cert, other->key_pem).value());
  EXPECT_EQ(code_of(key_matches_certificate("garbage", mine->key_pem)), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(key_matches_certificate(*cert, "garbage")), StatusCode::kInvalidArgument);
}

TEST(PkiTest, ChainVerificationIgnoresOnlyTheValidityPeriod) {
  const Credentials& ca = test_ca();
  const Credentials expired = raw_certificate(&ca, -10 * kDay, -kDay);
  const Credentials future = raw_certificate(&ca, kDay, 10 * kDay);
  EXPECT_OK(verify_certificate_chain(expired.cert_pem, ca.cert_pem));
  EXPECT_OK(verify_certificate_chain(future.cert_pem, ca.cert_pem));
  auto other = make_ca("Carnet test CA", 30);
  ASSERT_OK(other);
  const Credentials foreign = raw_certificate(&*other, -kDay, kDay);
  EXPECT_EQ(verify_certificate_chain(foreign.cert_pem, ca.cert_pem).code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace carnet::sync
