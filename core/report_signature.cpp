#include "core/report_signature.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace carnet::core {
namespace {

void put_u32(std::string& out, std::size_t n) {
  const auto v = static_cast<std::uint32_t>(n);
  out.push_back(static_cast<char>((v >> 24) & 0xff));
  out.push_back(static_cast<char>((v >> 16) & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
  out.push_back(static_cast<char>(v & 0xff));
}

void put_str(std::string& out, std::string_view s) {
  put_u32(out, s.size());
  out.append(s);
}

bool signed_field(std::string_view key) {
  return std::find(kNotSigned.begin(), kNotSigned.end(), key) == kNotSigned.end();
}

// The column keys of a table of `grid` or of the canvas; empty if unknown.
std::vector<std::string> column_keys(const Grid& grid, std::string_view table) {
  std::vector<std::string> keys;
  if (auto item = grid.find_item(table); item && grid.item(*item).type == ItemType::kTable) {
    for (const auto& c : grid.item(*item).columns) keys.push_back(c.key);
  } else if (const MetaTable* t = find_inspection_table(table)) {
    for (const auto& c : t->columns) keys.push_back(c.key);
  }
  return keys;
}

std::string text_field(const InspectionView& view, std::string_view key) {
  const Value& v = view.field(key);
  return v.kind() == ValueKind::kText ? v.as_text() : std::string();
}

}  // namespace

std::string canonical_report(const InspectionView& view) {
  std::string out;
  out.reserve(4096);
  put_str(out, kCanonicalReportMagic);
  put_str(out, view.id);
  put_str(out, view.dossier.id);
  put_str(out, view.grid->key());
  put_u32(out, static_cast<std::size_t>(view.grid->version()));

  std::size_t n = 0;
  for (const auto& [key, value] : view.fields) {
    if (signed_field(key) && !value.is_null()) ++n;
  }
  put_u32(out, n);
  for (const auto& [key, value] : view.fields) {  // std::map: sorted by key
    if (!signed_field(key) || value.is_null()) continue;
    put_str(out, key);
    put_str(out, value.encode());
  }

  put_u32(out, view.rows.size());
  for (const auto& [table, rows] : view.rows) {  // sorted by table key
    put_str(out, table);
    std::vector<const TableRow*> sorted;
    for (const auto& r : rows) sorted.push_back(&r);
    std::sort(sorted.begin(), sorted.end(),
              [](const TableRow* a, const TableRow* b) { return a->id < b->id; });
    const auto keys = column_keys(*view.grid, table);
    put_u32(out, sorted.size());
    for (const TableRow* r : sorted) {
      put_str(out, r->id);
      put_u32(out, keys.size());
      for (std::size_t c = 0; c < keys.size(); ++c) {
        put_str(out, keys[c]);
        const bool empty = c >= r->cells.size() || r->cells[c].is_null();
        put_str(out, empty ? std::string() : r->cells[c].encode());
      }
    }
  }

  const auto findings = view.findings();
  put_u32(out, findings.size());
  for (const auto& f : findings) {
    put_str(out, f.item);
    put_str(out, f.norm_id);
    put_str(out, finding_status_name(f.status));
  }
  return out;
}

std::optional<ReportSignature> report_signature(const InspectionView& view) {
  ReportSignature s;
  s.signature = text_field(view, field::kSignature);
  if (s.signature.empty()) return std::nullopt;
  s.signer = text_field(view, field::kSignedBy);
  s.signed_at = text_field(view, field::kSignedAt);
  s.device = text_field(view, field::kSignatureDevice);
  s.certificate_pem = text_field(view, field::kSignatureCertificate);
  return s;
}

std::string_view signature_state_name(SignatureState s) {
  switch (s) {
    case SignatureState::kUnsigned:
      return "unsigned";
    case SignatureState::kValid:
      return "valid";
    case SignatureState::kInvalid:
      return "invalid";
    case SignatureState::kUnverifiable:
      return "unverifiable";
  }
  return "unverifiable";
}

std::string_view signature_state_label(SignatureState s) {
  switch (s) {
    case SignatureState::kUnsigned:
      return catalogue_text("coeur.signature.etat.non_signe");
    case SignatureState::kValid:
      return catalogue_text("coeur.signature.etat.verifiee");
    case SignatureState::kInvalid:
      return catalogue_text("coeur.signature.etat.invalide");
    case SignatureState::kUnverifiable:
      return catalogue_text("coeur.signature.etat.non_verifiable");
  }
  return catalogue_text("coeur.signature.etat.non_verifiable");
}

}  // namespace carnet::core
