#include "storage/meta_table.hpp"

namespace carnet::storage {

Result<std::optional<std::string>> read_meta(Database& db, std::string_view key) {
  auto st = db.prepare("SELECT value FROM meta WHERE key = ?1");
  if (!st) return core::fail(st.error());
  st->bind(1, key);
  auto row = st->step();
  if (!row) return core::fail(row.error());
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(st->column_text(0));
}

Status write_meta(Transaction& tx, std::string_view key, std::string_view value) {
  auto st = tx.db().prepare("INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2");
  if (!st) return st.error();
  return st->bind(1, key).bind(2, value).run();
}

}  // namespace carnet::storage
