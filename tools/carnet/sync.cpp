// The tablet's sync commands: enroll, sync, status, conflicts.
#include <signal.h>

#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include "core/message_json.hpp"
#include "core/report.hpp"
#include "storage/builtin_grids.hpp"
#include "storage/files.hpp"
#include "storage/grid_file.hpp"
#include "sync/enrollment_link.hpp"
#include "sync/tablet_sync.hpp"
#include "tools/carnet/node.hpp"
#include "tools/cli/signals.hpp"
#include "tools/carnet/conflicts.hpp"
#include "tools/carnet/node_sync.hpp"

namespace carnet::tool {
namespace {

using core::Json;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Installs the built-in grids and sets the node's identity, in one transaction.
Status initialise_node(storage::Replica& replica, const std::string& inspector, const std::string& name,
                       std::optional<core::Uuid> node_id) {
  std::vector<std::pair<std::shared_ptr<const core::Grid>, std::string_view>> grids;
  for (const auto& g : storage::builtin_grids()) {
    auto grid = storage::parse_grid(g.text, g.file_name);
    if (!grid) return grid.error();
    grids.emplace_back(*grid, g.text);
  }
  auto tx = storage::Transaction::begin(replica.db());
  if (!tx) return tx.error();
  CARNET_RETURN_IF_ERROR(replica.initialise(**tx, inspector, name, node_id));
  for (const auto& [grid, text] : grids) CARNET_RETURN_IF_ERROR(replica.install_grid(**tx, *grid, text));
  return (*tx)->commit();
}

std::string human_bytes(std::uint64_t n) {
  if (n < 10 * 1024) return std::to_string(n) + " o";
  if (n < 10 * 1024 * 1024) return std::to_string(n / 1024) + " Kio";
  return std::to_string(n / (1024 * 1024)) + " Mio";
}

Json report_json(const sync::SyncReport& r) {
  Json j = Json::object();
  j.set("pushed", r.pushed)
      .set("pulled", r.pulled)
      .set("requests", r.requests)
      .set("conflicts_lost", r.conflicts_lost)
      .set("quarantined", r.quarantined)
      .set("restamped", r.restamped)
      .set("repaired", r.repaired)
      .set("evicted", r.evicted)
      .set("blobs_uploaded", r.blobs_uploaded)
      .set("blobs_downloaded", r.blobs_downloaded)
      .set("bytes_sent", static_cast<std::int64_t>(r.bytes_sent))
      .set("bytes_received", static_cast<std::int64_t>(r.bytes_received));
  if (r.checksum_ok) j.set("checksum_ok", *r.checksum_ok);
  return j;
}

}  // namespace

int cmd_enroll(const cli::Args& args) {
  auto dir = cli::data_dir(args);
  // The three values, typed, or in the link the office shows as a QR code.
  std::optional<sync::EnrollmentLink> link;
  if (const auto text = args.option("--link")) {
    auto parsed = sync::parse_enrollment_link(*text);
    if (!parsed) return failed(parsed.error(), args);
    link = std::move(*parsed);
  }
  auto central = link ? Result<std::string>(link->central_url) : args.required_option("--central");
  auto code = link ? Result<std::string>(link->code) : args.required_option("--code");
  auto fingerprint = link ? Result<std::string>(link->ca_fingerprint) : args.required_option("--ca-fingerprint");
  for (const auto* r : {&dir, &central, &code, &fingerprint}) {
    if (!*r) return failed(r->error(), args);
  }
  if (const Status made = storage::create_directories_durably(*dir, 0700); !made.ok()) return failed(made, args);
  auto replica = open_replica(args, *dir, storage::Database::Mode::kCreate);
  if (!replica) return failed(replica.error(), args);
  const std::string device_name = args.option("--device-name").value_or("tablette");
  auto result = sync::enroll(**replica, *dir, *central, *code, *fingerprint, device_name,
                             [&](const std::string& id, const std::string& name, const core::Uuid& node_id) {
                               return initialise_node(**replica, id, name, node_id);
                             });
  if (!result) return failed(result.error(), args);
  auto node = (*replica)->node();
  if (!node) return failed(node.error(), args);
  if (args.json()) {
    cli::print_json(Json::object()
                        .set("device_id", node->node_id.to_string())
                        .set("inspector", result->inspector_id)
                        .set("name", result->inspector_name)
                        .set("certificate_expires", core::iso_timestamp(result->not_after * 1000)));
  } else {
    std::cout << "Tablette enrôlée pour " << result->inspector_name << " (" << result->inspector_id << "), appareil "
              << node->node_id.to_string() << ", certificat valable jusqu'au "
              << core::iso_timestamp(result->not_after * 1000) << "\n";
  }
  return 0;
}

int cmd_sync(const cli::Args& args) {
  auto replica = open_node(args);
  if (!replica) return failed(replica.error(), args);
  auto dir = cli::data_dir(args);
  sync::RenewalOptions renewal;
  if (const auto days = args.option("--renew-days")) {
    const bool digits = !days->empty() && days->size() <= 5 &&
                        days->find_first_not_of("0123456789") == std::string::npos;
    if (!digits) return failed(Status::invalid_argument("outils.sync.renew_days"), args);
    renewal.renew_before = std::chrono::hours(24) * std::stoi(*days);
  }
  sync::SyncOptions sync_options;
  sync_options.verify_checksum = args.flag("--verify");
  sync_options.blob_dir = *dir + "/blobs";
  const bool json = args.json();
  sync_options.progress = [json](const sync::SyncReport& r) {
    if (json) return;
    std::cerr << "\r↑ " << r.pushed << " changement(s)  ↓ " << r.pulled << " changement(s)  " << human_bytes(r.bytes_sent)
              << " envoyés, " << human_bytes(r.bytes_received) << " reçus" << std::flush;
  };
  NodeSync node_sync(**replica, *dir, renewal);
  if (!args.flag("--watch")) {
    SyncAttempt attempt = node_sync.run(sync_options);
    if (!json) std::cerr << "\n";
    if (!attempt.report) return failed(attempt.report.error(), args);
    const auto& report = attempt.report;
    if (attempt.renewal_error && !json) {
      std::cerr << "certificat non renouvelé, nouvel essai à la prochaine synchronisation : "
                << attempt.renewal_error->message() << "\n";
    }
    if (json) {
      Json j = report_json(*report);
      j.set("certificate_renewed", attempt.renewed);
      if (attempt.certificate) j.set("certificate_expires", core::iso_timestamp(attempt.certificate->not_after * 1000));
      if (attempt.renewal_error) j.set("renewal_error", attempt.renewal_error->message());
      cli::print_json(j);
    } else {
      if (attempt.renewed) {
        std::cout << "certificat de la tablette renouvelé, valable jusqu'au "
                  << core::iso_timestamp(attempt.certificate->not_after * 1000) << "\n";
      }
      std::cout << "synchronisation terminée en " << report->requests << " requête(s)";
      if (report->conflicts_lost) std::cout << ", " << report->conflicts_lost << " conflit(s) à revoir";
      if (report->quarantined) std::cout << ", " << report->quarantined << " changement(s) refusé(s) (voir carnet status)";
      if (report->repaired) std::cout << ", " << report->repaired << " réponse(s) reprise(s) du serveur central (copie réparée)";
      if (report->restamped) {
        std::cout << ", " << report->restamped
                  << " changement(s) réhorodaté(s) : l'horloge de la tablette était en avance, les réponses sont gardées";
      }
      if (report->evicted) std::cout << ", " << report->evicted << " dossier(s) retiré(s) de la tablette";
      if (report->blobs_uploaded) std::cout << ", " << report->blobs_uploaded << " pièce(s) jointe(s) envoyée(s)";
      if (report->blobs_downloaded) std::cout << ", " << report->blobs_downloaded << " pièce(s) jointe(s) reçue(s)";
      if (report->checksum_ok) std::cout << (*report->checksum_ok ? ", contenu vérifié" : ", CONTENU DIFFÉRENT du serveur central");
      std::cout << "\n";
    }
    // Something the central node refused is not "done": the inspector must look (carnet status).
    if (!report->checksum_ok.value_or(true)) return 6;
    return report->quarantined > 0 ? 4 : 0;
  }
  // --watch: sync when online, back off exponentially with jitter after an error, never
  // stall; stop on SIGINT/SIGTERM.
  const sigset_t stop = cli::block_stop_signals();
  SyncBackoff backoff;
  node_sync.verify_every(kVerifyEvery);
  while (true) {
    SyncAttempt attempt = node_sync.run(sync_options);
    if (attempt.report) {
      if (attempt.renewed && !json) std::cerr << "\ncertificat de la tablette renouvelé\n";
      if (!json) {
        std::cerr << "\n" << core::iso_timestamp(now_ms()) << " synchronisé";
        if (attempt.report->repaired) std::cerr << ", " << attempt.report->repaired << " réponse(s) reprise(s) du serveur central (copie réparée)";
        if (attempt.report->checksum_ok == false) std::cerr << ", CONTENU DIFFÉRENT du serveur central";
        std::cerr << "\n";
      }
    } else if (attempt.final) {
      return failed(attempt.report.error(), args);
    }
    const std::chrono::milliseconds wait = backoff.next(attempt.report.has_value());
    if (!attempt.report) {
      std::cerr << "\n" << core::iso_timestamp(now_ms()) << " hors ligne ou erreur : " << attempt.report.error().message()
                << " — nouvel essai dans " << wait.count() / 1000 << " s\n";
    }
    const timespec ts{static_cast<time_t>(wait.count() / 1000), static_cast<long>((wait.count() % 1000) * 1000000)};
    if (sigtimedwait(&stop, nullptr, &ts) > 0) return 0;
  }
}

int cmd_status(const cli::Args& args) {
  auto replica = open_node(args);
  if (!replica) return failed(replica.error(), args);
  auto node = (*replica)->node();
  auto pending = (*replica)->pending_count();
  auto last = (*replica)->last_sync_ms();
  auto conflicts = (*replica)->conflicts();
  auto quarantined = (*replica)->quarantined();
  auto central = (*replica)->setting("central_url");
  auto offset = (*replica)->setting("clock_offset_ms");
  auto lead = (*replica)->clock_lead_ms();
  auto evictions = (*replica)->evictions(false);
  // The device certificate, if the tablet is enrolled.
  std::optional<sync::CertificateInfo> certificate;
  if (auto dir = cli::data_dir(args)) {
    if (auto pem = storage::read_file(sync::DeviceFiles(*dir).certificate, 1 << 20)) {
      if (auto info = sync::inspect_certificate(*pem)) certificate = *info;
    }
  }
  if (!node || !pending || !last || !conflicts || !quarantined || !central || !offset || !lead || !evictions) {
    for (const Status& s : {node ? Status() : node.error(), pending ? Status() : pending.error(), last ? Status() : last.error(),
                            conflicts ? Status() : conflicts.error(), quarantined ? Status() : quarantined.error(),
                            central ? Status() : central.error(), offset ? Status() : offset.error(),
                            lead ? Status() : lead.error(), evictions ? Status() : evictions.error()}) {
      if (!s.ok()) return failed(s, args);
    }
    return failed(Status::internal("outils.sync.etat_illisible"), args);
  }
  if (args.json()) {
    Json q = Json::array();
    for (const auto& n : *quarantined) {
      q.push(Json::object()
                 .set("change_id", n.change_id.to_string())
                 .set("entity_type", n.entity_type)
                 .set("entity_id", n.entity_id)
                 .set("field", n.field)
                 .set("value", core::value_json(n.value))
                 .set("reason", n.reason)
                 .set("raison", n.reason_message ? core::message_json(*n.reason_message) : Json())
                 .set("at", core::iso_timestamp(n.at_ms)));
    }
    cli::print_json(Json::object()
                        .set("inspector", node->inspector_id)
                        .set("device_id", node->node_id.to_string())
                        .set("central", *central ? Json(**central) : Json())
                        .set("pending", *pending)
                        .set("last_sync", *last ? Json(core::iso_timestamp(**last)) : Json())
                        .set("clock_offset_ms", *offset ? Json(static_cast<std::int64_t>(std::stoll(**offset))) : Json())
                        .set("clock_lead_ms", *lead)
                        .set("certificate_expires",
                             certificate ? Json(core::iso_timestamp(certificate->not_after * 1000)) : Json())
                        .set("conflicts", conflicts->size())
                        .set("quarantined", std::move(q))
                        .set("evictions_waiting", evictions->size()));
    return 0;
  }
  std::cout << "Inspecteur : " << node->inspector_name << " (" << node->inspector_id << ")\n"
            << "Serveur central : " << (*central ? **central : "non enrôlée") << "\n"
            << "Changements en attente d'envoi : " << *pending << "\n"
            << "Dernière synchronisation : " << (*last ? core::iso_timestamp(**last) : "jamais") << "\n";
  if (*offset) std::cout << "Décalage d'horloge avec le serveur central : " << std::stoll(**offset) / 1000 << " s\n";
  if (*lead > storage::Replica::kClockMarginMs) {
    std::cout << "Horloge de Carnet en avance sur le serveur central : " << *lead / 60000
              << " min (les changements trop en avance sont réhorodatés à la synchronisation)\n";
  }
  if (certificate) {
    if (certificate->not_after <= now_ms() / 1000) {
      std::cout << "Certificat de la tablette : " << sync::certificate_expired(certificate->not_after).render() << "\n";
    } else {
      std::cout << "Certificat de la tablette valable jusqu'au " << core::iso_timestamp(certificate->not_after * 1000)
                << " (renouvelé automatiquement à la synchronisation)\n";
    }
  }
  std::cout << "Conflits à revoir : " << conflicts->size() << "\n";
  std::cout << "Changements refusés par le serveur central : " << quarantined->size() << "\n";
  for (const auto& n : *quarantined) {
    std::cout << "  " << n.entity_type << " " << n.entity_id << " " << n.field << " = " << n.value.display() << " : " << n.reason
              << "\n";
  }
  if (!evictions->empty()) std::cout << "Dossiers à retirer après envoi : " << evictions->size() << "\n";
  return 0;
}

int cmd_conflicts(const cli::Args& args) {
  auto replica = open_node(args);
  if (!replica) return failed(replica.error(), args);
  auto node = (*replica)->node();
  if (!node) return failed(node.error(), args);
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "list";
  if (sub == "list") {
    auto all = (*replica)->conflicts();
    if (!all) return failed(all.error(), args);
    Json arr = Json::array();
    for (const auto& c : *all) {
      const ConflictSides s = sides_of(c, node->inspector_id);
      if (args.json()) {
        arr.push(Json::object()
                     .set("id", c.id)
                     .set("dossier", c.scope)
                     .set("entity_type", c.entity_type)
                     .set("entity_id", c.entity_id)
                     .set("field", c.field)
                     .set("mine", core::value_json(*s.mine))
                     .set("theirs", core::value_json(*s.theirs))
                     .set("who", s.their_author)
                     .set("when", core::iso_timestamp(s.their_ms))
                     .set("kept", s.kept_mine ? "mine" : "theirs"));
      } else {
        std::cout << c.id << "  " << core::field_label(nullptr, c.field) << " : moi «"
                  << core::conflict_value_text(c.field, *s.mine) << "», " << s.their_author << " «"
                  << core::conflict_value_text(c.field, *s.theirs) << "» (" << core::iso_timestamp(s.their_ms) << ") — retenu : "
                  << (s.kept_mine ? "le mien" : "le sien") << "\n";
      }
    }
    if (args.json()) cli::print_json(arr);
    return 0;
  }
  if (sub == "resolve") {
    auto id = args.required(2, "outils.args.quoi_id_conflit");
    if (!id) return failed(id.error(), args);
    const auto keep = args.option("--keep");
    if (keep != "mine" && keep != "theirs") return failed(Status::invalid_argument("outils.sync.keep"), args);
    auto value = resolve_conflict(**replica, *id, keep == "mine");
    if (!value) return failed(value.error(), args);
    if (args.json()) cli::print_json(Json::object().set("id", *id).set("value", core::value_json(*value)));
    else std::cout << "conflit résolu : «" << value->display() << "» (envoyé à la prochaine synchronisation)\n";
    return 0;
  }
  return failed(Status::invalid_argument("outils.sync.usage_conflicts"), args);
}

}  // namespace carnet::tool
