#include "sync/x509_names.hpp"

#include <utility>

namespace carnet::sync::openssl {
namespace {

using core::fail;

Status check_name_text(std::string_view text, core::MessageKey what) {
  if (text.empty()) return Status::invalid_argument("sync.pki.vide", {{"quoi", {core::Message(what)}}});
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Status::invalid_argument("sync.pki.caractere_controle", {{"quoi", {core::Message(what)}}});
    }
  }
  return Status::ok_status();
}

Status add_name_entry(X509_NAME* name, int nid, std::string_view text, core::MessageKey what) {
  CARNET_RETURN_IF_ERROR(check_name_text(text, what));
  if (text.size() > 4 * ub_common_name ||
      X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(text.data()),
                                 static_cast<int>(text.size()), -1, 0) != 1) {
    return openssl_failure(StatusCode::kInvalidArgument,
                           core::Message("sync.pki.nom_invalide", {{"quoi", {core::Message(what)}}, {"texte", text}}));
  }
  return Status::ok_status();
}

bool valid_dns_name(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.empty() || name.size() > 253) return false;
  std::size_t label = 0;
  char previous = '.';
  for (const char c : name) {
    if (c == '.') {
      if (label == 0 || previous == '-') return false;
      label = 0;
    } else {
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok || (c == '-' && label == 0) || ++label > 63) return false;
    }
    previous = c;
  }
  return label != 0 && previous != '-';
}

Status push_name(GENERAL_NAMES* names, GeneralNamePtr name) {
  if (sk_GENERAL_NAME_push(names, name.get()) <= 0) return openssl_internal("sk_GENERAL_NAME_push");
  name.release();  // now owned by `names`
  return Status::ok_status();
}

}  // namespace

Result<NamePtr> make_name(std::string_view common_name, std::string_view organizational_unit) {
  NamePtr name(X509_NAME_new());
  if (!name) return fail(openssl_internal("X509_NAME_new"));
  if (!organizational_unit.empty()) {
    CARNET_RETURN_IF_ERROR_R(add_name_entry(name.get(), NID_organizationalUnitName,
                                            organizational_unit, "sync.pki.unite_organisationnelle"));
  }
  CARNET_RETURN_IF_ERROR_R(
      add_name_entry(name.get(), NID_commonName, common_name, "sync.pki.nom_commun"));
  return name;
}

Result<GeneralNamesPtr> subject_alt_names(const std::vector<std::string>& dns_names,
                                          const std::vector<std::string>& ip_addresses) {
  if (dns_names.empty() && ip_addresses.empty()) {
    return fail(Status::invalid_argument("sync.pki.serveur_sans_nom"));
  }
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return fail(openssl_internal("sk_GENERAL_NAME_new_null"));
  for (const std::string& dns : dns_names) {
    if (!valid_dns_name(dns)) {
      return fail(Status::invalid_argument("sync.pki.dns_invalide", {{"nom", dns}}));
    }
    GeneralNamePtr name(GENERAL_NAME_new());
    Ia5Ptr text(ASN1_IA5STRING_new());
    if (!name || !text ||
        ASN1_STRING_set(text.get(), dns.data(), static_cast<int>(dns.size())) != 1) {
      return fail(openssl_internal(core::Message("sync.pki.etape_nom_dns")));
    }
    GENERAL_NAME_set0_value(name.get(), GEN_DNS, text.release());
    CARNET_RETURN_IF_ERROR_R(push_name(names.get(), std::move(name)));
  }
  for (const std::string& ip : ip_addresses) {
    OctetsPtr address(ip.find('\0') == std::string::npos ? a2i_IPADDRESS(ip.c_str()) : nullptr);
    if (!address) {
      drain_openssl_errors();
      return fail(Status::invalid_argument("sync.pki.ip_invalide", {{"adresse", ip}}));
    }
    GeneralNamePtr name(GENERAL_NAME_new());
    if (!name) return fail(openssl_internal("GENERAL_NAME_new"));
    GENERAL_NAME_set0_value(name.get(), GEN_IPADD, address.release());
    CARNET_RETURN_IF_ERROR_R(push_name(names.get(), std::move(name)));
  }
  return names;
}

}  // namespace carnet::sync::openssl
