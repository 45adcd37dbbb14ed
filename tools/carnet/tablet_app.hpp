// TabletApp: the inspector's web app (`carnet serve`) — its assets and its local JSON API
// over the node's replica. The API (paths under /api/):
//
//   GET  etat                          node, pending changes, last sync, background sync state
//   POST synchroniser                  asks the background sync to run now
//   GET  dossiers                      assigned dossiers, each with its inspections
//   POST inspections {dossier, date?}  starts an inspection → {id}
//   GET  inspections/ID                the inspection: report JSON (values, computed values,
//                                      relevance, findings, from the core engine), the form
//                                      (grid and canvas fields), field values, table rows
//   PUT  inspections/ID {set:{KEY: TEXT…}, effacer:[KEY…]}   saves answers and clears the
//                                      ones named in "effacer", all or nothing; a blank TEXT is
//                                      refused (clearing is only by "effacer") → the inspection
//   POST inspections/ID/supprimer-ligne {table, position}  → the inspection
//   POST inspections/ID/photo?cle=KEY  body: the image → the inspection, with "photo": SHA
//   POST inspections/ID/cloturer | signer                  → the inspection
//   GET  inspections/ID/rapport        the report page (HTML) for preview and printing
//   GET  pieces/SHA                    an attachment's bytes
//   GET  conflits                      conflicts of this inspector, mine / theirs / who / when
//   POST conflits/ID {garder: "mine"|"theirs"}
//
// Every write is one transaction on the replica, committed with synchronous=FULL before the
// answer goes back: what the page shows as saved survives a power cut. Errors are French
// JSON answers (tools/web/web_http.hpp). Every request first passes the LocalGuard.
//
// Thread safety: handle() may be called from several threads; one mutex serialises the use
// of the replica connection. The background sync runs on its own connection and reports
// through SyncMonitor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "storage/replica.hpp"
#include "tools/carnet/local_guard.hpp"

namespace carnet::tool {

using core::Result;
using core::Status;

// What the background sync is doing, as the sync indicator shows it.
struct SyncState {
  enum class Phase { kNotEnrolled, kIdle, kRunning, kOffline, kError, kBlocked };
  Phase phase = Phase::kIdle;
  Status error;                      // for kOffline / kError / kBlocked
  std::int64_t last_attempt_ms = 0;  // 0: none yet
  std::size_t repaired = 0;          // fields taken again from the central node since the start (checksums differed)
};

// Shared by the app (which reads the state and asks for a sync) and the sync thread (which
// writes it and waits for requests). Thread safe.
class SyncMonitor {
 public:
  void set(SyncState state);
  SyncState get() const;
  void request();  // wakes the sync thread
  void stop();
  // Waits up to `timeout` for a request or stop(); returns false once stopped.
  bool wait(std::chrono::milliseconds timeout);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  SyncState state_;        // guarded by mu_
  bool requested_ = false;  // guarded by mu_
  bool stopped_ = false;    // guarded by mu_
};

class TabletApp {
 public:
  TabletApp(storage::Replica& replica, std::string data_dir, LocalGuard guard, SyncMonitor& monitor);

  web::HttpResponse handle(const web::HttpRequest& request);
  // The body a request to the local API may send (ServerOptions::body_limit): a photo
  // kPhotoBodyBytes (one at the attachment limit), anything else kFormBodyBytes.
  static constexpr std::size_t kPhotoBodyBytes = (32u << 20) + 4096;
  static constexpr std::size_t kFormBodyBytes = 1u << 20;
  static std::size_t body_limit(const sync::RequestHead& head);

 private:
  web::HttpResponse api(const web::HttpRequest& request, const web::Target& target);
  web::HttpResponse inspection_api(const web::HttpRequest& request, const web::Target& target);
  Result<core::Json> inspection_json(std::string_view id);
  core::Json state_json();
  Result<core::Json> dossiers_json();
  Result<core::Json> conflicts_json();

  storage::Replica& replica_;  // guarded by mu_
  const std::string dir_;
  const LocalGuard guard_;
  SyncMonitor& monitor_;
  const std::string report_style_hash_;
  std::mutex mu_;
};

}  // namespace carnet::tool
