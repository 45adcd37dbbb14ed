// Raw sockets and a raw OpenSSL client, for what HttpsClient would never do: slow clients,
// old protocol versions, odd cipher lists.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace carnet::testing {

using namespace std::chrono_literals;

class Socket {
 public:
  // `from`: the loopback address to connect from ("127.0.0.2", ...); null: the system's choice.
  explicit Socket(std::uint16_t port, const char* from = nullptr) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (from != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, from, &local.sin_addr);
      if (::bind(fd_, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
        throw std::runtime_error("bind failed");
      }
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

  bool send(std::string_view bytes) const {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // True once the peer has closed the connection (EOF or reset) within `wait`; data that
  // arrives meanwhile is read and dropped.
  bool closed_within(std::chrono::milliseconds wait) const {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left < 0ms) return false;  // a wait shorter than 1 ms still looks once
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0) return true;
    }
  }

 private:
  int fd_;
};

// A TLS client over a raw socket with settings HttpsClient would refuse to use.
class RawTls {
 public:
  // `from`: as Socket's; `first`: bytes sent in clear before the handshake (a PROXY header).
  RawTls(std::uint16_t port, int max_version, const char* ciphers, bool low_security = false,
         const char* from = nullptr, std::string_view first = {})
      : socket_(port, from), ctx_(SSL_CTX_new(TLS_client_method())) {
    // OpenSSL writes with write(2): a server that already closed must not kill the test
    // with SIGPIPE (the write fails with EPIPE instead).
    static const bool sigpipe_ignored = (::signal(SIGPIPE, SIG_IGN), true);
    static_cast<void>(sigpipe_ignored);
    if (!first.empty()) socket_.send(first);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    if (low_security) SSL_CTX_set_security_level(ctx_, 0);
    SSL_CTX_ctrl(ctx_, SSL_CTRL_SET_MIN_PROTO_VERSION, 0, nullptr);
    SSL_CTX_ctrl(ctx_, SSL_CTRL_SET_MAX_PROTO_VERSION, max_version, nullptr);
    if (ciphers != nullptr) SSL_CTX_set_cipher_list(ctx_, ciphers);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, socket_.fd());
  }
  ~RawTls() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  RawTls(const RawTls&) = delete;
  RawTls& operator=(const RawTls&) = delete;

  // Runs the handshake; on failure, the OpenSSL reason of the last error.
  bool handshake(int* reason = nullptr) {
    ERR_clear_error();
    if (SSL_connect(ssl_) == 1) return true;
    if (reason != nullptr) *reason = ERR_GET_REASON(ERR_peek_last_error());
    return false;
  }
  bool write(std::string_view bytes) { return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) > 0; }
  // Reads until `expected` has arrived (true) or the connection ends or stalls for 2 s.
  bool read_until(std::string_view expected) {
    timeval timeout{2, 0};
    ::setsockopt(socket_.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    while (received_.find(expected) == std::string::npos) {
      char buf[4096];
      const int n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) return false;
      received_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  int version() const { return SSL_version(ssl_); }
  const std::string& received() const { return received_; }
  const Socket& socket() const { return socket_; }

 private:
  Socket socket_;
  SSL_CTX* ctx_;
  SSL* ssl_ = nullptr;
  std::string received_;
};

}  // namespace carnet::testing
