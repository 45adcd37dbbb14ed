// conflicts, quarantine: what the office resolves and reviews.

#include <iostream>

#include "core/report.hpp"
#include "tools/central/node.hpp"
#include "tools/central/office_actions.hpp"

namespace carnet::central {

using core::Json;

int cmd_conflicts(const cli::Args& args, storage::Central& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "list";
  if (sub == "list") {
    auto all = store.conflicts.list(!args.flag("--all"));
    if (!all) return failed(all.error(), args);
    Json arr = Json::array();
    for (const auto& c : *all) {
      if (args.json()) {
        arr.push(conflict_json(c));
      } else {
        std::cout << c.record.id << "\t" << c.status << "\t" << c.record.scope << "\t" << c.record.field << "\t«"
                  << core::conflict_value_text(c.record.field, c.record.winner_value) << "» (" << c.record.winner_author
                  << ") contre «" << core::conflict_value_text(c.record.field, c.record.loser_value) << "» ("
                  << c.record.loser_author << ")\n";
      }
    }
    if (args.json()) cli::print_json(arr);
    return 0;
  }
  auto id = args.required(2, "outils.args.quoi_id_conflit");
  if (!id) return failed(id.error(), args);
  auto c = store.conflicts.find(*id);
  if (!c) return failed(c.error(), args);
  if (!*c) return failed(Status::not_found("outils.conflicts.conflit_inconnu", {{"id", *id}}), args);
  if (sub == "show") {
    if (args.json()) {
      cli::print_json(conflict_json(**c));
    } else {
      const auto& r = (*c)->record;
      std::cout << "Conflit " << r.id << " (" << (*c)->status << ")\n  dossier " << r.scope << ", " << r.entity_type << " "
                << r.entity_id << ", champ " << r.field << "\n  retenu : «" << core::conflict_value_text(r.field, r.winner_value) << "» par "
                << r.winner_author << " le " << core::iso_timestamp(r.winner_version.hlc.physical_ms()) << "\n  écarté : «"
                << core::conflict_value_text(r.field, r.loser_value) << "» par " << r.loser_author << " le "
                << core::iso_timestamp(r.loser_version.hlc.physical_ms()) << "\n";
    }
    return 0;
  }
  if (sub == "resolve") {
    core::Value value;
    const auto keep = args.option("--keep");
    if (keep == "winner") {
      value = (*c)->record.winner_value;
    } else if (keep == "loser") {
      value = (*c)->record.loser_value;
    } else if (auto v = args.option("--value")) {
      // The value is typed like the winner's (the field's type).
      const core::Value& like = (*c)->record.winner_value.is_null() ? (*c)->record.loser_value : (*c)->record.winner_value;
      switch (like.kind()) {
        case core::ValueKind::kNumber: {
          auto n = core::Number::parse(*v);
          if (!n) return failed(n.error(), args);
          value = core::Value::number(*n);
          break;
        }
        case core::ValueKind::kDate: {
          auto d = core::Date::parse(*v);
          if (!d) return failed(d.error(), args);
          value = core::Value::date(*d);
          break;
        }
        case core::ValueKind::kBool: value = core::Value::boolean(*v == "oui" || *v == "true" || *v == "1"); break;
        default: value = core::Value::text(*v);
      }
    } else {
      return failed(Status::invalid_argument("outils.main.keep"), args);
    }
    if (auto s = store.conflicts.resolve(*id, value, "bureau"); !s.ok()) return failed(s, args);
    if (args.json()) cli::print_json(Json::object().set("id", *id).set("value", core::value_json(value)));
    else std::cout << "conflit résolu : «" << value.display() << "»\n";
    return 0;
  }
  return failed(Status::invalid_argument("outils.main.usage_conflicts"), args);
}

int cmd_quarantine(const cli::Args& args, storage::Central& store) {
  const std::string sub = args.positional().size() > 1 ? args.positional()[1] : "list";

  if (sub == "list") {
    auto all = store.conflicts.quarantine(!args.flag("--all"));
    if (!all) return failed(all.error(), args);
    Json arr = Json::array();
    for (const auto& q : *all) {
      if (args.json()) arr.push(quarantine_json(q));
      else std::cout << q.id << "\t" << q.inspector_id << "\t" << q.change.scope << "\t" << q.change.field << "\t" << q.reason
                     << (q.open() ? "" : "\t" + q.review) << "\n";
    }
    if (args.json()) cli::print_json(arr);
    else if (all->empty()) std::cout << (args.flag("--all") ? "aucun changement en quarantaine\n" : "aucun changement à examiner\n");
    return 0;
  }
  if (sub == "review") {
    if (auto s = args.no_more_than(3); !s.ok()) return failed(s, args);
    auto id = positive(args.required(2, "outils.args.quoi_id").value_or(""), 0, 2000000000, "outils.args.quoi_id");
    if (!id) return failed(id.error(), args);
    auto decision_name = args.required_option("--decision");
    if (!decision_name) return failed(decision_name.error(), args);
    const auto decision = storage::parse_quarantine_decision(*decision_name);
    if (!decision) return failed(Status::invalid_argument("outils.main.decision"), args);
    if (auto s = store.conflicts.review_quarantine(*id, *decision, office_actor()); !s.ok()) return failed(s, args);
    auto q = store.conflicts.quarantined(*id);
    if (!q) return failed(q.error(), args);
    if (args.json()) cli::print_json(quarantine_json(**q));
    else if (*decision == storage::QuarantineDecision::kApply) std::cout << "changement n° " << *id << " appliqué par le bureau : les tablettes le recevront\n";
    else std::cout << "changement n° " << *id << " rejeté : il reste conservé, jamais appliqué\n";
    return 0;
  }
  if (sub == "show") {
    auto id = positive(args.required(2, "outils.args.quoi_id").value_or(""), 0, 2000000000, "outils.args.quoi_id");
    if (!id) return failed(id.error(), args);
    auto q = store.conflicts.quarantined(*id);
    if (!q) return failed(q.error(), args);
    if (!*q) return failed(Status::not_found("outils.office_app.quarantaine_inconnue", {{"id", *id}}), args);
    cli::print_json(quarantine_json(**q));
    return 0;
  }
  return failed(Status::invalid_argument("outils.main.usage_quarantine"), args);
}

}  // namespace carnet::central
