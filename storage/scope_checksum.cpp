#include "storage/scope_checksum.hpp"

#include <algorithm>

#include "storage/encoding.hpp"
#include "storage/sha256.hpp"

namespace carnet::storage {

Result<std::string> scope_checksum(Database& db, std::vector<std::string> dossiers, std::string_view scoped_fields_sql) {
  std::sort(dossiers.begin(), dossiers.end());
  Sha256 digest;
  std::string line;
  for (const auto& d : dossiers) {
    auto st = db.prepare(scoped_fields_sql);
    if (!st) return core::fail(st.error());
    st->bind(1, d);
    while (true) {
      auto row = st->step();
      if (!row) return core::fail(row.error());
      if (!*row) break;
      const std::string value = st->column_is_null(3) ? std::string() : st->column_text(3);
      const std::string node = st->column_blob(5);
      line.clear();
      line.append(st->column_text(0)).append("|").append(st->column_text(1)).append("|").append(st->column_text(2));
      line.append("|").append(std::to_string(value.size())).append(":").append(value);
      line.append("|").append(std::to_string(static_cast<std::uint64_t>(st->column_int(4)))).append("|");
      line += to_hex(node);
      line += '\n';
      digest.update(line);
    }
  }
  return digest.finish_hex();
}

}  // namespace carnet::storage
