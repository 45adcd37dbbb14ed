// Fuzzes the PROXY protocol header parser (sync/proxy_protocol.hpp), which reads the first
// bytes of every connection from a trusted load balancer. Properties: nothing crashes; a
// complete header is no longer than the input and kMaxProxyHeaderBytes, and its source, when
// it names one, parses again as an address; and every strict prefix of a complete header is
// incomplete (the server reads more, never acts on half a header).
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sync/proxy_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using carnet::sync::ProxyHeader;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const ProxyHeader h = carnet::sync::parse_proxy_header(bytes);
  if (h.state != ProxyHeader::State::kComplete) return 0;
  if (h.length == 0 || h.length > size || h.length > carnet::sync::kMaxProxyHeaderBytes) std::abort();
  if (!h.source.empty()) {
    unsigned char raw[16];
    if (inet_pton(AF_INET, h.source.c_str(), raw) != 1 && inet_pton(AF_INET6, h.source.c_str(), raw) != 1) std::abort();
  }
  for (std::size_t n = 0; n < h.length; ++n) {
    if (carnet::sync::parse_proxy_header(bytes.substr(0, n)).state != ProxyHeader::State::kIncomplete) std::abort();
  }
  return 0;
}
