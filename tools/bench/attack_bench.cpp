// Hostile load before authentication (issue 16), measured rather than timed in tests.
//
//   carnet-bench json [--runs R]
//     The cost of the JSON bodies a stranger can send: the parser on a 1 MiB object of
//     90 000 short keys (refused at the member cap; target under 50 ms), on the largest
//     accepted object (10 000 members) and on one ten times smaller (the cost per member of
//     both: equal when the parser is linear), and the whole login request with that body
//     through a real HTTPS server and the office app: refused at the login's 4 KiB limit,
//     and, for comparison, with no route limit (the parser refuses it).
//
//   carnet-bench attack [--tablets K] [--per-tablet M] [--attackers N] [--runs R]
//     K tablets (default 50) sync M answers each (default 200) at once, three times: alone,
//     while N strangers (default 500, from 20 loopback addresses, 127.0.0.10 to .29) hold TLS connections open
//     and send their request a byte a second ("slow"), and while N strangers send 16 MiB
//     bodies to the sync route ("large"). A stranger whose connection is closed comes back
//     after a second. Prints the tablets' p99 sync time in each case, its ratio to the run
//     without attackers (target: at most 2), and the central node's peak RSS over the run
//     (target: under 256 MiB). Medians over R runs (default 3).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "core/json.hpp"
#include "storage/central/central.hpp"
#include "sync/http.hpp"
#include "tools/bench/bench.hpp"
#include "tools/bench/fleet.hpp"
#include "tools/central/office_app.hpp"

namespace carnet::bench {
namespace {

// {"0":0,"1":0,…} with `n` members, each key at least `width` digits ("000001").
std::string object_of(std::size_t n, int width = 1) {
  std::string text = "{";
  char key[32];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(key, sizeof key, "%s\"%0*zu\":0", i ? "," : "", width, i);
    text += key;
  }
  return text + "}";
}

// Median milliseconds of `f` over `runs` calls.
template <class F>
double median_ms(std::size_t runs, F&& f) {
  std::vector<double> ms;
  for (std::size_t r = 0; r < runs; ++r) {
    const auto t0 = Clock::now();
    f();
    ms.push_back(seconds_since(t0) * 1000.0);
  }
  return median(ms);
}

// The login request with `body` through a real HTTPS server running the office app; the
// route limits of carnet-central serve when `limited`, none otherwise. Returns the status.
double login_ms(const std::string& body, bool limited, std::size_t runs, int& status) {
  const fs::path dir = fs::temp_directory_path() / ("carnet-bench-json-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto store = check(storage::open_central((dir / "central.db").string(), storage::Database::Mode::kCreate));
  const auto ca = check(sync::make_ca("Carnet bench CA", 30));
  const auto server_credentials = check(sync::make_server_certificate(ca, "carnet-central", {"localhost"}, {"127.0.0.1"}, 30));
  central::OfficeAppOptions office_options;
  office_options.ca_cert_pem = ca.cert_pem;
  central::OfficeApp office(*store, office_options);
  sync::ServerOptions o;
  o.cert_pem = server_credentials.cert_pem;
  o.key_pem = server_credentials.key_pem;
  o.client_ca_pem = ca.cert_pem;
  if (limited) o.body_limit = &central::OfficeApp::body_limit;
  auto server = check(sync::HttpsServer::start(o, [&](const sync::HttpRequest& r) { return office.handle(r); }));
  sync::ClientOptions c;
  c.host = "127.0.0.1";
  c.port = std::to_string(server->port());
  c.ca_pem = ca.cert_pem;
  sync::HttpsClient client(c);
  check(client.request("GET", "/healthz", ""));  // the connection is open before timing
  const double ms = median_ms(runs, [&] {
    auto r = client.request("POST", "/bureau/api/connexion", body, "application/json");
    status = r ? r->status : -1;
  });
  server->stop();
  fs::remove_all(dir);
  return ms;
}

// One stranger: connects from `from`, completes a TLS handshake without a certificate, then
// either sends its request a byte a second (`large` false) or announces and sends a 16 MiB
// body to the sync route; when its connection ends, comes back a second later.
void stranger(std::uint16_t port, const std::string& from, bool large, SSL_CTX* ctx) {
  const std::string head = large ? "POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Length: 16777216\r\n\r\n"
                                 : "POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n";
  const std::string chunk(64 * 1024, 'A');
  for (;;) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in local{}, remote{};
    local.sin_family = remote.sin_family = AF_INET;
    ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
    remote.sin_port = htons(port);
    remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    SSL* ssl = nullptr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0 &&
        ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 0) {
      ssl = SSL_new(ctx);
      SSL_set_fd(ssl, fd);
      if (SSL_connect(ssl) == 1) {
        if (large) {
          bool open = SSL_write(ssl, head.data(), static_cast<int>(head.size())) > 0;
          for (std::size_t sent = 0; open && sent < (16u << 20); sent += chunk.size()) {
            open = SSL_write(ssl, chunk.data(), static_cast<int>(chunk.size())) > 0;
          }
          char answer[512];
          static_cast<void>(SSL_read(ssl, answer, sizeof answer));
        } else {
          for (std::size_t i = 0; SSL_write(ssl, head.data() + i % head.size(), 1) > 0; ++i) ::sleep(1);
        }
      }
      SSL_free(ssl);
    }
    ::close(fd);
    ::sleep(1);
  }
}

// The strangers, in a child process of their own (killed to stop them).
pid_t start_strangers(std::uint16_t port, std::size_t n, bool large) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::signal(SIGPIPE, SIG_IGN);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string from = "127.0.0." + std::to_string(10 + i % 20);  // not nginx's 127.0.0.2
    threads.emplace_back([=] { stranger(port, from, large, ctx); });
  }
  for (auto& t : threads) t.join();
  ::_exit(0);
}

struct AttackFigures {
  double alone_p99 = 0, slow_p99 = 0, large_p99 = 0, rss_mib = 0, ok = 0;
};

AttackFigures attack_once(std::size_t fleet, std::size_t per_tablet, std::size_t attackers) {
  const fs::path dir = fs::temp_directory_path() / ("carnet-bench-attack-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  World w = make_world(dir, (dir / "central.db").string(), fleet);
  std::uint16_t port = 0;
  int stop_write = -1, report_read = -1;
  const pid_t central = start_central(w, port, stop_write, report_read);
  std::vector<TabletHandle> tablets;
  for (std::size_t i = 0; i < fleet; ++i) {
    tablets.push_back(open_tablet(w, w.devices[2 + i], port));
    sync_or_die(tablets.back());
  }
  AttackFigures f;
  std::size_t ok = 0;
  auto phase = [&](int mode) {  // 0: alone, 1: slow strangers, 2: large bodies
    for (std::size_t i = 0; i < fleet; ++i) capture_answers(tablets[i], "f" + std::to_string(i), per_tablet);
    pid_t strangers = -1;
    if (mode > 0) {
      strangers = start_strangers(port, attackers, mode == 2);
      ::sleep(3);  // they are all there, and the first ones evicted
    }
    const Latencies l = latencies_of(sync_at_once(tablets, per_tablet));
    if (strangers > 0) {
      ::kill(strangers, SIGKILL);
      ::waitpid(strangers, nullptr, 0);
    }
    ok += l.ok;
    return l.p99;
  };
  f.alone_p99 = phase(0);
  f.slow_p99 = phase(1);
  f.large_p99 = phase(2);
  f.ok = static_cast<double>(ok);
  tablets.clear();
  ::close(stop_write);
  long rss = 0;
  if (::read(report_read, &rss, sizeof rss) == sizeof rss) f.rss_mib = static_cast<double>(rss) / 1024.0;
  ::waitpid(central, nullptr, 0);
  fs::remove_all(dir);
  return f;
}

}  // namespace

int json_main(const cli::Args& args) {
  const std::size_t runs = count_option(args, "--runs", 5);
  const std::string hostile = object_of(90'000, 6);  // 990 001 bytes, under the app's 1 MiB JSON limit
  const double hostile_ms = median_ms(runs, [&] { static_cast<void>(core::Json::parse(hostile)); });
  const std::string largest = object_of(core::kMaxJsonMembers);
  const std::string tenth = object_of(core::kMaxJsonMembers / 10);
  const double largest_ms = median_ms(runs, [&] { check(core::Json::parse(largest)); });
  const double tenth_ms = median_ms(runs, [&] { check(core::Json::parse(tenth)); });
  const double per_member_large = largest_ms * 1e6 / static_cast<double>(core::kMaxJsonMembers);
  const double per_member_small = tenth_ms * 1e6 / static_cast<double>(core::kMaxJsonMembers / 10);
  int limited_status = 0, unlimited_status = 0;
  const double limited_ms = login_ms(hostile, true, runs, limited_status);
  const double unlimited_ms = login_ms(hostile, false, runs, unlimited_status);
  std::printf("json: %zu-byte object of 90000 keys parsed (refused at the %zu-member cap) in %.2f ms, median of %zu (target < 50 ms)\n",
              hostile.size(), core::kMaxJsonMembers, hostile_ms, runs);
  std::printf("json: %zu members %.0f ns each, %zu members %.0f ns each (ratio %.2f; linear: 1)\n", core::kMaxJsonMembers,
              per_member_large, core::kMaxJsonMembers / 10, per_member_small, per_member_large / per_member_small);
  std::printf("login with that body over HTTPS: %.2f ms with the route limit (HTTP %d), %.2f ms without (HTTP %d)\n",
              limited_ms, limited_status, unlimited_ms, unlimited_status);
  return 0;
}

int attack_main(const cli::Args& args) {
  const std::size_t fleet = count_option(args, "--tablets", 50);
  const std::size_t per_tablet = count_option(args, "--per-tablet", 200);
  const std::size_t attackers = count_option(args, "--attackers", 500);
  const std::size_t runs = count_option(args, "--runs", 3);
  std::vector<AttackFigures> all;
  for (std::size_t r = 0; r < runs; ++r) {
    const AttackFigures f = in_child_process<AttackFigures>([&] { return attack_once(fleet, per_tablet, attackers); });
    all.push_back(f);
    std::printf("  run %zu: p99 alone %.3f s, with %zu slow strangers %.3f s, with %zu 16 MiB bodies %.3f s; %.0f/%zu syncs ok; central RSS %.1f MiB\n",
                r + 1, f.alone_p99, attackers, f.slow_p99, attackers, f.large_p99, f.ok, 3 * fleet, f.rss_mib);
    std::fflush(stdout);
  }
  auto med = [&](auto field) {
    std::vector<double> v;
    for (const auto& f : all) v.push_back(field(f));
    return median(v);
  };
  std::printf("attack: %zu tablets x %zu changes; sync p99 alone %.3f s; with %zu slow strangers %.3f s (x%.2f); with %zu "
              "strangers sending 16 MiB %.3f s (x%.2f; target x2 at most); central node peak RSS %.1f MiB (target < 256); "
              "medians of %zu runs\n",
              fleet, per_tablet, med([](const AttackFigures& f) { return f.alone_p99; }), attackers,
              med([](const AttackFigures& f) { return f.slow_p99; }),
              med([](const AttackFigures& f) { return f.slow_p99 / f.alone_p99; }), attackers,
              med([](const AttackFigures& f) { return f.large_p99; }),
              med([](const AttackFigures& f) { return f.large_p99 / f.alone_p99; }),
              med([](const AttackFigures& f) { return f.rss_mib; }), runs);
  return 0;
}

}  // namespace carnet::bench
