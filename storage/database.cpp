#include "storage/database.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "storage/encrypted_vfs.hpp"
#include "storage/files.hpp"

namespace carnet::storage {

Statement::Statement(Statement&& other) noexcept : db_(other.db_), impl_(other.impl_) { other.impl_ = nullptr; }

Statement::~Statement() {
  if (impl_ != nullptr) impl_->clear();
}

Statement& Statement::bind(int index, std::int64_t value) {
  impl_->bind_int(index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  impl_->bind_text(index, text);
  return *this;
}

Statement& Statement::bind_blob(int index, const void* data, std::size_t size) {
  impl_->bind_blob(index, data, size);
  return *this;
}

Statement& Statement::bind_null(int index) {
  impl_->bind_null(index);
  return *this;
}

Statement& Statement::bind_optional(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Result<bool> Statement::step() {
  if (db_->inject_fault()) return core::fail(Status::io_error("stockage.database.defaillance_ecriture"));
  return impl_->step();
}

Status Statement::run() {
  auto r = step();
  impl_->reset();  // ready to be bound and run again
  if (!r) return r.error();
  return Status::ok_status();
}

Result<std::int64_t> Statement::run_returning() {
  auto r = step();
  if (!r) {
    impl_->reset();
    return core::fail(r.error());
  }
  if (!*r) {
    impl_->reset();
    return core::fail(Status::internal("stockage.database.ligne_attendue"));
  }
  const std::int64_t value = impl_->column_int(0);
  while (true) {  // the statement runs to its end (SQLite writes RETURNING rows at the first step)
    auto more = impl_->step();
    if (!more || !*more) break;
  }
  impl_->reset();
  return value;
}

Database::~Database() = default;

Result<Statement> Database::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    auto compiled = compile(sql);
    if (!compiled) return core::fail(compiled.error());
    it = cache_.emplace(std::string(sql), std::move(*compiled)).first;
  }
  return Statement(this, it->second.get());
}

Status Database::run_cached(std::string_view sql) {
  auto st = prepare(sql);
  if (!st) return st.error();
  auto r = st->impl_->step();
  if (!r) return r.error().with_context("stockage.database.requete", {{"sql", sql}});
  return Status::ok_status();
}

bool Database::inject_fault() {
  if (fail_countdown_ <= 0) return false;
  return --fail_countdown_ == 0;
}

Result<std::unique_ptr<Transaction>> Transaction::begin(Database& db) {
  std::unique_ptr<Transaction> tx(new Transaction(db));
  const Status s = db.begin_transaction();
  if (!s.ok()) {
    tx->done_ = true;
    db.run_cached("ROLLBACK").ignore();
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

// --- SQLite ---------------------------------------------------------------------------------

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

// Maps an SQLite result code to a Status whose message says `what` was being done.
Status sqlite_error(sqlite3* db, int rc, core::Message what) {
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
                              {{"quoi", doing}, {"code", code}, {"detail", sqlite3_errmsg(db)}});
  }
}

class SqliteStatement final : public StatementBackend {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  void bind_int(int index, std::int64_t value) override { sqlite3_bind_int64(stmt_, index, value); }
  void bind_text(int index, std::string_view text) override {
    sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  void bind_blob(int index, const void* data, std::size_t size) override {
    sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_TRANSIENT);
  }
  void bind_null(int index) override { sqlite3_bind_null(stmt_, index); }
  Result<bool> step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return core::fail(sqlite_error(db_, rc, core::Message("stockage.database.lecture_ecriture")));
  }
  void reset() override { sqlite3_reset(stmt_); }
  void clear() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::int64_t column_int(int index) const override { return sqlite3_column_int64(stmt_, index); }
  std::string column_text(int index) const override {
    const auto* p = sqlite3_column_text(stmt_, index);
    if (p == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
  }
  std::string column_blob(int index) const override {
    const void* p = sqlite3_column_blob(stmt_, index);
    if (p == nullptr) return {};
    return std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
  }
  bool column_is_null(int index) const override { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(sqlite3* db, std::string path, std::unique_ptr<VfsKey> key)
      : Database(std::move(path)), db_(db), key_(std::move(key)) {}
  ~SqliteDatabase() override {
    clear_cache();  // every statement is finalized before the connection closes
    sqlite3_close_v2(db_);
  }

  Status exec(std::string_view sql) override {
    const std::string text(sql);
    char* msg = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &msg);
    sqlite3_free(msg);
    if (rc != SQLITE_OK) return error(rc, core::Message("stockage.database.execution"));
    return Status::ok_status();
  }
  int changes() const override { return sqlite3_changes(db_); }
  Dialect dialect() const override { return Dialect::kSqlite; }
  Status error(int rc, core::Message what) const { return sqlite_error(db_, rc, std::move(what)); }
  sqlite3* handle() const { return db_; }

 protected:
  Result<std::unique_ptr<StatementBackend>> compile(std::string_view sql) override {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &stmt, nullptr);
    if (rc != SQLITE_OK) return core::fail(error(rc, core::Message("stockage.database.preparation")));
    return std::unique_ptr<StatementBackend>(std::make_unique<SqliteStatement>(db_, stmt));
  }

 private:
  sqlite3* db_;
  std::unique_ptr<VfsKey> key_;  // outlives the connection: the WAL opens later
};

// Creates the empty file `path` with mode 0600 if nothing is there, and makes its entry in the
// directory durable. SQLite would create it 0644 less the umask, and it gives the -wal and
// -shm files the mode of the database file: all three hold the data (personal data on the
// central node, ciphertext on a tablet), readable by the owner alone.
Status create_private_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::ok_status();  // SQLite opens what is there
    return Status::io_error("stockage.database.creation_fichier", {{"chemin", path}, {"detail", std::strerror(errno)}});
  }
  const int chmodded = ::fchmod(fd, 0600);  // the umask may have taken bits
  const int err = errno;
  ::close(fd);
  if (chmodded != 0) {
    ::unlink(path.c_str());
    return Status::io_error("stockage.database.creation_fichier", {{"chemin", path}, {"detail", std::strerror(err)}});
  }
  return sync_directory(parent_directory(path));
}

}  // namespace

Result<std::unique_ptr<Database>> Database::open(const std::string& path, Mode mode, const DataKey* key) {
  sqlite3* handle = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  if (mode == Mode::kCreate) {
    flags |= SQLITE_OPEN_CREATE;
    if (const Status s = create_private_file(path); !s.ok()) return core::fail(s);
  }
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
  auto db = std::make_unique<SqliteDatabase>(handle, path, std::move(vfs_key));
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
  // indices stay in memory: nothing is spilled to a file in clear. synchronous=FULL: in WAL
  // mode, each COMMIT syncs the log before it returns, so that what a person or a tablet is
  // told is saved survives a power cut (NORMAL syncs only at checkpoints: the commits since
  // the last one would be lost, the database still consistent).
  for (const char* pragma : {"PRAGMA temp_store=MEMORY", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA foreign_keys=ON", "PRAGMA secure_delete=ON", "SELECT count(*) FROM sqlite_master"}) {
    const Status s = db->exec(pragma);
    if (!s.ok()) return core::fail(s.with_context("stockage.database.fichier", {{"chemin", path}}));
  }
  return std::unique_ptr<Database>(std::move(db));
}


}  // namespace carnet::storage
