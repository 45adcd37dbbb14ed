// Fuzzes the sync codec and the validation the central node applies to pushed changes.
//
// Input: the body of a POST /v1/sync (a v1::SyncRequest, protobuf binary). Its push batch
// goes through decode_batch(); every change that decodes is checked with
// core::check_change() against the built-in grid it names (the first grid if it names none
// that is known), with the row's table taken from the batch as the central store takes it
// from its own rows. Properties: nothing crashes, and a batch that decodes re-encodes to a
// batch that decodes to the same changes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "carnet/v1/sync.pb.h"
#include "core/validation.hpp"
#include "storage/builtin_grids.hpp"
#include "storage/grid_file.hpp"
#include "sync/codec_wire.hpp"

namespace {

using carnet::core::Grid;

struct Grids {
  std::map<std::pair<std::string, int>, std::shared_ptr<const Grid>> by_ref;
  std::shared_ptr<const Grid> fallback;
};

const Grids& grids() {
  static const Grids kGrids = [] {
    Grids g;
    for (const auto& b : carnet::storage::builtin_grids()) {
      auto grid = carnet::storage::parse_grid(b.text, b.file_name);
      if (!grid) std::abort();  // the built-in grids compile (tests/grids check it)
      if (!g.fallback) g.fallback = *grid;
      g.by_ref[{(*grid)->key(), (*grid)->version()}] = *grid;
    }
    return g;
  }();
  return kGrids;
}

bool same(const carnet::core::Change& a, const carnet::core::Change& b) {
  return a.id == b.id && a.entity_type == b.entity_type && a.entity_id == b.entity_id && a.parent == b.parent &&
         a.scope == b.scope && a.field == b.field && a.value == b.value && a.version == b.version &&
         a.base == b.base && a.grid_key == b.grid_key &&
         // A version without a grid key means nothing (the central node refuses such a
         // change); the encoder writes no grid for it.
         (a.grid_key.empty() || a.grid_version == b.grid_version);
}

std::string show(const carnet::sync::SequencedChange& sc) {
  const auto& c = sc.change;
  return c.id.to_string() + " " + c.entity_type + "/" + c.entity_id + " parent=" + c.parent + " scope=" + c.scope +
         " " + c.field + "=" + (c.value.is_null() ? "null" : c.value.encode()) + " v=" +
         std::to_string(c.version.hlc.value) + "@" + c.version.node.to_string() + " base=" +
         std::to_string(c.base.hlc.value) + "@" + c.base.node.to_string() + " grid=" + c.grid_key + "/" +
         std::to_string(c.grid_version) + " seq=" + std::to_string(sc.seq);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);  // invalid UTF-8 in strings is logged, not an error here
  static_cast<void>(grids());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  carnet::v1::SyncRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  auto decoded = carnet::sync::decode_batch(request.push());
  if (!decoded) return 0;

  // The table of each row, as the batch sets it (the central store reads it from its rows).
  std::map<std::string, std::string> row_tables;
  // Whether every entity has one parent and one scope: the encoder interns entities by
  // (type, id), so only then does a round trip keep every change as it was.
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> places;
  bool consistent = true;
  for (const auto& sc : *decoded) {
    const auto& c = sc.change;
    if (c.entity_type == carnet::core::entity::kRow && c.field == carnet::core::row_field::kTable &&
        c.value.kind() == carnet::core::ValueKind::kText) {
      row_tables[c.entity_id] = c.value.as_text();
    }
    auto [it, inserted] = places.try_emplace({c.entity_type, c.entity_id}, c.parent, c.scope);
    if (!inserted && it->second != std::pair(c.parent, c.scope)) consistent = false;
  }
  for (const auto& sc : *decoded) {
    const auto& c = sc.change;
    auto it = grids().by_ref.find({c.grid_key, c.grid_version});
    const Grid& grid = it != grids().by_ref.end() ? *it->second : *grids().fallback;
    auto table = row_tables.find(c.entity_id);
    const std::string row_table = table == row_tables.end() ? std::string() : table->second;
    carnet::core::check_change(c, grid, row_table).ignore();
  }

  if (!consistent) return 0;
  const carnet::v1::ChangeBatch again = carnet::sync::encode_batch(*decoded);
  auto redecoded = carnet::sync::decode_batch(again);
  if (!redecoded || redecoded->size() != decoded->size()) std::abort();
  for (std::size_t i = 0; i < decoded->size(); ++i) {
    if (!same((*decoded)[i].change, (*redecoded)[i].change) || (*decoded)[i].seq != (*redecoded)[i].seq) {
      std::fprintf(stderr, "round trip changed change %zu:\n  %s\n  %s\n", i, show((*decoded)[i]).c_str(),
                   show((*redecoded)[i]).c_str());
      std::abort();
    }
  }
  return 0;
}
