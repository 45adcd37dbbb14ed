#include "sync/connection_registry.hpp"

namespace carnet::sync {

ConnectionRegistry::Evicted ConnectionRegistry::admit(const std::shared_ptr<SessionControl>& session,
                                                      const std::string& address) {
  Evicted evicted;
  while (!unauthenticated_.empty() && unauthenticated_.size() >= max_unauthenticated_) {
    evict_oldest_of(std::nullopt, evicted);
  }
  auto [it, inserted] = sessions_.emplace(session.get(), Entry{session, address, ++accepted_, false});
  if (inserted) count(session.get(), it->second, evicted);
  return evicted;
}

ConnectionRegistry::Evicted ConnectionRegistry::readdress(const SessionControl* session, const std::string& address) {
  Evicted evicted;
  auto it = sessions_.find(session);
  if (address.empty() || it == sessions_.end() || !it->second.unauthenticated || it->second.address == address) {
    return evicted;
  }
  uncount(session);
  it->second.address = address;
  count(session, it->second, evicted);
  return evicted;
}

void ConnectionRegistry::authenticated(const SessionControl* session) { uncount(session); }

void ConnectionRegistry::remove(const SessionControl* session) {
  uncount(session);
  sessions_.erase(session);
}

std::vector<std::shared_ptr<SessionControl>> ConnectionRegistry::live() const {
  std::vector<std::shared_ptr<SessionControl>> out;
  out.reserve(sessions_.size());
  for (const auto& [key, entry] : sessions_) {
    if (auto s = entry.session.lock()) out.push_back(std::move(s));
  }
  return out;
}

void ConnectionRegistry::count(const SessionControl* session, Entry& entry, Evicted& evicted) {
  // An empty address (a balancer's connection before its header) has no cap of its own.
  while (!entry.address.empty() && unauthenticated_by_address_[entry.address] >= max_per_address_) {
    evict_oldest_of(entry.address, evicted);
  }
  entry.unauthenticated = true;
  unauthenticated_.emplace(entry.order, session);
  ++unauthenticated_by_address_[entry.address];
}

void ConnectionRegistry::evict_oldest_of(const std::optional<std::string>& address, Evicted& evicted) {
  for (const auto& [order, s] : unauthenticated_) {
    const Entry& entry = sessions_.at(s);
    if (address && entry.address != *address) continue;
    if (auto live = entry.session.lock()) evicted.push_back(std::move(live));
    uncount(s);
    return;
  }
}

void ConnectionRegistry::uncount(const SessionControl* session) {
  auto it = sessions_.find(session);
  if (it == sessions_.end() || !it->second.unauthenticated) return;
  it->second.unauthenticated = false;
  unauthenticated_.erase(it->second.order);
  auto n = unauthenticated_by_address_.find(it->second.address);
  if (--n->second == 0) unauthenticated_by_address_.erase(n);
}

}  // namespace carnet::sync
