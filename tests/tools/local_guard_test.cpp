#include "tools/carnet/local_guard.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace carnet::tool {
namespace {

web::HttpRequest request(std::string target, std::map<std::string, std::string> headers, std::string method = "GET") {
  web::HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  return r;
}

TEST(LocalGuard, OnlyTheAppsOwnHostOriginAndKeyPass) {
  const LocalGuard guard("127.0.0.1", 8123, "sekret-0123456789abcdef");
  EXPECT_EQ(guard.launch_url(), "http://127.0.0.1:8123/#cle=sekret-0123456789abcdef");
  const std::map<std::string, std::string> good = {{"host", "127.0.0.1:8123"}, {"authorization", "Bearer sekret-0123456789abcdef"}};
  EXPECT_FALSE(guard.refuse(request("/api/etat", good), true));
  auto with = [&](std::string name, std::string value) {
    auto h = good;
    h[name] = std::move(value);
    return request("/api/etat", h);
  };
  EXPECT_FALSE(guard.refuse(with("host", "localhost:8123"), true));
  EXPECT_FALSE(guard.refuse(with("origin", "http://127.0.0.1:8123"), true));
  EXPECT_FALSE(guard.refuse(with("sec-fetch-site", "same-origin"), true));
  EXPECT_EQ(guard.refuse(with("host", "attacker.example:8123"), true)->status, 403);
  EXPECT_EQ(guard.refuse(with("host", "127.0.0.1:9999"), true)->status, 403);
  EXPECT_EQ(guard.refuse(with("origin", "http://attacker.example"), true)->status, 403);
  EXPECT_EQ(guard.refuse(with("origin", "null"), true)->status, 403);
  EXPECT_EQ(guard.refuse(with("sec-fetch-site", "cross-site"), true)->status, 403);
  EXPECT_EQ(guard.refuse(with("authorization", "Bearer wrong"), true)->status, 401);
  EXPECT_EQ(guard.refuse(with("authorization", "sekret-0123456789abcdef"), true)->status, 401);
  EXPECT_EQ(guard.refuse(request("/api/etat", {{"host", "127.0.0.1:8123"}}), true)->status, 401);
  EXPECT_EQ(guard.refuse(request("/", {}), false)->status, 403);  // no Host at all
  // Assets need no key, but the same host and origin checks.
  EXPECT_FALSE(guard.refuse(request("/", {{"host", "127.0.0.1:8123"}}), false));
  EXPECT_EQ(guard.refuse(request("/", {{"host", "127.0.0.1:8123"}}, "OPTIONS"), false)->status, 405);
}

TEST(LocalGuard, AnExplicitAddressIsAcceptedAsWellAsLoopback) {
  const LocalGuard guard("192.168.1.20", 8123, "k");
  EXPECT_EQ(guard.launch_url(), "http://192.168.1.20:8123/#cle=k");
  EXPECT_FALSE(guard.refuse(request("/", {{"host", "192.168.1.20:8123"}}), false));
  EXPECT_FALSE(guard.refuse(request("/", {{"host", "127.0.0.1:8123"}}), false));
  EXPECT_EQ(guard.refuse(request("/", {{"host", "192.168.1.21:8123"}}), false)->status, 403);
}

}  // namespace
}  // namespace carnet::tool
