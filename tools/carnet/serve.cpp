// carnet serve: the inspector's web app on the loopback interface, with the background sync.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>

#include "storage/files.hpp"
#include "tools/carnet/node.hpp"
#include "tools/cli/signals.hpp"
#include "tools/carnet/node_sync.hpp"
#include "tools/carnet/tablet_app.hpp"
#include "tools/cli/documents.hpp"

namespace carnet::tool {
namespace {

using core::Json;

struct Listen {
  std::string host;
  std::uint16_t port = 0;
};

// "127.0.0.1:8080", "[::1]:8080", "localhost:0".
Result<Listen> parse_listen(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  auto bad = [&] { return core::fail(Status::invalid_argument("outils.serve.listen_attendu", {{"recu", text}})); };
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return bad();
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) return bad();
  return Listen{host == "localhost" ? "127.0.0.1" : host, static_cast<std::uint16_t>(std::stoi(port))};
}

bool is_loopback(const std::string& host) { return host == "127.0.0.1" || host == "::1"; }

// The background sync: runs on its own replica connection; sleeps `interval` after a
// success and backs off after errors; a request from the app (a change saved, the indicator
// pressed) wakes it at once.
void sync_loop(storage::Replica& replica, const std::string& dir, SyncMonitor& monitor, std::chrono::milliseconds interval) {
  NodeSync node_sync(replica, dir);
  node_sync.verify_every(kVerifyEvery);
  std::size_t repaired = 0;
  SyncBackoff backoff(interval, std::min<std::chrono::milliseconds>(interval * 10, std::chrono::minutes(5)));
  sync::SyncOptions options;
  options.blob_dir = dir + "/blobs";
  for (;;) {
    auto central = replica.setting("central_url");
    if (!central || !*central) {
      monitor.set({SyncState::Phase::kNotEnrolled, Status::ok_status(), 0});
      if (!monitor.wait(std::chrono::seconds(5))) return;
      continue;
    }
    SyncState state = monitor.get();
    state.phase = SyncState::Phase::kRunning;
    monitor.set(state);
    const SyncAttempt attempt = node_sync.run(options);
    if (attempt.report) repaired += attempt.report->repaired;
    state = SyncState{SyncState::Phase::kIdle, Status::ok_status(), core::SystemClock::instance().now_ms(), repaired};
    if (!attempt.report) {
      const Status& e = attempt.report.error();
      state.error = e;
      state.phase = attempt.final ? SyncState::Phase::kBlocked
                    : e.code() == core::StatusCode::kIoError ? SyncState::Phase::kOffline
                                                              : SyncState::Phase::kError;
    }
    monitor.set(state);
    if (!monitor.wait(backoff.next(attempt.report.has_value()))) return;
  }
}

}  // namespace

int cmd_serve(const cli::Args& args) {
  if (auto s = args.no_more_than(1); !s.ok()) return failed(s, args);
  auto listen = parse_listen(args.option("--listen").value_or("127.0.0.1:0"));
  if (!listen) return failed(listen.error(), args);
  if (listen->host == "0.0.0.0" || listen->host == "::") {
    return failed(Status::invalid_argument("outils.serve.listen_toutes", {{"adresse", listen->host}}), args);
  }
  if (!is_loopback(listen->host)) {
    if (!args.flag("--allow-remote")) {
      return failed(Status::invalid_argument("outils.serve.listen_distant", {{"adresse", listen->host}}),
                    args);
    }
    std::cerr << "ATTENTION : l'application de la tablette écoute sur " << listen->host
              << ", joignable depuis le réseau ; la clé de session reste exigée, mais le trafic n'est pas chiffré.\n";
  }
  std::chrono::milliseconds interval = std::chrono::seconds(30);
  if (auto text = args.option("--sync-interval")) {
    const bool digits = !text->empty() && text->size() <= 5 && text->find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(*text) < 1) return failed(Status::invalid_argument("outils.serve.sync_interval"), args);
    interval = std::chrono::seconds(std::stoi(*text));
  }
  auto dir = cli::data_dir(args);
  if (!dir) return failed(dir.error(), args);
  auto replica = open_node(args);
  if (!replica) return failed(replica.error(), args);
  // What the page shows as saved survives a power cut: every connection to the replica commits
  // with synchronous=FULL, the WAL synced before COMMIT returns (storage/database.hpp).
  auto sync_replica = storage::Replica::open(replica_path(*dir), storage::Database::Mode::kReadWrite,
                                             core::SystemClock::instance(), (*replica)->key());
  if (!sync_replica) return failed(sync_replica.error(), args);

  // Signals are taken by this thread only (sigwait below); the threads started from here
  // inherit the mask.
  const sigset_t stop = cli::block_stop_signals();

  SyncMonitor monitor;
  std::atomic<TabletApp*> app{nullptr};
  sync::ServerOptions options;
  options.plaintext = true;
  options.host = listen->host;
  options.port = listen->port;
  options.threads = 2;
  options.max_body_bytes = TabletApp::kPhotoBodyBytes;
  options.body_limit = &TabletApp::body_limit;
  options.max_connections = 64;
  auto server = sync::HttpsServer::start(options, [&app](const sync::HttpRequest& request) {
    TabletApp* a = app.load();
    if (a == nullptr) return web::error_response(503, "io_error", core::Message("outils.serve.demarrage"));
    return a->handle(request);
  });
  if (!server) return failed(server.error(), args);
  LocalGuard guard(listen->host, (*server)->port(), web::random_token(32));
  const std::string url = guard.launch_url();
  TabletApp tablet_app(**replica, *dir, std::move(guard), monitor);
  app.store(&tablet_app);

  // The address with this launch's key, for the tablet's launcher (owner only).
  const std::string url_file = *dir + "/serve.url";
  if (auto s = storage::write_file_durably(url_file, url + "\n"); !s.ok()) return failed(s, args);

  std::thread syncer([&] { sync_loop(**sync_replica, *dir, monitor, interval); });
  if (args.json()) {
    cli::print_json(Json::object().set("url", url).set("port", static_cast<std::int64_t>((*server)->port())));
  } else {
    std::cout << "Carnet est prêt : ouvrez " << url << "\n"
              << "(adresse aussi dans " << url_file << " ; Ctrl+C pour arrêter)\n";
  }
  std::cout.flush();
  int signal = 0;
  sigwait(&stop, &signal);
  monitor.stop();
  (*server)->stop();
  app.store(nullptr);
  syncer.join();
  std::error_code ec;
  std::filesystem::remove(url_file, ec);
  if (!args.json()) std::cerr << "Carnet arrêté.\n";
  return 0;
}

}  // namespace carnet::tool
