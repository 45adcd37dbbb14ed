// The PROXY protocol (HAProxy's, versions 1 and 2): the header a load balancer in TCP
// pass-through sends first on each connection it opens to a node (nginx stream
// `proxy_protocol on;`), naming the client it relays, so that the node sees the real client
// address behind the balancer. The server reads it only on connections from the balancers
// it is told to trust (ServerOptions::proxy_protocol_from); anyone else could name any
// address.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace carnet::sync {

// The longest header accepted: version 1's 107 bytes, or version 2's 16 and an address block
// with extensions of up to 512 bytes.
inline constexpr std::size_t kMaxProxyHeaderBytes = 16 + 512;

struct ProxyHeader {
  enum class State { kIncomplete, kComplete, kInvalid };
  State state = State::kIncomplete;
  std::size_t length = 0;  // kComplete: the header's bytes, to skip
  // kComplete: the client's address ("192.0.2.7", "2001:db8::1"), or empty when the header
  // names none (version 1 UNKNOWN, version 2 LOCAL or a family other than TCP over IPv4/6).
  std::string source;
};

// Reads a header at the start of `bytes`: kIncomplete while what is there may still become
// one (read more, up to kMaxProxyHeaderBytes), kComplete, or kInvalid.
ProxyHeader parse_proxy_header(std::string_view bytes);

}  // namespace carnet::sync
