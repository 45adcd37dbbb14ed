// user, audit: the office app's accounts and the audit log.

#include <iostream>

#include "core/text.hpp"
#include "storage/password.hpp"
#include "tools/central/node.hpp"
#include "tools/central/office_actions.hpp"
#include "tools/central/office_auth.hpp"
#include "tools/cli/secret.hpp"

namespace carnet::central {

using core::Json;

// user add NAME --role admin|office [--password-file FILE] | list | disable NAME | remove NAME
// | blocks | unblock NAME [--address ADDRESS]: the office app's staff accounts, and the refused
// logins that make them wait (tools/central/office_auth.hpp). The password is hashed here
// (storage/password.hpp); the store never sees it.
namespace {

// The refused logins still remembered, and the wait each imposes now.
int user_blocks(const cli::Args& args, storage::Central& store) {
  const std::int64_t now = now_ms();
  auto rows = store.staff.all_login_failures(now);
  if (!rows) return failed(rows.error(), args);
  Json arr = Json::array();
  for (const auto& r : *rows) {
    const std::int64_t until = r.last_ms + login_wait_ms(r, OfficeAuthOptions{});
    const bool waiting = until > now;
    if (args.json()) {
      arr.push(Json::object()
                   .set("name", r.name)
                   .set("address", r.address)
                   .set("failures", r.failures)
                   .set("last", core::iso_timestamp(r.last_ms))
                   .set("wait_until", waiting ? Json(core::iso_timestamp(until)) : Json()));
    } else {
      const std::string who = r.name == storage::kAnyName ? std::string("(tous les noms)")
                              : r.name.starts_with("#")      ? "(nom inconnu " + r.name + ")"
                                                             : r.name;
      std::cout << who << "\t" << r.address << "\t"
                << r.failures << " refus, le dernier le " << core::iso_timestamp(r.last_ms)
                << (waiting ? "\tattente jusqu'au " + core::iso_timestamp(until) : std::string()) << "\n";
    }
  }
  if (args.json()) cli::print_json(arr);
  else if (rows->empty()) std::cout << "aucun refus de connexion en mémoire\n";
  return 0;
}

}  // namespace

int cmd_user(const cli::Args& args, storage::Central& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "list";
  if (sub == "add") {
    if (auto s = args.no_more_than(3); !s.ok()) return failed(s, args);
    auto name = args.required(2, "outils.args.quoi_nom_utilisateur");
    if (!name) return failed(name.error(), args);
    auto role = args.required_option("--role");
    if (!role) return failed(role.error(), args);
    if (*role != storage::kStaffRoleAdmin && *role != storage::kStaffRoleOffice) {
      return failed(Status::invalid_argument("outils.main.role"), args);
    }
    auto existing = store.staff.user(*name);
    if (!existing) return failed(existing.error(), args);
    if (*existing) return failed(Status::already_exists("outils.main.utilisateur_existe", {{"nom", *name}}), args);
    auto password = cli::new_password(args);
    if (!password) return failed(password.error(), args);
    auto hash = storage::hash_password(password->value);
    if (!hash) return failed(hash.error(), args);
    if (auto s = store.staff.add_user({*name, *role, *hash, 0, std::nullopt}); !s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("name", *name).set("role", *role));
    else std::cout << "utilisateur " << *name << " ajouté (rôle " << *role << ")\n";
    return 0;
  }
  if (sub == "list") {
    auto all = store.staff.users();
    if (!all) return failed(all.error(), args);
    Json arr = Json::array();
    for (const auto& u : *all) {
      if (args.json()) {
        arr.push(Json::object()
                     .set("name", u.name)
                     .set("role", u.role)
                     .set("created", core::iso_timestamp(u.created_ms))
                     .set("disabled", u.disabled_ms ? Json(core::iso_timestamp(*u.disabled_ms)) : Json()));
      } else {
        std::cout << u.name << "\t" << u.role << "\tcréé le " << core::iso_timestamp(u.created_ms)
                  << (u.disabled() ? "\tdésactivé" : "") << "\n";
      }
    }
    if (args.json()) cli::print_json(arr);
    else if (all->empty()) std::cout << "aucun utilisateur\n";
    return 0;
  }
  if (sub == "disable" || sub == "remove") {
    if (auto s = args.no_more_than(3); !s.ok()) return failed(s, args);
    auto name = args.required(2, "outils.args.quoi_nom_utilisateur");
    if (!name) return failed(name.error(), args);
    const Status s = sub == "disable" ? store.staff.disable_user(*name) : store.staff.remove_user(*name);
    if (!s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("name", *name).set(sub == "disable" ? "disabled" : "removed", true));
    else std::cout << "utilisateur " << *name << (sub == "disable" ? " désactivé" : " supprimé") << " : ses sessions sont fermées\n";
    return 0;
  }
  if (sub == "blocks") return user_blocks(args, store);
  if (sub == "unblock") {
    if (auto s = args.no_more_than(3); !s.ok()) return failed(s, args);
    auto name = args.required(2, "outils.args.quoi_nom_utilisateur");
    if (!name) return failed(name.error(), args);
    const auto address = args.option("--address");
    auto cleared = store.staff.clear_login_failures(*name, address ? std::optional<std::string_view>(*address) : std::nullopt);
    if (!cleared) return failed(cleared.error(), args);
    if (args.json()) cli::print_json(Json::object().set("name", *name).set("cleared", *cleared));
    else std::cout << "refus de connexion effacés pour " << *name << " : " << *cleared << " ligne(s)\n";
    return 0;
  }
  return failed(Status::invalid_argument("outils.main.usage_user"), args);
}

int cmd_audit(const cli::Args& args, storage::Central& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "list";
  if (sub == "list") {
    auto limit = positive(args.option("--limit"), 0, 100000000, "outils.main.quoi_limit");
    if (!limit) return failed(limit.error(), args);
    auto entries = store.audit.entries(static_cast<std::size_t>(*limit));
    if (!entries) return failed(entries.error(), args);
    Json arr = Json::array();
    for (const auto& e : *entries) {
      if (args.json()) arr.push(audit_entry_json(e));
      else std::cout << e.seq << "\t" << core::iso_timestamp(e.time_ms) << "\t" << e.kind << "\t" << e.actor << "\t" << e.subject << "\t" << e.detail << "\n";
    }
    if (args.json()) cli::print_json(arr);
    return 0;
  }
  if (sub == "verify") {
    // --head N:HASH, as printed by an earlier verify.
    std::optional<std::pair<std::uint64_t, std::string>> noted;
    if (auto head = args.option("--head")) {
      const auto colon = head->find(':');
      const std::string count = head->substr(0, colon);
      const std::string hash = colon == std::string::npos ? "" : head->substr(colon + 1);
      if (count.empty() || count.size() > 18 || count.find_first_not_of("0123456789") != std::string::npos ||
          !core::is_sha256_hex(hash)) {
        return failed(Status::invalid_argument("outils.main.head"), args);
      }
      noted.emplace(std::stoull(count), hash);
    }
    auto check = store.audit.verify(noted);
    if (!check) return failed(check.error(), args);
    if (!check->ok) {
      if (check->first_bad == 0)
        return failed(Status::corruption("outils.main.audit_altere", {{"detail", std::vector<core::Message>{*check->problem}}}), args);
      return failed(Status::corruption("outils.main.audit_altere_entree",
                                       {{"detail", std::vector<core::Message>{*check->problem}}, {"entree", check->first_bad}}),
                    args);
    }
    if (args.json()) {
      cli::print_json(Json::object()
                          .set("ok", true)
                          .set("entries", static_cast<std::int64_t>(check->count))
                          .set("head", std::to_string(check->count) + ":" + check->head_hash));
    } else {
      std::cout << "journal d'audit intègre : " << check->count << " entrée(s)\ntête : " << check->count << ":" << check->head_hash
                << "\n(noter cette tête hors du serveur : « audit verify --head " << check->count << ":… » révélera plus tard un journal\n"
                << " réécrit, ou tronqué avec sa tête, depuis ce jour)\n";
    }
    return 0;
  }
  return failed(Status::invalid_argument("outils.main.usage_audit"), args);
}

}  // namespace carnet::central
