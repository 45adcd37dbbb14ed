// carnet-bench sync [--store sqlite|postgres|postgresql://…] [--changes N] [--tablets K] [--per-tablet M] [--runs R]
//
// The central node (HTTPS on a thread pool) runs in its own process; the tablets are
// encrypted replicas with their own HTTPS clients (mutual TLS, real certificates) over
// loopback. The store is the embedded SQLite file (default), or PostgreSQL: a throwaway
// cluster with the server's durable defaults (tools/pg-cluster) or the database at the URL
// given, a fresh schema per run; then two central nodes run, behind nginx in TCP pass-through
// (tools/nginx-stream.conf.in), and the fleet syncs through nginx while push and pull go to
// the first node. Per run:
//   push     one tablet pushes N answers (default 100 000), pages of 5 000, each applied and
//            committed by the central node: changes/s, bytes on the wire per change
//   pull     a second tablet, in its own process, pulls them: changes/s and its peak RSS
//   no-op    a sync with nothing to do: requests (must be 1)
//   fleet    K tablets (default 200) sync M answers each (default 500) at once: all must
//            succeed; p50 and p99 of the sync time
// and the central node's peak RSS; then the cost of one fleet sync, taken by difference over
// the fleet: CPU of the central nodes and of a PostgreSQL server on this machine, statements
// (when the server loads pg_stat_statements, as tools/pg-cluster's does), write-ahead log
// written, growth of the store. Figures are medians over R runs (default 3).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <thread>

#include "storage/builtin_grids.hpp"
#include "storage/capture.hpp"
#include "storage/central/central.hpp"
#include "storage/files.hpp"
#include "storage/grid_file.hpp"
#include "storage/postgres.hpp"
#include "sync/central_service.hpp"
#include "sync/http.hpp"
#include "sync/pki.hpp"
#include "sync/tablet_sync.hpp"
#include "tools/bench/bench.hpp"
#include "tools/bench/fleet.hpp"

namespace carnet::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A throwaway PostgreSQL cluster for the whole benchmark (tools/pg-cluster, durable
// settings), stopped by the destructor.
class PostgresCluster {
 public:
  explicit PostgresCluster(fs::path dir) : dir_(std::move(dir)) {
    // Its output to /dev/null: the server it starts would hold a pipe open.
    const std::string command = std::string(CARNET_SOURCE_DIR) + "/tools/pg-cluster start '" + dir_.string() + "' >/dev/null";
    auto url = std::system(command.c_str()) == 0 ? storage::read_file((dir_ / "url").string(), 4096)
                                                   : core::Result<std::string>(core::fail(core::Status::io_error("outils.sync_bench.postgres_pas_demarre")));
    url_ = check(std::move(url));
    while (!url_.empty() && (url_.back() == '\n' || url_.back() == '\r')) url_.pop_back();
  }
  ~PostgresCluster() {
    const std::string command = std::string(CARNET_SOURCE_DIR) + "/tools/pg-cluster stop '" + dir_.string() + "' 2>/dev/null";
    if (std::system(command.c_str()) != 0) std::fprintf(stderr, "carnet-bench: %s failed\n", command.c_str());
  }
  const std::string& url() const { return url_; }

 private:
  fs::path dir_;
  std::string url_;
};

// The fields of /proc/PID/stat from the third on (after "pid (comm)"); empty when it cannot
// be read (gone, or not on this machine).
std::vector<std::string> proc_stat(pid_t pid) {
  auto stat = storage::read_file("/proc/" + std::to_string(pid) + "/stat", 4096);
  if (!stat) return {};
  const auto close = stat->rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream in(stat->substr(close + 1));
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  return fields;
}

// CPU seconds (user and system, every thread) that process `pid` has used, or -1.
double cpu_seconds(pid_t pid) {
  const auto f = proc_stat(pid);
  if (f.size() < 13) return -1;  // utime and stime are fields 14 and 15
  return (std::strtod(f[11].c_str(), nullptr) + std::strtod(f[12].c_str(), nullptr)) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The parent of process `pid` (field 4), or -1.
pid_t parent_of(pid_t pid) {
  const auto f = proc_stat(pid);
  return f.size() < 2 ? -1 : static_cast<pid_t>(std::strtol(f[1].c_str(), nullptr, 10));
}

// What the store has done so far, to take the cost of the fleet's syncs by difference: the
// CPU of the central nodes and of the PostgreSQL server (its postmaster's processes, when it
// runs on this machine), the statements it ran (pg_stat_statements, when loaded: see
// tools/pg-cluster), the write-ahead log written, and the size of the store.
struct StoreUsage {
  double node_cpu = 0, server_cpu = -1, statements = -1, wal_bytes = -1, store_bytes = -1;
};

StoreUsage store_usage(const std::vector<pid_t>& nodes, storage::Database* pg, const std::string& sqlite_file) {
  StoreUsage u;
  for (const pid_t p : nodes) u.node_cpu += std::max(0.0, cpu_seconds(p));
  if (!pg) {
    std::error_code ec;
    u.store_bytes = 0;
    for (const char* suffix : {"", "-wal"}) {
      const auto size = fs::file_size(sqlite_file + suffix, ec);
      if (!ec) u.store_bytes += static_cast<double>(size);
    }
    return u;
  }
  auto number = [&](const char* sql) -> double {
    auto st = pg->prepare(sql);
    if (!st) return -1;
    auto row = st->step();
    if (!row || !*row) return -1;
    return std::strtod(st->column_text(0).c_str(), nullptr);
  };
  u.wal_bytes = number("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text");
  u.store_bytes = number("SELECT pg_database_size(current_database())::text");
  u.statements = number(
      "SELECT coalesce(sum(calls), 0)::text FROM pg_stat_statements "
      "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())");
  const double backend = number("SELECT pg_backend_pid()::text");
  const pid_t postmaster = backend > 0 ? parent_of(static_cast<pid_t>(backend)) : -1;
  if (postmaster > 1) {
    u.server_cpu = 0;
    for (const auto& entry : fs::directory_iterator("/proc")) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      const pid_t p = static_cast<pid_t>(std::stol(name));
      if (p == postmaster || parent_of(p) == postmaster) u.server_cpu += std::max(0.0, cpu_seconds(p));
    }
  }
  return u;
}

// A fresh schema in the database at `url`, and the URL whose connections use it.
std::string fresh_schema(const std::string& url) {
  const std::string schema = "bench_" + std::to_string(::getpid()) + "_" + std::to_string(std::time(nullptr));
  auto db = check(storage::open_postgres(url));
  check(db->exec("CREATE SCHEMA " + schema));
  return storage::postgres_address_in_schema(url, schema);
}

// nginx in front of the nodes on `ports` (tools/nginx-stream.conf.in), listening on a free
// loopback port (returned); its pid in `pid`.
std::uint16_t start_nginx(const fs::path& prefix, const std::vector<std::uint16_t>& ports, pid_t& pid) {
  fs::create_directories(prefix);
  std::string conf = check(storage::read_file(std::string(CARNET_SOURCE_DIR) + "/tools/nginx-stream.conf.in", 1 << 16));
  std::string upstreams;
  for (const auto p : ports) upstreams += "    server 127.0.0.1:" + std::to_string(p) + " max_fails=1 fail_timeout=10s;\n";
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(probe);
  const std::uint16_t port = ntohs(a.sin_port);
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"@PREFIX@", prefix.string()},
                                 {"@LISTEN@", "127.0.0.1:" + std::to_string(port)}, {"@UPSTREAMS@", upstreams}}) {
    for (auto at = conf.find(from); at != std::string::npos; at = conf.find(from)) conf.replace(at, from.size(), to);
  }
  check(storage::write_file_durably((prefix / "nginx.conf").string(), conf));
  pid = ::fork();
  if (pid == 0) {
    const std::string p = prefix.string(), c = (prefix / "nginx.conf").string(), e = (prefix / "startup.log").string();
    ::execl("/usr/sbin/nginx", "nginx", "-p", p.c_str(), "-c", c.c_str(), "-e", e.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    a.sin_port = htons(port);
    const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (up) return port;
    ::usleep(25 * 1000);
  }
  die(core::Status::io_error("outils.sync_bench.nginx_pas_demarre"));
}

struct RunFigures {
  double push_rate = 0, pull_rate = 0, bytes_per_change = 0, noop_requests = 0, push_requests = 0;
  double fleet_p50 = 0, fleet_p99 = 0, fleet_ok = 0, central_rss_mib = 0, puller_rss_mib = 0;
  // The fleet's cost per sync (one tablet's 500 changes): -1 when not measured.
  double node_cpu_ms = 0, server_cpu_ms = -1, statements = -1, wal_bytes = -1, store_bytes = -1;
};

RunFigures run_once(const std::string& postgres, std::size_t changes, std::size_t fleet, std::size_t per_tablet) {
  const fs::path dir = fs::temp_directory_path() / ("carnet-bench-sync-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  World w = make_world(dir, postgres.empty() ? (dir / "central.db").string() : fresh_schema(postgres), fleet);
  // One node on SQLite; on PostgreSQL two, and nginx in front of them for the fleet.
  const std::size_t nodes = postgres.empty() ? 1 : 2;
  std::vector<pid_t> central(nodes);
  std::vector<std::uint16_t> ports(nodes);
  std::vector<int> stop_central(nodes, -1), central_report(nodes, -1);
  for (std::size_t k = 0; k < nodes; ++k) central[k] = start_central(w, ports[k], stop_central[k], central_report[k]);
  const std::uint16_t port = ports[0];
  pid_t nginx = -1;
  const std::uint16_t fleet_port = nodes > 1 ? start_nginx(dir / "nginx", ports, nginx) : port;

  // The puller lives in its own process (forked before this one grows) so that its peak
  // RSS is its own; it pulls when told to.
  int go[2], pulled[2];
  if (::pipe(go) != 0 || ::pipe(pulled) != 0) die(core::Status::io_error("outils.sync_bench.pipe"));
  const pid_t puller = ::fork();
  if (puller == 0) {
    ::close(go[1]);
    ::close(pulled[0]);
    char c;
    if (::read(go[0], &c, 1) != 1) ::_exit(2);
    TabletHandle t = open_tablet(w, w.devices[1], port);
    const auto t0 = Clock::now();
    const auto report = sync_or_die(t);
    const double rate = static_cast<double>(report.pulled) / seconds_since(t0);
    const double rss = static_cast<double>(peak_rss_kib()) / 1024.0;
    const double out[3] = {rate, rss, static_cast<double>(report.pulled)};
    if (::write(pulled[1], out, sizeof out) != sizeof out) ::_exit(3);
    ::_exit(0);
  }
  ::close(go[0]);
  ::close(pulled[1]);

  RunFigures f;
  {  // push
    TabletHandle t = open_tablet(w, w.devices[0], port);
    sync_or_die(t);  // dossier snapshot and grids
    capture_answers(t, "big", changes);
    const auto pending = check(t.replica->pending_count());
    const auto t0 = Clock::now();
    const auto report = sync_or_die(t);
    f.push_rate = static_cast<double>(pending) / seconds_since(t0);
    f.bytes_per_change = static_cast<double>(report.bytes_sent) / static_cast<double>(pending);
    f.push_requests = static_cast<double>(report.requests);
    const auto noop = sync_or_die(t);
    f.noop_requests = static_cast<double>(noop.requests);
  }
  {  // pull, in the puller's process
    if (::write(go[1], "g", 1) != 1) die(core::Status::io_error("outils.sync_bench.pipe"));
    double in[3] = {0, 0, 0};
    if (::read(pulled[0], in, sizeof in) != sizeof in) die(core::Status::internal("outils.sync_bench.second_appareil"));
    f.pull_rate = in[0];
    f.puller_rss_mib = in[1];
    ::waitpid(puller, nullptr, 0);
  }
  {  // fleet
    std::vector<TabletHandle> tablets;
    for (std::size_t i = 0; i < fleet; ++i) {
      tablets.push_back(open_tablet(w, w.devices[2 + i], fleet_port));
      sync_or_die(tablets.back());
      capture_answers(tablets.back(), "f" + std::to_string(i), per_tablet);
    }
    std::unique_ptr<storage::Database> pg;
    if (!postgres.empty()) {
      pg = check(storage::open_postgres(postgres));
      // The statements are counted when the server loads pg_stat_statements (tools/pg-cluster does).
      if (pg->exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").ok()) pg->exec("SELECT pg_stat_statements_reset()").ignore();
    }
    const StoreUsage before = store_usage(central, pg.get(), w.store);
    const std::vector<double> latencies = sync_at_once(tablets, per_tablet);
    {
      const StoreUsage after = store_usage(central, pg.get(), w.store);
      const double n = static_cast<double>(fleet);
      auto per_sync = [&](double StoreUsage::*field, double scale) {
        return before.*field < 0 || after.*field < 0 ? -1.0 : (after.*field - before.*field) * scale / n;
      };
      f.node_cpu_ms = per_sync(&StoreUsage::node_cpu, 1000);
      f.server_cpu_ms = per_sync(&StoreUsage::server_cpu, 1000);
      f.statements = per_sync(&StoreUsage::statements, 1);
      f.wal_bytes = per_sync(&StoreUsage::wal_bytes, 1);
      f.store_bytes = per_sync(&StoreUsage::store_bytes, 1);
    }
    const Latencies l = latencies_of(latencies);
    f.fleet_ok = static_cast<double>(l.ok);
    f.fleet_p50 = l.p50;
    f.fleet_p99 = l.p99;
  }
  if (nginx > 0) {
    ::kill(nginx, SIGTERM);
    ::waitpid(nginx, nullptr, 0);
  }
  // Every node's stop pipe is closed before any report is read: each node holds the write ends
  // of the nodes forked before it, which close when it exits.
  for (std::size_t k = 0; k < nodes; ++k) ::close(stop_central[k]);
  for (std::size_t k = 0; k < nodes; ++k) {
    long central_rss = 0;
    if (::read(central_report[k], &central_rss, sizeof central_rss) == sizeof central_rss) {
      f.central_rss_mib = std::max(f.central_rss_mib, static_cast<double>(central_rss) / 1024.0);
    }
    ::waitpid(central[k], nullptr, 0);
  }
  fs::remove_all(dir);
  return f;
}

}  // namespace

int sync_main(const cli::Args& args) {
  const std::size_t changes = count_option(args, "--changes", 100000);
  const std::size_t fleet = count_option(args, "--tablets", 200);
  const std::size_t per_tablet = count_option(args, "--per-tablet", 500);
  const std::size_t runs = count_option(args, "--runs", 3);
  const std::string store = args.option("--store").value_or("sqlite");
  std::unique_ptr<PostgresCluster> cluster;
  std::string postgres;
  if (store == "postgres") {
    cluster = std::make_unique<PostgresCluster>(fs::temp_directory_path() / ("carnet-bench-pg-" + std::to_string(::getpid())));
    postgres = cluster->url();
  } else if (storage::is_postgres_address(store)) {
    postgres = store;
  } else if (store != "sqlite") {
    die(core::Status::invalid_argument("outils.sync_bench.store_inconnu"));
  }
  std::printf("store: %s%s\n", postgres.empty() ? "SQLite (one central node)" : "PostgreSQL (two central nodes, nginx for the fleet)",
              cluster ? ", throwaway cluster with durable settings" : "");
  std::vector<RunFigures> all;
  for (std::size_t r = 0; r < runs; ++r) {
    const RunFigures f = in_child_process<RunFigures>([&] { return run_once(postgres, changes, fleet, per_tablet); });
    all.push_back(f);
    std::printf("  run %zu: push %.0f changes/s, pull %.0f changes/s, %.1f bytes/change, fleet %.0f/%zu ok p99 %.3f s\n",
                r + 1, f.push_rate, f.pull_rate, f.bytes_per_change, f.fleet_ok, fleet, f.fleet_p99);
    std::fflush(stdout);
  }
  auto med = [&](double RunFigures::*field) {
    std::vector<double> v;
    for (const auto& f : all) v.push_back(f.*field);
    return median(v);
  };
  std::printf("push: %zu changes from one tablet, median %.0f changes/s (durable at the central node), %.0f requests\n",
              changes, med(&RunFigures::push_rate), med(&RunFigures::push_requests));
  std::printf("pull: %zu changes to one tablet, median %.0f changes/s, tablet peak RSS %.1f MiB\n", changes,
              med(&RunFigures::pull_rate), med(&RunFigures::puller_rss_mib));
  std::printf("wire: %.1f bytes per checklist-answer change pushed (TLS included); no-op sync: %.0f request(s)\n",
              med(&RunFigures::bytes_per_change), med(&RunFigures::noop_requests));
  std::printf("fleet: %zu tablets x %zu changes at once, %.0f succeeded, sync time p50 %.3f s, p99 %.3f s\n", fleet,
              per_tablet, med(&RunFigures::fleet_ok), med(&RunFigures::fleet_p50), med(&RunFigures::fleet_p99));
  std::printf("central node peak RSS %.1f MiB (the largest node; median over %zu runs)\n", med(&RunFigures::central_rss_mib), runs);
  auto shown = [](double v, const char* format) {
    if (v < 0) return std::string("n/a");
    char text[64];
    std::snprintf(text, sizeof text, format, v);
    return std::string(text);
  };
  std::printf("cost of one fleet sync (%zu changes): central nodes' CPU %s, database server's CPU %s, statements %s, "
              "write-ahead log %s, store growth %s\n",
              per_tablet, shown(med(&RunFigures::node_cpu_ms), "%.1f ms").c_str(),
              shown(med(&RunFigures::server_cpu_ms), "%.1f ms").c_str(), shown(med(&RunFigures::statements), "%.0f").c_str(),
              shown(med(&RunFigures::wal_bytes), "%.0f bytes").c_str(), shown(med(&RunFigures::store_bytes), "%.0f bytes").c_str());
  return 0;
}

}  // namespace carnet::bench
