#include "tools/bench/fleet.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <barrier>
#include <cmath>
#include <ctime>
#include <thread>

#include "storage/builtin_grids.hpp"
#include "storage/capture.hpp"
#include "storage/central/central.hpp"
#include "storage/grid_file.hpp"
#include "sync/central_service.hpp"
#include "tools/bench/bench.hpp"

namespace carnet::bench {

World make_world(const fs::path& dir, const std::string& store_address, std::size_t fleet) {
  World w;
  w.dir = dir;
  w.store = store_address;
  w.ca = check(sync::make_ca("Carnet bench CA", 30));
  w.server = check(sync::make_server_certificate(w.ca, "carnet-central", {"localhost"}, {"127.0.0.1"}, 30));
  auto store = check(storage::open_central(w.store, storage::Database::Mode::kCreate));
  for (const auto& g : storage::builtin_grids()) check(store->catalogue.publish_grid(*check(storage::parse_grid(g.text, g.file_name)), g.text));
  auto add_device = [&](const std::string& name, const std::string& inspector, const std::string& dossier) {
    Device d{name, inspector, dossier, core::Uuid::generate(static_cast<std::int64_t>(std::time(nullptr)) * 1000), {}};
    auto request = check(sync::make_certificate_request(d.id.to_string()));
    d.credentials.cert_pem = check(sync::sign_certificate_request(w.ca, request.csr_pem, d.id.to_string(), inspector, 30));
    d.credentials.key_pem = request.key_pem;
    auto info = check(sync::inspect_certificate(d.credentials.cert_pem));
    check(store->devices.add({d.id, inspector, name, info.serial_hex, info.fingerprint, info.not_after, 1, {}, {}}));
    w.devices.push_back(std::move(d));
  };
  std::vector<core::Dossier> dossiers;
  auto dossier = [&](const std::string& id) {
    core::Dossier d;
    d.id = id;
    d.kind = "maison-accueil";
    d.name = "Maison " + id;
    d.reference = "RW/AHA/" + id;
    dossiers.push_back(d);
  };
  dossier("big");
  for (std::size_t i = 0; i < fleet; ++i) dossier("f" + std::to_string(i));
  check(store->catalogue.import_dossiers(dossiers));
  check(store->catalogue.add_inspector({"bench", "Banc d'essai"}));
  check(store->catalogue.assign("big", "bench"));
  for (std::size_t i = 0; i < fleet; ++i) {
    const std::string inspector = "i" + std::to_string(i);
    check(store->catalogue.add_inspector({inspector, inspector}));
    check(store->catalogue.assign("f" + std::to_string(i), inspector));
  }
  add_device("pusher", "bench", "big");
  add_device("puller", "bench", "big");
  for (std::size_t i = 0; i < fleet; ++i) add_device("t" + std::to_string(i), "i" + std::to_string(i), "f" + std::to_string(i));
  return w;
}

pid_t start_central(const World& w, std::uint16_t& port, int& stop_write, int& report_read) {
  int ready[2], stop[2], report[2];
  if (::pipe(ready) != 0 || ::pipe(stop) != 0 || ::pipe(report) != 0)
    die(core::Status::io_error("outils.sync_bench.pipe"));
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(ready[0]);
    ::close(stop[1]);
    ::close(report[0]);
    auto store = check(storage::open_central(w.store, storage::Database::Mode::kReadWrite));
    sync::CentralService service(*store, w.ca);
    sync::ServerOptions o;
    o.port = 0;
    o.cert_pem = w.server.cert_pem;
    o.key_pem = w.server.key_pem;
    o.client_ca_pem = w.ca.cert_pem;
    o.threads = 4;
    o.body_limit = sync::central_body_limit;  // as carnet-central serve's
    o.proxy_protocol_from = {"127.0.0.2"};    // nginx, when in front (tools/nginx-stream.conf.in)
    auto server = check(sync::HttpsServer::start(o, [&](const sync::HttpRequest& r) { return service.handle(r); }));
    const std::uint16_t p = server->port();
    if (::write(ready[1], &p, sizeof p) != sizeof p) ::_exit(3);
    char c;
    while (::read(stop[0], &c, 1) > 0) {
    }
    server->stop();
    server->wait();
    const long rss = peak_rss_kib();
    if (::write(report[1], &rss, sizeof rss) != sizeof rss) ::_exit(4);
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(stop[0]);
  ::close(report[1]);
  if (::read(ready[0], &port, sizeof port) != sizeof port)
    die(core::Status::io_error("outils.sync_bench.central_pas_demarre"));
  ::close(ready[0]);
  stop_write = stop[1];
  report_read = report[0];
  return pid;
}

TabletHandle open_tablet(const World& w, const Device& d, std::uint16_t port) {
  TabletHandle t;
  // Encrypted at rest, as every tablet's replica is.
  t.replica = check(storage::Replica::open((w.dir / (d.name + ".db")).string(), storage::Database::Mode::kCreate,
                                           core::SystemClock::instance(), check(storage::DataKey::random())));
  auto tx = check(storage::Transaction::begin(t.replica->db()));
  check(t.replica->initialise(*tx, d.inspector, d.inspector, d.id));
  check(tx->commit());
  sync::ClientOptions o;
  o.host = "127.0.0.1";
  o.port = std::to_string(port);
  o.ca_pem = w.ca.cert_pem;
  o.cert_pem = d.credentials.cert_pem;
  o.key_pem = d.credentials.key_pem;
  o.timeout = std::chrono::seconds(120);
  t.client = std::make_unique<sync::HttpsClient>(o);
  return t;
}

sync::SyncReport sync_or_die(TabletHandle& t) {
  sync::SyncOptions o;
  return check(sync::sync_now(*t.replica, *t.client, o));
}

// Batches of 14 edits per command.
void capture_answers(TabletHandle& t, const std::string& dossier, std::size_t count) {
  storage::Capture capture(*t.replica);
  const std::string id = check(capture.start(dossier, std::nullopt, core::Date::parse("2026-03-10").value()));
  std::vector<storage::Edit> batch;
  for (std::size_t i = 0; i < count; ++i) {
    batch.push_back(answer(i));
    if (batch.size() == 14 || i + 1 == count) {  // 14 distinct items: each batch changes all
      check(capture.set(id, batch));
      batch.clear();
    }
  }
}

std::vector<double> sync_at_once(std::vector<TabletHandle>& tablets, std::size_t per_tablet) {
  std::vector<double> latencies(tablets.size(), -1);
  std::barrier start(static_cast<std::ptrdiff_t>(tablets.size()));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < tablets.size(); ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      const auto t0 = Clock::now();
      sync::SyncOptions o;
      auto r = sync::sync_now(*tablets[i].replica, *tablets[i].client, o);
      if (r && r->pushed >= per_tablet) latencies[i] = seconds_since(t0);
    });
  }
  for (auto& t : threads) t.join();
  return latencies;
}

Latencies latencies_of(const std::vector<double>& seconds) {
  std::vector<double> done;
  for (const double l : seconds) {
    if (l >= 0) done.push_back(l);
  }
  Latencies out;
  out.ok = done.size();
  std::sort(done.begin(), done.end());
  if (!done.empty()) {
    out.p50 = done[done.size() / 2];
    out.p99 = done[std::min(done.size() - 1, static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(done.size()))) - 1)];
  }
  return out;
}

}  // namespace carnet::bench
