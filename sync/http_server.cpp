// HttpsServer over Boost.Beast and Asio SSL.
//
// Threads: `threads` threads run one io_context. The listener (accept loop) runs on its own
// strand; every connection is a Session on a strand of its own, written as one coroutine
// (handshake, then request after request), so a session's members need no lock. The
// handler runs on the session's strand. ServerState is shared by the server object, the
// listener and the sessions; its mutex guards the connection registry (sync/connection_registry.hpp:
// the caps on connections without a device certificate) and the listener flag.
//
// Timeouts, all with beast::tcp_stream::expires_after, which closes the socket when the
// deadline passes (one deadline covers every read of a phase, so trickling bytes does not
// extend it): the TLS handshake (handshake_timeout), the first request after the handshake
// (request_timeout from its end), the wait for the next request on a kept-alive connection
// (idle_timeout, until its first byte), then the whole request from that first byte
// (request_timeout), and writing the response (request_timeout).
//
// Nothing is logged: request bodies, targets and certificates stay out of the logs.
#include "sync/http.hpp"

#include "sync/asio.hpp"
#include "sync/beast_request.hpp"
#include "sync/connection_registry.hpp"
#include "sync/proxy_protocol.hpp"
#include "sync/tls_setup.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>

namespace carnet::sync {

namespace {

using Clock = std::chrono::steady_clock;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using PlainStream = beast::tcp_stream;

// Bytes read at once while waiting for the next request.
constexpr std::size_t kReadChunk = 16 * 1024;
// Longest wait for the peer's close_notify after a response that closes the connection, and
// longest time spent discarding the rest of a refused request before closing.
constexpr std::chrono::milliseconds kCloseWait{1000};
constexpr std::chrono::milliseconds kLingerLimit{2000};
// After stop()'s grace, how long sessions get to go once their sockets are closed.
constexpr std::chrono::milliseconds kForcedCloseWait{2000};
// Pause of the listener after an accept error other than a closed acceptor (EMFILE, ...).
constexpr std::chrono::milliseconds kAcceptBackoff{50};

auto on_error(error_code& ec) { return net::redirect_error(net::use_awaitable, ec); }

bool is_http_error(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// A header name must be an HTTP token; a value must not break the header block.
bool valid_header(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return value.find_first_of("\r\n", 0) == std::string_view::npos && value.find('\0') == std::string_view::npos;
}

// What the server object, the listener and the sessions share.
struct ServerState {
  ServerState(ServerOptions o, HttpHandler h)
      : options(std::move(o)),
        handler(std::move(h)),
        tls(ssl::context::tls_server),
        registry(options.max_unauthenticated, options.max_unauthenticated_per_address) {}

  const ServerOptions options;
  const HttpHandler handler;
  ssl::context tls;  // configured before the first connection, then only read
  std::vector<std::string> proxy_protocol_from;  // options', in the accept loop's form; then only read

  std::mutex mutex;
  std::condition_variable changed;  // a session ended or the listener stopped
  bool stopping = false;            // guarded by mutex
  bool listening = false;           // guarded by mutex: the accept loop is running
  ConnectionRegistry registry;      // guarded by mutex

  std::atomic<bool> stop_requested{false};  // mirrors `stopping`, read without the lock

  // The PROXY header named the session's client. Returns the sessions evicted for it, to
  // close (the lock is released).
  ConnectionRegistry::Evicted readdress(const SessionControl* session, const std::string& address) {
    std::lock_guard lock(mutex);
    return registry.readdress(session, address);
  }

  void authenticated(const SessionControl* session) {
    std::lock_guard lock(mutex);
    registry.authenticated(session);
  }

  // A session's destructor.
  void remove(const SessionControl* session) {
    {
      std::lock_guard lock(mutex);
      registry.remove(session);
    }
    changed.notify_all();
  }

  // The live sessions, taken under the lock and used outside it (a session's destructor
  // takes the lock).
  std::vector<std::shared_ptr<SessionControl>> live_sessions() {
    std::lock_guard lock(mutex);
    return registry.live();
  }

  // Waits until every session has ended and the listener has stopped, or `deadline`.
  bool wait_drained(Clock::time_point deadline) {
    std::unique_lock lock(mutex);
    return changed.wait_until(lock, deadline, [&] { return registry.empty() && !listening; });
  }
};

// One connection: TLS handshake (Stream = TlsStream) or none (PlainStream), then requests
// one after the other (HTTP/1.1 keep-alive).
// Thread safety: everything runs on the connection's strand; request_stop() and
// force_close() may be called from any thread and post to it.
template <class Stream>
class Session final : public SessionControl, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(std::shared_ptr<ServerState> state, tcp::socket socket, std::string remote_address, bool proxied)
      : state_(std::move(state)), executor_(socket.get_executor()), stream_(make_stream(std::move(socket))),
        remote_address_(std::move(remote_address)), proxied_(proxied) {}

  ~Session() override { state_->remove(this); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const net::any_io_executor& executor() const { return executor_; }

  // The session's coroutine. Never throws: the edge where exceptions stop.
  static net::awaitable<void> run(std::shared_ptr<Session> self) {
    try {
      co_await self->serve();
    } catch (...) {
      // Nothing logged: the message could carry request data.
    }
    self->close_socket();
  }

  // Server stopping: closes the connection now unless a request is being received, handled
  // or answered (that one finishes, with "Connection: close").
  void request_stop() override {
    net::post(executor_, [self = this->shared_from_this()] {
      if (self->phase_ != Phase::kRequest) self->close_socket();
    });
  }

  // The grace period is over: closes the connection whatever it is doing.
  void force_close() override {
    net::post(executor_, [self = this->shared_from_this()] { self->close_socket(); });
  }

 private:
  Stream make_stream(tcp::socket socket) {
    if constexpr (kTls) return Stream(std::move(socket), state_->tls);
    else return Stream(std::move(socket));
  }

  enum class Phase { kHandshake, kIdle, kRequest, kClosing };

  net::awaitable<void> serve();
  net::awaitable<bool> read_proxy_header();
  std::size_t body_limit(const http::request<http::string_body>& head) const;
  http::response<http::string_body> respond(http::request<http::string_body>& request);
  net::awaitable<void> refuse(http::status status, unsigned version, std::string_view text);
  net::awaitable<void> close_gracefully();
  void close_socket() { beast::get_lowest_layer(stream_).close(); }

  const std::shared_ptr<ServerState> state_;
  const net::any_io_executor executor_;  // the connection's strand
  Stream stream_;                          // strand only
  beast::flat_buffer buffer_;              // strand only: bytes read and not yet parsed
  Phase phase_ = Phase::kHandshake;        // strand only
  std::optional<PeerCertificate> peer_;    // strand only: set after the handshake
  std::string remote_address_;             // strand only: the peer's, or the PROXY header's
  const bool proxied_;                     // the peer is a trusted balancer: a PROXY header comes first
};

template <class Stream>
net::awaitable<void> Session<Stream>::serve() {
  const ServerOptions& o = state_->options;
  auto& tcp_layer = beast::get_lowest_layer(stream_);
  error_code ec;

  if (proxied_ && !co_await read_proxy_header()) co_return;
  if constexpr (kTls) {
    tcp_layer.expires_after(o.handshake_timeout);
    // The bytes read after a PROXY header are the handshake's first.
    const std::size_t used = co_await stream_.async_handshake(ssl::stream_base::server, buffer_.data(), on_error(ec));
    // Plain HTTP, a refused certificate, an old TLS version, a timeout: just close.
    if (ec) co_return;
    buffer_.consume(used);
    peer_ = peer_certificate(stream_.native_handle());
    if (peer_ && !peer_->expired) state_->authenticated(this);
  }

  bool first = true;
  for (;;) {
    if (buffer_.size() == 0) {
      // Waiting for the first byte of the next request: the connection may be closed by
      // stop() or by the idle timeout.
      phase_ = Phase::kIdle;
      if (state_->stop_requested.load()) co_return;
      tcp_layer.expires_after(first ? o.request_timeout : o.idle_timeout);
      const std::size_t n = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), on_error(ec));
      if (ec) co_return;
      buffer_.commit(n);
    }
    first = false;
    phase_ = Phase::kRequest;
    tcp_layer.expires_after(o.request_timeout);

    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(o.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(static_cast<std::uint64_t>(o.max_body_bytes));
    co_await http::async_read_header(stream_, buffer_, parser, on_error(ec));
    if (!ec && !parser.is_done()) {
      // The route's limit, known before any of the body is read or invited.
      const std::size_t limit = body_limit(parser.get());
      parser.body_limit(static_cast<std::uint64_t>(limit));
      if (parser.content_length().value_or(0) > limit) {
        ec = http::error::body_limit;
      } else if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
        co_await http::async_write(stream_, go_on, on_error(ec));
      }
      if (!ec) co_await http::async_read(stream_, buffer_, parser, on_error(ec));
    }
    if (ec) {
      const unsigned version = parser.is_header_done() ? parser.get().version() : 11;
      if (ec == http::error::body_limit) {
        co_await refuse(http::status::payload_too_large, version, core::catalogue_text("sync.http_server.corps_trop_volumineux"));
      } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        co_await refuse(http::status::request_header_fields_too_large, version, core::catalogue_text("sync.http_server.entetes_trop_volumineux"));
      } else if (is_http_error(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message) {
        co_await refuse(http::status::bad_request, version, core::catalogue_text("sync.http_server.requete_invalide"));
      }
      // Otherwise a timeout (slow client), a closed connection or stop(): just close.
      co_return;
    }

    http::request<http::string_body> request = parser.release();
    http::response<http::string_body> response = respond(request);
    tcp_layer.expires_after(o.request_timeout);
    co_await http::async_write(stream_, response, on_error(ec));
    if (ec) co_return;
    if (!response.keep_alive()) {
      co_await close_gracefully();
      co_return;
    }
  }
}

// Reads the PROXY header that a trusted balancer sends first (within the handshake's time)
// and takes the client address it names. False (the connection is closed) when it is not one.
template <class Stream>
net::awaitable<bool> Session<Stream>::read_proxy_header() {
  auto& tcp_layer = beast::get_lowest_layer(stream_);
  tcp_layer.expires_after(state_->options.handshake_timeout);
  for (;;) {
    const auto bytes = buffer_.data();
    const ProxyHeader header =
        parse_proxy_header(std::string_view(static_cast<const char*>(bytes.data()), bytes.size()));
    if (header.state == ProxyHeader::State::kInvalid) co_return false;
    if (header.state == ProxyHeader::State::kComplete) {
      buffer_.consume(header.length);
      if (!header.source.empty()) {
        remote_address_ = header.source;
        for (const auto& session : state_->readdress(this, remote_address_)) session->force_close();
      }
      co_return true;
    }
    error_code ec;
    const std::size_t n =
        co_await tcp_layer.async_read_some(buffer_.prepare(kMaxProxyHeaderBytes - buffer_.size()), on_error(ec));
    if (ec) co_return false;
    buffer_.commit(n);
  }
}

template <class Stream>
std::size_t Session<Stream>::body_limit(const http::request<http::string_body>& head) const {
  const ServerOptions& o = state_->options;
  if (!o.body_limit) return o.max_body_bytes;
  const beast::string_view method = head.method_string();
  const beast::string_view target = head.target();
  const RequestHead view{std::string_view(method.data(), method.size()), std::string_view(target.data(), target.size()),
                         peer_.has_value() && !peer_->expired};
  return std::min(o.body_limit(view), o.max_body_bytes);
}

// Runs the handler; the response keeps the connection open unless the client or stop() wants
// it closed.
template <class Stream>
http::response<http::string_body> Session<Stream>::respond(http::request<http::string_body>& request) {
  HttpRequest in = to_http_request(std::move(request));
  in.peer = peer_;
  in.remote_address = remote_address_;

  HttpResponse out;
  try {
    out = state_->handler(in);
  } catch (...) {
    out = HttpResponse{};
    out.status = 500;
  }
  bool valid = out.status >= 200 && out.status <= 599 && valid_header("content-type", out.content_type);
  for (const auto& [name, value] : out.headers) valid = valid && valid_header(name, value);
  if (!valid) {
    out = HttpResponse{};
    out.status = 500;
  }
  if (out.status == 500 && out.body.empty()) out.content_type.clear();

  http::response<http::string_body> response{static_cast<http::status>(out.status), request.version()};
  for (const auto& [name, value] : out.headers) response.insert(name, value);
  const bool bodiless = out.status == 204 || out.status == 304;
  if (!bodiless && !out.content_type.empty()) response.set(http::field::content_type, out.content_type);
  if (bodiless) {
    out.body.clear();
  } else if (request.method() == http::verb::head) {
    response.content_length(out.body.size());
  } else {
    response.body() = std::move(out.body);
    response.prepare_payload();
  }
  response.keep_alive(request.keep_alive() && !state_->stop_requested.load());
  return response;
}

// Answers a request that cannot be read (too large, malformed) and closes the connection.
// The rest of the request is read and discarded for a while first, so that a client still
// sending its body gets the answer instead of a reset connection.
template <class Stream>
net::awaitable<void> Session<Stream>::refuse(http::status status, unsigned version, std::string_view text) {
  auto& tcp_layer = beast::get_lowest_layer(stream_);
  http::response<http::string_body> response{status, version};
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.body() = std::string(text) + "\n";
  response.keep_alive(false);
  response.prepare_payload();
  error_code ec;
  tcp_layer.expires_after(state_->options.request_timeout);
  co_await http::async_write(stream_, response, on_error(ec));
  if (ec) co_return;
  phase_ = Phase::kClosing;
  tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ec);
  tcp_layer.expires_after(std::min<Clock::duration>(state_->options.request_timeout, kLingerLimit));
  std::array<char, kReadChunk> sink;
  for (;;) {
    co_await tcp_layer.async_read_some(net::buffer(sink), on_error(ec));
    if (ec) break;
  }
}

// TLS: sends close_notify and waits a little for the client's. Plain: shuts the sending
// side. Closing follows in run().
template <class Stream>
net::awaitable<void> Session<Stream>::close_gracefully() {
  phase_ = Phase::kClosing;
  beast::get_lowest_layer(stream_).expires_after(std::min<Clock::duration>(state_->options.request_timeout, kCloseWait));
  error_code ec;
  if constexpr (kTls) {
    co_await stream_.async_shutdown(on_error(ec));
  } else {
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
}

// Registers a new session (state->mutex held) and starts its coroutine on its strand. Returns
// the sessions evicted to make room, to be closed once the lock is released.
template <class Stream>
ConnectionRegistry::Evicted spawn_session(const std::shared_ptr<ServerState>& state,
                                                           tcp::socket socket, std::string remote) {
  const bool proxied = std::find(state->proxy_protocol_from.begin(), state->proxy_protocol_from.end(), remote) !=
                       state->proxy_protocol_from.end();
  auto session = std::make_shared<Session<Stream>>(state, std::move(socket), remote, proxied);
  auto evicted = state->registry.admit(session, proxied ? std::string() : remote);
  const net::any_io_executor executor = session->executor();
  net::co_spawn(executor, Session<Stream>::run(std::move(session)), [](std::exception_ptr) {});
  return evicted;
}

// Accepts connections until the acceptor is closed; each one becomes a Session on a strand.
net::awaitable<void> listen_loop(std::shared_ptr<ServerState> state, tcp::acceptor& acceptor, net::io_context& ioc) {
  try {
    net::steady_timer backoff(acceptor.get_executor());
    for (;;) {
      error_code ec;
      tcp::socket socket(net::make_strand(ioc));
      co_await acceptor.async_accept(socket, on_error(ec));
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor.is_open() || state->stop_requested.load()) break;
        backoff.expires_after(kAcceptBackoff);  // out of descriptors, aborted connection, ...
        co_await backoff.async_wait(on_error(ec));
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      const auto endpoint = socket.remote_endpoint(ec);
      std::string remote = ec ? std::string() : endpoint.address().to_string();
      bool full = false;
      ConnectionRegistry::Evicted evicted;
      {
        std::lock_guard lock(state->mutex);
        if (state->stopping) break;
        full = state->registry.size() >= state->options.max_connections;
        if (!full) {
          evicted = state->options.plaintext ? spawn_session<PlainStream>(state, std::move(socket), std::move(remote))
                                             : spawn_session<TlsStream>(state, std::move(socket), std::move(remote));
        }
      }
      for (const auto& session : evicted) session->force_close();
      evicted.clear();
      if (full) socket.close(ec);  // over max_connections: refused at once
    }
  } catch (const std::exception&) {
    // The listener stops; sessions already running go on until stop().
  }
  {
    std::lock_guard lock(state->mutex);
    state->listening = false;
  }
  state->changed.notify_all();
}

// Set on the threads of the pool of the server that runs them.
thread_local const void* t_pool_owner = nullptr;

class ServerImpl final : public HttpsServer {
 public:
  explicit ServerImpl(std::shared_ptr<ServerState> state)
      : state_(std::move(state)),
        ioc_(std::max(1, state_->options.threads)),
        acceptor_(net::make_strand(ioc_)) {}

  ~ServerImpl() override {
    stop(std::chrono::milliseconds(0));
    std::thread stopper;
    {
      std::lock_guard lock(stop_mutex_);
      stopper = std::move(stopper_);
    }
    if (stopper.joinable()) stopper.join();
  }

  Status listen() {
    const ServerOptions& o = state_->options;
    error_code ec;
    const auto address = net::ip::make_address(o.host, ec);
    if (ec) return Status::invalid_argument("sync.http_server.adresse_invalide", {{"hote", o.host}});
    const tcp::endpoint endpoint(address, o.port);
    const std::string where = o.host + ":" + std::to_string(o.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::io_error("sync.http_server.ecoute_impossible", {{"adresse", where}, {"detail", ec.message()}});
    }
    port_ = acceptor_.local_endpoint(ec).port();
    if (ec) {
      return Status::io_error("sync.http_server.ecoute_impossible", {{"adresse", where}, {"detail", ec.message()}});
    }
    return Status::ok_status();
  }

  void launch() {
    {
      std::lock_guard lock(state_->mutex);
      state_->listening = true;
    }
    net::co_spawn(acceptor_.get_executor(), listen_loop(state_, acceptor_, ioc_), [](std::exception_ptr) {});
    const int n = std::max(1, state_->options.threads);
    threads_.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this] {
        t_pool_owner = this;
        for (;;) {
          try {
            ioc_.run();
            return;
          } catch (const std::exception&) {
            // A handler threw past its session's edge; keep the thread serving.
          }
        }
      });
    }
  }

  std::uint16_t port() const override { return port_; }

  void stop(std::chrono::milliseconds grace) override {
    {
      std::unique_lock lock(stop_mutex_);
      if (stop_requested_) {
        // Already stopping; on a pool thread (a handler), waiting would never end.
        if (t_pool_owner != this) stopped_cv_.wait(lock, [&] { return stopped_; });
        return;
      }
      stop_requested_ = true;
      if (t_pool_owner == this) {
        // A pool thread cannot join the pool: another thread does the stopping.
        stopper_ = std::thread([this, grace] { stop_now(grace); });
        return;
      }
    }
    stop_now(grace);
  }

  void wait() override {
    std::unique_lock lock(stop_mutex_);
    stopped_cv_.wait(lock, [&] { return stopped_; });
  }

 private:
  void stop_now(std::chrono::milliseconds grace) {
    const auto deadline = Clock::now() + grace;
    {
      std::lock_guard lock(state_->mutex);
      state_->stopping = true;
      state_->stop_requested.store(true);
    }
    net::post(acceptor_.get_executor(), [this] {
      error_code ec;
      acceptor_.close(ec);
    });
    for (const auto& session : state_->live_sessions()) session->request_stop();
    if (!state_->wait_drained(deadline)) {
      for (const auto& session : state_->live_sessions()) session->force_close();
      static_cast<void>(state_->wait_drained(Clock::now() + kForcedCloseWait));
    }
    ioc_.stop();
    for (auto& t : threads_) t.join();
    {
      std::lock_guard lock(stop_mutex_);
      stopped_ = true;
    }
    stopped_cv_.notify_all();
  }

  const std::shared_ptr<ServerState> state_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;            // on its strand once the pool runs
  std::uint16_t port_ = 0;            // set by listen(), then constant
  std::vector<std::thread> threads_;  // started by launch(), joined by stop_now()

  std::mutex stop_mutex_;
  std::condition_variable stopped_cv_;
  bool stop_requested_ = false;  // guarded by stop_mutex_
  bool stopped_ = false;         // guarded by stop_mutex_
  std::thread stopper_;          // guarded by stop_mutex_; joined by the destructor
};

}  // namespace

Result<std::unique_ptr<HttpsServer>> HttpsServer::start(ServerOptions options, HttpHandler handler) {
  if (!handler) return core::fail(Status::invalid_argument("sync.http_server.sans_gestionnaire"));
  if (options.threads < 1) return core::fail(Status::invalid_argument("sync.http_server.sans_fil"));
  if (options.max_connections == 0 || options.max_unauthenticated == 0 || options.max_unauthenticated_per_address == 0)
    return core::fail(Status::invalid_argument("sync.http_server.max_connexions_nul"));
  auto state = std::make_shared<ServerState>(std::move(options), std::move(handler));
  for (const auto& balancer : state->options.proxy_protocol_from) {
    error_code ec;
    const auto address = net::ip::make_address(balancer, ec);
    if (ec) return core::fail(Status::invalid_argument("sync.http_server.adresse_invalide", {{"hote", balancer}}));
    state->proxy_protocol_from.push_back(address.to_string());
  }
  if (!state->options.plaintext) CARNET_RETURN_IF_ERROR_R(configure_server_tls(state->tls, state->options));
  auto server = std::make_unique<ServerImpl>(std::move(state));
  CARNET_RETURN_IF_ERROR_R(server->listen());
  server->launch();
  return std::unique_ptr<HttpsServer>(std::move(server));
}

}  // namespace carnet::sync
