// Fuzzes the central node's request handling from raw bytes.
//
// Input: byte 0 picks the TLS client certificate the connection presented (0: none,
// 1: an enrolled device's, 2: a revoked device's, 3: a device the office does not know, 4: an
// enrolled device's with another inspector; others: the enrolled one); the rest is what
// the client sent after the TLS handshake: HTTP/1.1 requests, one after the other as on a
// kept-alive connection. Each is parsed with Beast's request_parser and the limits the
// server uses (ServerOptions' defaults, as carnet-central runs), turned into an
// HttpRequest as HttpsServer does, and given to a real CentralService over a real SQLite
// central store (the built-in grids, an inspector, an assigned dossier, devices, an
// enrollment code, a blob directory) set up once in a temp dir. The store keeps what
// earlier inputs pushed, as a long-running central node does.
#include <utility>  // Before any Boost.Asio header: Boost 1.74 uses std::exchange without it.

#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "storage/builtin_grids.hpp"
#include "storage/central/central.hpp"
#include "storage/grid_file.hpp"
#include "storage/sha256.hpp"
#include "sync/beast_request.hpp"
#include "sync/central_service.hpp"
#include "sync/http.hpp"
#include "sync/pki.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using carnet::sync::HttpRequest;
using carnet::sync::PeerCertificate;

constexpr const char* kDevice = "0190c0de-0000-7000-8000-000000000001";
constexpr const char* kRevoked = "0190c0de-0000-7000-8000-000000000002";
constexpr const char* kUnknown = "0190c0de-0000-7000-8000-000000000003";

template <class T>
T must(carnet::core::Result<T> r) {
  if (!r) std::abort();
  return std::move(*r);
}
void must(const carnet::core::Status& s) {
  if (!s.ok()) std::abort();
}

struct Central {
  carnet::testing::TempDir dir;
  std::unique_ptr<carnet::storage::Central> store;
  std::unique_ptr<carnet::sync::CentralService> service;

  Central() {
    using namespace carnet;
    store = must(storage::open_sqlite_central(dir.file("central.db"), storage::Database::Mode::kCreate));
    for (const auto& g : storage::builtin_grids()) {
      must(store->catalogue.publish_grid(*must(storage::parse_grid(g.text, g.file_name)), g.text));
    }
    must(store->catalogue.add_inspector({"insp", "Inspectrice"}));
    must(store->catalogue.add_inspector({"autre", "Autre"}));
    core::Dossier d;
    d.id = "D1";
    d.kind = "maison-accueil";
    d.name = "Maison D1";
    d.reference = "RW/AHA/D1";
    static_cast<void>(must(store->catalogue.import_dossiers({d})));
    must(store->catalogue.assign("D1", "insp"));
    for (const char* id : {kDevice, kRevoked}) {
      storage::DeviceRecord r;
      r.id = *core::Uuid::parse(id);
      r.inspector_id = "insp";
      r.name = "tablette";
      r.serial_hex = "01";
      r.fingerprint = "-";
      r.not_after = 4102444800;
      r.enrolled_ms = 1;
      must(store->devices.add(r));
    }
    must(store->devices.revoke(*core::Uuid::parse(kRevoked), 2));
    must(store->devices.add_enrollment_code(storage::sha256_hex("CODE-FUZZ"), "insp", std::numeric_limits<std::int64_t>::max()));
    sync::CentralServiceOptions options;
    options.blob_dir = dir.file("blobs");
    options.blob_size_limit = 1 << 16;
    service = std::make_unique<sync::CentralService>(*store, must(sync::make_ca("Carnet fuzz CA", 30)), options);
  }
};

Central& central() {
  static Central kCentral;
  return kCentral;
}

std::optional<PeerCertificate> peer(std::uint8_t which) {
  switch (which) {
    case 0: return std::nullopt;
    case 2: return PeerCertificate{kRevoked, "insp", "01", "-", 4102444800};
    case 3: return PeerCertificate{kUnknown, "insp", "01", "-", 4102444800};
    case 4: return PeerCertificate{kDevice, "autre", "01", "-", 4102444800};
    default: return PeerCertificate{kDevice, "insp", "01", "-", 4102444800};
  }
}

// Temp dirs in memory when the machine has /dev/shm: the store fsyncs every write.
void prefer_memory_temp_dir() {
  std::error_code ec;
  if (std::getenv("TMPDIR") == nullptr && std::filesystem::is_directory("/dev/shm", ec)) setenv("TMPDIR", "/dev/shm", 0);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);  // invalid UTF-8 in strings is logged, not an error here
  prefer_memory_temp_dir();
  static_cast<void>(central());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const carnet::sync::ServerOptions limits;  // what carnet-central listens with
  const auto who = peer(data[0]);
  beast::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);

  // As Session::serve: a fresh parser per request on the connection, bytes left over from
  // one request start the next.
  for (int requests = 0; !rest.empty() && requests < 8; ++requests) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(static_cast<std::uint64_t>(limits.max_body_bytes));
    parser.eager(true);
    beast::error_code ec;
    bool limited = false;
    while (!rest.empty() && !parser.is_done()) {
      const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      rest.remove_prefix(used);
      if (ec) break;
      if (!limited && parser.is_header_done()) {
        // As Session::serve: the route's limit once the head is read (carnet-central's).
        limited = true;
        const auto method = parser.get().method_string();
        const auto target = parser.get().target();
        const std::size_t limit = std::min(
            carnet::sync::central_body_limit({std::string_view(method.data(), method.size()),
                                              std::string_view(target.data(), target.size()),
                                              who.has_value() && !who->expired}),
            limits.max_body_bytes);
        if (parser.content_length().value_or(0) > limit) return 0;  // 413 before the body
        parser.body_limit(static_cast<std::uint64_t>(limit));
      }
      if (used == 0) break;
    }
    if (!parser.is_done()) {
      // The client closed the connection: what it sent is all there is.
      if (!ec || ec == http::error::need_more) parser.put_eof(ec);
      if (!parser.is_done()) return 0;  // refused (400 / 413 / 431) or cut: the server closes
    }
    http::request<http::string_body> request = parser.release();

    const bool keep_alive = request.keep_alive();
    HttpRequest in = carnet::sync::to_http_request(std::move(request));  // as Session::respond
    in.peer = who;
    in.remote_address = "127.0.0." + std::to_string(data[0] >> 4);  // the rate limit is per address
    const carnet::sync::HttpResponse out = central().service->handle(in);
    if (out.status < 200 || out.status > 599) std::abort();
    if (!keep_alive) break;
  }
  return 0;
}
