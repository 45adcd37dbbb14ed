#include "sync/proxy_protocol.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <vector>

namespace carnet::sync {
namespace {

using State = ProxyHeader::State;

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::size_t kV1MaxBytes = 107;  // CRLF included
constexpr std::string_view kV2Signature("\r\n\r\n\0\r\nQUIT\n", 12);
constexpr std::size_t kV2FixedBytes = 16;
constexpr std::size_t kV2MaxAddressBytes = kMaxProxyHeaderBytes - kV2FixedBytes;

ProxyHeader invalid() { return {State::kInvalid, 0, {}}; }
ProxyHeader incomplete() { return {State::kIncomplete, 0, {}}; }

// The address `text` of `family` written back in its usual form, or empty if it is not one.
std::string address_text(int family, const void* raw) {
  std::array<char, INET6_ADDRSTRLEN> out{};
  return inet_ntop(family, raw, out.data(), static_cast<socklen_t>(out.size())) != nullptr ? std::string(out.data())
                                                                                           : std::string();
}

std::string parse_address(int family, std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return {};
  const std::string copy(text);
  std::array<unsigned char, 16> raw{};
  if (inet_pton(family, copy.c_str(), raw.data()) != 1) return {};
  return address_text(family, raw.data());
}

bool valid_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string_view::npos) return false;
  unsigned value = 0;
  for (const char c : text) value = value * 10 + static_cast<unsigned>(c - '0');
  return value <= 65535;
}

// Whether `line` holds only what a version 1 header may: printable ASCII (a NUL would cut an
// address short where inet_pton reads it).
bool printable(std::string_view line) {
  for (const char c : line) {
    if (c < ' ' || c > '~') return false;
  }
  return true;
}

// "PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n", "PROXY UNKNOWN …\r\n".
ProxyHeader parse_v1(std::string_view bytes) {
  const std::size_t end = bytes.substr(0, kV1MaxBytes).find("\r\n");
  if (end == std::string_view::npos) {
    if (bytes.size() >= kV1MaxBytes) return invalid();
    // Any byte that no header holds ends it early (a carriage return may start its end).
    const bool cr_last = !bytes.empty() && bytes.back() == '\r';
    return printable(bytes.substr(0, bytes.size() - (cr_last ? 1 : 0))) ? incomplete() : invalid();
  }
  if (!printable(bytes.substr(0, end))) return invalid();
  std::vector<std::string_view> words;
  for (std::string_view line = bytes.substr(0, end); !line.empty();) {
    const std::size_t space = line.find(' ');
    words.push_back(line.substr(0, space));
    if (space == std::string_view::npos) break;
    line.remove_prefix(space + 1);
    if (line.empty()) return invalid();  // a trailing space
  }
  if (words.size() < 2 || words[0] != "PROXY") return invalid();
  if (words[1] == "UNKNOWN") return {State::kComplete, end + 2, {}};
  const int family = words[1] == "TCP4" ? AF_INET : words[1] == "TCP6" ? AF_INET6 : -1;
  if (family < 0 || words.size() != 6 || !valid_port(words[4]) || !valid_port(words[5])) return invalid();
  std::string source = parse_address(family, words[2]);
  if (source.empty() || parse_address(family, words[3]).empty()) return invalid();
  return {State::kComplete, end + 2, std::move(source)};
}

// The binary form: signature, version and command, family, length, addresses, extensions.
ProxyHeader parse_v2(std::string_view bytes) {
  if (bytes.size() < kV2FixedBytes) return incomplete();
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  const unsigned version = byte(12) >> 4, command = byte(12) & 0x0F;
  if (version != 2 || command > 1) return invalid();
  const std::size_t length = (static_cast<std::size_t>(byte(14)) << 8) | byte(15);
  if (length > kV2MaxAddressBytes) return invalid();
  if (bytes.size() < kV2FixedBytes + length) return incomplete();
  ProxyHeader out{State::kComplete, kV2FixedBytes + length, {}};
  if (command == 0) return out;  // LOCAL: the balancer's own connection (a health check)
  const unsigned family = byte(13);
  if (family == 0x11) {  // TCP over IPv4: source, destination, ports
    if (length < 12) return invalid();
    out.source = address_text(AF_INET, bytes.data() + kV2FixedBytes);
  } else if (family == 0x21) {  // TCP over IPv6
    if (length < 36) return invalid();
    out.source = address_text(AF_INET6, bytes.data() + kV2FixedBytes);
  }
  return out;  // another family: the header is skipped, the address is the balancer's
}

}  // namespace

ProxyHeader parse_proxy_header(std::string_view bytes) {
  if (bytes.empty()) return incomplete();
  if (bytes.front() == kV2Signature.front()) {
    if (bytes.substr(0, kV2Signature.size()) != kV2Signature.substr(0, std::min(bytes.size(), kV2Signature.size()))) {
      return invalid();
    }
    return bytes.size() < kV2Signature.size() ? incomplete() : parse_v2(bytes);
  }
  if (bytes.substr(0, kV1Prefix.size()) != kV1Prefix.substr(0, std::min(bytes.size(), kV1Prefix.size()))) return invalid();
  return parse_v1(bytes);
}

}  // namespace carnet::sync
