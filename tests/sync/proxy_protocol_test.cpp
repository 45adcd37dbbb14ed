#include "sync/proxy_protocol.hpp"

#include <gtest/gtest.h>

#include <string>

namespace carnet::sync {
namespace {

using State = ProxyHeader::State;

// A version 2 header: PROXY over TCP/IPv4 from 192.0.2.7:56324 to 198.51.100.1:443, with
// `extra` bytes of extensions.
std::string v2_ipv4(std::size_t extra = 0) {
  std::string h("\r\n\r\n\0\r\nQUIT\n", 12);
  const std::size_t length = 12 + extra;
  h += '\x21';  // version 2, PROXY
  h += '\x11';  // TCP over IPv4
  h += static_cast<char>(length >> 8);
  h += static_cast<char>(length & 0xFF);
  h += std::string("\xC0\x00\x02\x07\xC6\x33\x64\x01\xDC\x04\x01\xBB", 12);
  return h + std::string(extra, '\0');
}

TEST(ProxyProtocol, VersionOneNamesTheClient) {
  const std::string h = "PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n";
  auto r = parse_proxy_header(h + "\x16\x03\x01");
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.length, h.size());
  EXPECT_EQ(r.source, "192.0.2.7");
  auto six = parse_proxy_header("PROXY TCP6 2001:db8:0:0::1 2001:db8::2 1 2\r\n");
  ASSERT_EQ(six.state, State::kComplete);
  EXPECT_EQ(six.source, "2001:db8::1");  // written back in its usual form
  auto unknown = parse_proxy_header("PROXY UNKNOWN\r\n");
  ASSERT_EQ(unknown.state, State::kComplete);
  EXPECT_EQ(unknown.source, "");
}

TEST(ProxyProtocol, VersionTwoNamesTheClientAndSkipsExtensions) {
  auto r = parse_proxy_header(v2_ipv4(20) + "\x16\x03");
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.length, 16u + 12u + 20u);
  EXPECT_EQ(r.source, "192.0.2.7");
  std::string local = v2_ipv4();
  local[12] = '\x20';  // LOCAL: the balancer's own connection
  auto l = parse_proxy_header(local);
  ASSERT_EQ(l.state, State::kComplete);
  EXPECT_EQ(l.source, "");
}

TEST(ProxyProtocol, EveryPrefixOfAHeaderIsIncomplete) {
  for (const std::string& h : {std::string("PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n"), v2_ipv4(3)}) {
    for (std::size_t n = 0; n < h.size(); ++n) {
      EXPECT_EQ(parse_proxy_header(h.substr(0, n)).state, State::kIncomplete) << n;
    }
  }
}

TEST(ProxyProtocol, AnythingElseIsInvalid) {
  for (const std::string& bad : {
           std::string("\x16\x03\x01\x02\x00", 5),                     // a TLS ClientHello: no header
           std::string("GET / HTTP/1.1\r\n"),                          // plain HTTP
           std::string("PROXY TCP4 192.0.2.7 198.51.100.1 56324\r\n"), // a port missing
           std::string("PROXY TCP4 192.0.2.300 198.51.100.1 1 2\r\n"), // not an address
           std::string("PROXY TCP4 2001:db8::1 198.51.100.1 1 2\r\n"), // the wrong family
           std::string("PROXY TCP4 192.0.2.7 198.51.100.1 1 65536\r\n"),
           std::string("PROXY TCP4  192.0.2.7 198.51.100.1 1 2\r\n"),  // two spaces
           std::string("PROXY UDP4 192.0.2.7 198.51.100.1 1 2\r\n"),
           std::string("PROXY TCP4 192.0.2.7\n"),                      // a line feed alone
           "PROXY " + std::string(120, 'A'),                           // no end within 107 bytes
           std::string("PROXY TCP6 ::\0\0\0\0001 2::2 1 1\r\n", 29),    // a NUL cuts an address short (found by the fuzzer)
           std::string("PROXY TCP4\r\r\n"),
       }) {
    EXPECT_EQ(parse_proxy_header(bad).state, State::kInvalid) << bad;
  }
  std::string v3 = v2_ipv4();
  v3[12] = '\x31';
  EXPECT_EQ(parse_proxy_header(v3).state, State::kInvalid);
  std::string huge = v2_ipv4();
  huge[14] = '\x10';  // 4 KiB of address block
  EXPECT_EQ(parse_proxy_header(huge).state, State::kInvalid);
  std::string short_block = v2_ipv4();
  short_block[15] = '\x04';  // an IPv4 block of 4 bytes
  EXPECT_EQ(parse_proxy_header(short_block.substr(0, 20)).state, State::kInvalid);
}

}  // namespace
}  // namespace carnet::sync
