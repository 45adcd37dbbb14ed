// `carnet-central serve`: the sync protocol and the office app over HTTPS.
#include <signal.h>

#include <iostream>
#include <thread>

#include "storage/files.hpp"
#include "sync/central_service.hpp"
#include "sync/http.hpp"
#include "sync/pki.hpp"
#include "sync/tablet_sync.hpp"
#include "tools/central/node.hpp"
#include "tools/central/office_app.hpp"
#include "tools/cli/signals.hpp"

namespace carnet::central {

using core::Json;

int cmd_serve(const cli::Args& args) {
  auto dir = cli::data_dir(args);
  if (!dir) return failed(dir.error(), args);
  auto listen = args.required_option("--listen");
  if (!listen) return failed(listen.error(), args);
  const auto colon = listen->rfind(':');
  if (colon == std::string::npos) return failed(Status::invalid_argument("outils.main.listen_attendu"), args);
  // Port 0 picks a free port (printed); tests use it.
  auto port = listen->substr(colon + 1) == "0"
                  ? Result<int>(0)
                  : positive(listen->substr(colon + 1), 0, 65535, "outils.main.quoi_port_listen");
  if (!port) return failed(port.error(), args);
  auto threads = positive(args.option("--threads"), static_cast<int>(std::max(2u, std::thread::hardware_concurrency())), 64,
                          "outils.main.quoi_threads");
  if (!threads) return failed(threads.error(), args);
  // A client that does not deliver a whole request in this time is disconnected (slowloris).
  auto request_timeout = positive(args.option("--request-timeout"), 30, 3600, "outils.main.quoi_request_timeout");
  if (!request_timeout) return failed(request_timeout.error(), args);
  // The address the tablets use, for enrollment links (a load balancer's, say).
  const std::string public_url = args.option("--public-url").value_or("");
  if (!public_url.empty()) {
    if (auto parsed = sync::parse_central_url(public_url); !parsed) {
      return failed(parsed.error().with_context("outils.args.option", {{"option", "--public-url"}}), args);
    }
  }
  auto config = NodeConfig::load(*dir);
  if (!config) return failed(config.error(), args);
  const NodeConfig& p = *config;
  auto store = open_store(p);
  if (!store) return failed(store.error(), args);
  auto ca = load_ca(p);
  if (!ca) return failed(ca.error(), args);
  auto cert = storage::read_file(p.server_cert, 1 << 20);
  auto key = sync::read_private_key_file(p.server_key);
  if (!cert) return failed(cert.error(), args);
  if (!key) return failed(key.error(), args);

  // Block the stop signals before any thread starts, then wait for one here.
  const sigset_t stop_signals = cli::block_stop_signals();

  sync::CentralServiceOptions service_options;
  service_options.blob_dir = p.blobs;
  sync::CentralService service(**store, *ca, service_options);
  sync::ServerOptions options;
  std::string host = listen->substr(0, colon);
  if (host.starts_with("[") && host.ends_with("]")) host = host.substr(1, host.size() - 2);
  options.host = host;
  options.port = static_cast<std::uint16_t>(*port);
  options.cert_pem = *cert;
  options.key_pem = *key;
  options.client_ca_pem = ca->cert_pem;
  options.threads = *threads;
  options.request_timeout = std::chrono::seconds(*request_timeout);
  options.max_body_bytes = sync::kDeviceBodyBytes;
  options.proxy_protocol_from = p.proxy_protocol_from;
  options.body_limit = [](const sync::RequestHead& head) {
    return OfficeApp::serves(head.target) ? OfficeApp::body_limit(head) : sync::central_body_limit(head);
  };
  // The office web app ("/", "/bureau/…") beside the sync protocol.
  OfficeAppOptions office_options;
  office_options.ca_cert_pem = ca->cert_pem;
  office_options.central_url = public_url;
  OfficeApp office(**store, office_options);
  auto server = sync::HttpsServer::start(
      options, [&](const sync::HttpRequest& r) { return OfficeApp::serves(r.target) ? office.handle(r) : service.handle(r); });
  if (!server) return failed(server.error(), args);
  if (args.json()) {
    // One line, so that a supervising program can read the address it got.
    std::cout << Json::object().set("listening", host + ":" + std::to_string((*server)->port())).dump() << std::endl;
  } else {
    std::cout << "carnet-central : à l'écoute sur " << host << ":" << (*server)->port() << std::endl;
  }
  std::cout.flush();
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cerr << "carnet-central : arrêt demandé (signal " << signal_number << "), fin des requêtes en cours\n";
  (*server)->stop();
  (*server)->wait();
  return 0;
}

}  // namespace carnet::central
