// ConnectionRegistry: the HTTPS server's live connections, and its caps on those without a
// device certificate (ServerOptions::max_unauthenticated and _per_address). A connection is
// unauthenticated from its accept until its TLS handshake gives a device certificate (for
// ever, on a plaintext server). A new one over either cap evicts the oldest unauthenticated
// connection (of its address, for the second cap), so that a flood of slow strangers delays a
// device's handshake by one eviction rather than keeping it out. A connection from a trusted
// load balancer counts for no address until its PROXY header names the client (readdress).
//
// Thread safety: none; the server calls it under its own mutex. The evicted connections it
// returns are to be closed once that mutex is released (closing may end them, and a
// connection's end takes the mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace carnet::sync {

// What the server needs of a connection, whatever its stream.
class SessionControl {
 public:
  virtual ~SessionControl() = default;
  virtual void request_stop() = 0;
  virtual void force_close() = 0;
};

class ConnectionRegistry {
 public:
  using Evicted = std::vector<std::shared_ptr<SessionControl>>;

  ConnectionRegistry(std::size_t max_unauthenticated, std::size_t max_unauthenticated_per_address)
      : max_unauthenticated_(max_unauthenticated), max_per_address_(max_unauthenticated_per_address) {}

  std::size_t size() const { return sessions_.size(); }
  bool empty() const { return sessions_.empty(); }

  // Registers a new, unauthenticated connection from `address` (empty: a trusted balancer's,
  // whose client is not known yet).
  Evicted admit(const std::shared_ptr<SessionControl>& session, const std::string& address);
  // The PROXY header named the connection's client: it counts for `address` from now on.
  Evicted readdress(const SessionControl* session, const std::string& address);
  // The handshake gave a device certificate: the connection no longer counts against the caps.
  void authenticated(const SessionControl* session);
  // The connection has ended.
  void remove(const SessionControl* session);
  // The connections still alive.
  std::vector<std::shared_ptr<SessionControl>> live() const;

 private:
  struct Entry {
    std::weak_ptr<SessionControl> session;
    std::string address;
    std::uint64_t order = 0;      // accept order
    bool unauthenticated = true;  // counted against the caps
  };

  // Counts `entry` as unauthenticated, first evicting to keep its address within its cap.
  void count(const SessionControl* session, Entry& entry, Evicted& evicted);
  // The oldest unauthenticated connection (of `address`, if given) no longer counts and goes
  // to `evicted`.
  void evict_oldest_of(const std::optional<std::string>& address, Evicted& evicted);
  void uncount(const SessionControl* session);

  const std::size_t max_unauthenticated_;
  const std::size_t max_per_address_;
  std::unordered_map<const SessionControl*, Entry> sessions_;
  std::map<std::uint64_t, const SessionControl*> unauthenticated_;  // by accept order
  std::unordered_map<std::string, std::size_t> unauthenticated_by_address_;
  std::uint64_t accepted_ = 0;
};

}  // namespace carnet::sync
