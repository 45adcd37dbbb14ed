// The names in a certificate the PKI issues: its subject (CN, OU) and a server's subject
// alternative names (DNS names, IP addresses), checked before OpenSSL sees them. For the sync
// layer's .cpp files (sync/openssl_support.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sync/openssl_support.hpp"

namespace carnet::sync::openssl {

// CN = `common_name`, and OU = `organizational_unit` unless empty. kInvalidArgument for an
// empty CN, a control character, or a text OpenSSL refuses (over 64 characters).
Result<NamePtr> make_name(std::string_view common_name, std::string_view organizational_unit);

// The subjectAltName entries of a server certificate. kInvalidArgument if there is no name
// at all, or a DNS name (letters, digits, '-', '.', an optional leading "*.") or an IP
// address (IPv4 or IPv6) is malformed.
Result<GeneralNamesPtr> subject_alt_names(const std::vector<std::string>& dns_names,
                                          const std::vector<std::string>& ip_addresses);

}  // namespace carnet::sync::openssl
