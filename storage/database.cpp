#include "storage/database.hpp"

#include <sqlite3.h>

#include "storage/encrypted_vfs.hpp"

namespace carnet::storage {

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind_blob(int index, const void* data, std::size_t size) {
  sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Statement& Statement::bind_optional(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Result<bool> Statement::step() {
  if (db_->inject_fault()) return core::fail(Status::io_error("stockage.database.defaillance_ecriture"));
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return core::fail(db_->error(rc, core::Message("stockage.database.lecture_ecriture")));
}

Status Statement::run() {
  auto r = step();
  sqlite3_reset(stmt_);  // ready to be bound and run again
  if (!r) return r.error();
  return Status::ok_status();
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
  const auto* p = sqlite3_column_text(stmt_, index);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::string Statement::column_blob(int index) const {
  const void* p = sqlite3_column_blob(stmt_, index);
  if (p == nullptr) return {};
  return std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

bool Statement::column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

namespace {

// A URI filename for `path` ("file:" and the path with the URI's reserved characters escaped).
std::string uri_path(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "file:";
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '%' || c == '?' || c == '#' || u < 0x21 || u >= 0x7F) {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Database::Database(sqlite3* db, std::string path, std::unique_ptr<VfsKey> key)
    : db_(db), path_(std::move(path)), key_(std::move(key)) {}

Result<std::unique_ptr<Database>> Database::open(const std::string& path, Mode mode, const DataKey* key) {
  sqlite3* handle = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  if (mode == Mode::kCreate) flags |= SQLITE_OPEN_CREATE;
  std::unique_ptr<VfsKey> vfs_key;
  std::string name = path;
  const char* vfs = nullptr;
  if (key != nullptr) {
    vfs_key = std::make_unique<VfsKey>(*key);
    name = uri_path(path) + "?carnet_key=" + vfs_key->token();
    vfs = encrypted_vfs_name();
    flags |= SQLITE_OPEN_URI;
  }
  const int rc = sqlite3_open_v2(name.c_str(), &handle, flags, vfs);
  std::unique_ptr<Database> db(new Database(handle, path, std::move(vfs_key)));
  if (rc != SQLITE_OK) {
    return core::fail(db->error(rc, core::Message("stockage.database.ouverture", {{"chemin", path}})));
  }
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, 2000);
  if (key != nullptr) {
    // A new file gets the page size and the reserved bytes that hold each page's nonce and
    // tag; an existing one keeps those of its header (the VFS checks them).
    int reserve = kEncryptedReserve;
    if (sqlite3_file_control(handle, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve) != SQLITE_OK) {
      return core::fail(Status::internal("stockage.database.reservation_impossible", {{"chemin", path}}));
    }
    // A new file is switched to WAL with its journal in memory: the rollback journal that
    // SQLite would otherwise write for that first transaction is refused by the VFS.
    auto pages = db->prepare("PRAGMA page_count");
    if (!pages) return core::fail(pages.error().with_context("stockage.database.fichier", {{"chemin", path}}));
    auto row = pages->step();
    if (!row) return core::fail(row.error().with_context("stockage.database.fichier", {{"chemin", path}}));
    const bool empty = *row && pages->column_int(0) == 0;
    pages->run().ignore();
    for (const std::string& pragma : {"PRAGMA page_size=" + std::to_string(kEncryptedPageSize),
                                     std::string(empty ? "PRAGMA journal_mode=MEMORY" : "")}) {
      if (pragma.empty()) continue;
      if (const Status s = db->exec(pragma); !s.ok()) {
        return core::fail(s.with_context("stockage.database.fichier", {{"chemin", path}}));
      }
    }
  }
  // journal_mode returns a row; the others do not. Reading the schema here also detects a
  // file that is not a database before anything else touches it. Temporary tables and
  // indices stay in memory: nothing is spilled to a file in clear.
  for (const char* pragma : {"PRAGMA temp_store=MEMORY", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                             "PRAGMA foreign_keys=ON", "PRAGMA secure_delete=ON", "SELECT count(*) FROM sqlite_master"}) {
    const Status s = db->exec(pragma);
    if (!s.ok()) return core::fail(s.with_context("stockage.database.fichier", {{"chemin", path}}));
  }
  return db;
}

Database::~Database() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<Statement> Database::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &stmt, nullptr);
    if (rc != SQLITE_OK) return core::fail(error(rc, core::Message("stockage.database.preparation")));
    it = cache_.emplace(std::string(sql), stmt).first;
  }
  return Statement(this, it->second);
}

Status Database::exec(std::string_view sql) {
  const std::string text(sql);
  char* msg = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &msg);
  sqlite3_free(msg);
  if (rc != SQLITE_OK) return error(rc, core::Message("stockage.database.execution"));
  return Status::ok_status();
}

Status Database::run_cached(std::string_view sql) {
  auto st = prepare(sql);
  if (!st) return st.error();
  const int rc = sqlite3_step(st->stmt_);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    return error(rc, core::Message("stockage.database.requete", {{"sql", sql}}));
  }
  return Status::ok_status();
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }

bool Database::inject_fault() {
  if (fail_countdown_ <= 0) return false;
  return --fail_countdown_ == 0;
}

Status Database::error(int rc, core::Message what) const {
  const std::vector<core::Message> doing{std::move(what)};
  const char* code = sqlite3_errstr(rc);
  if (rc == SQLITE_IOERR_DATA) {
    return Status::corruption("stockage.database.page_illisible", {{"quoi", doing}, {"code", code}});
  }
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::busy("stockage.database.verrouillee", {{"quoi", doing}, {"code", code}});
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::corruption("stockage.database.endommagee", {{"quoi", doing}, {"code", code}});
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Status::io_error("stockage.database.acces_fichier", {{"quoi", doing}, {"code", code}});
    default:
      return Status::internal("stockage.database.erreur_sqlite",
                              {{"quoi", doing}, {"code", code}, {"detail", sqlite3_errmsg(db_)}});
  }
}

Result<std::unique_ptr<Transaction>> Transaction::begin(Database& db) {
  std::unique_ptr<Transaction> tx(new Transaction(db));
  const Status s = db.run_cached("BEGIN IMMEDIATE");
  if (!s.ok()) {
    tx->done_ = true;
    return core::fail(s);
  }
  db.in_transaction_ = true;
  return tx;
}

Transaction::~Transaction() {
  if (!done_) {
    db_.run_cached("ROLLBACK").ignore();
    db_.in_transaction_ = false;
  }
}

Status Transaction::commit() {
  if (db_.inject_fault()) return Status::io_error("stockage.database.defaillance_validation");
  const Status s = db_.run_cached("COMMIT");
  if (!s.ok()) return s;  // the destructor rolls back
  done_ = true;
  db_.in_transaction_ = false;
  return Status::ok_status();
}

}  // namespace carnet::storage
