// Dossier: an approved service (shelter, SIS, CPAS) as the tablet knows it.
//
// Import format (carnet dossier import FILE, and the central node's dossier import): a JSON
// array of objects; see docs/dossiers.md.
//   { "id": "ma-0042",            required, [A-Za-z0-9._:-]{1,64}
//     "kind": "maison-accueil",   required, the key of the grid used to inspect it
//     "name": "…",                required, at most 200 bytes
//     "reference": "RW/AHA/123",  required, the approval number, at most 64 bytes
//     "holder": "ASBL …",         optional, the organising body
//     "address": "…",             optional
//     "capacity": 30,             optional, approved places, integer 0..100000
//     "subsidised_places": 25,    optional, integer 0..100000
//     "last_visit": "2023-05-10", optional, date of the last inspection visit
//     "recommendations": ["…"] }  optional, remarks and recommendations of that visit
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/json.hpp"
#include "core/status.hpp"

namespace carnet::core {

struct Dossier {
  std::string id;
  std::string kind;
  std::string name;
  std::string reference;
  std::string holder;
  std::string address;
  std::optional<std::int64_t> capacity;
  std::optional<std::int64_t> subsidised_places;
  std::optional<Date> last_visit;
  std::vector<std::string> recommendations;
};

// Validates an import document. Errors are kInvalidArgument naming the dossier (its index
// and id) and the field; at most 10 000 dossiers and 100 recommendations each.
Result<std::vector<Dossier>> dossiers_from_json(const Json& doc);
Json dossier_to_json(const Dossier& d);
// True for a valid dossier id.
bool valid_dossier_id(std::string_view id);

}  // namespace carnet::core
