// Database, Statement, Transaction: the three RAII types through which all SQL access goes,
// to an SQLite file (Database::open) or a PostgreSQL database (storage/postgres.hpp).
//
// - Database owns a connection and a cache of prepared statements. An SQLite file is opened
//   in WAL mode with synchronous=FULL (a commit is on stable storage when COMMIT returns),
//   foreign keys and a busy timeout; a new file is created mode 0600, and so are its -wal
//   and -shm files, which SQLite gives the database file's mode.
// - Statement is a cached prepared statement with typed bind/column; it resets itself when
//   it leaves scope, and only bound parameters ever carry values into SQL. Parameters are
//   written ?1, ?2… (or ?) in both dialects; the PostgreSQL backend numbers them $1, $2….
// - Transaction begins in its constructor (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN and the
//   database's writer lock, see postgres.hpp) and rolls back in its destructor unless
//   commit() succeeded. Functions that write take a Transaction&, so a write outside one does
//   not compile.
//
// Thread safety: a Database (and everything made from it) belongs to one thread at a time.
//
// Fault injection (tests only): fail_after(n) makes the n-th following step() or commit
// fail with kIoError, as a full disk or a yanked card would.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.hpp"
#include "storage/aead.hpp"

namespace carnet::storage {

using core::Result;
using core::Status;

class Database;

// What a backend implements for one prepared statement (database.cpp: SQLite; postgres.cpp).
class StatementBackend {
 public:
  virtual ~StatementBackend() = default;
  virtual void bind_int(int index, std::int64_t value) = 0;
  virtual void bind_text(int index, std::string_view text) = 0;
  virtual void bind_blob(int index, const void* data, std::size_t size) = 0;
  virtual void bind_null(int index) = 0;
  virtual Result<bool> step() = 0;
  // Ready to run again, bindings kept.
  virtual void reset() = 0;
  // Reset, and the bindings cleared (the statement leaves its user).
  virtual void clear() = 0;
  virtual std::int64_t column_int(int index) const = 0;
  virtual std::string column_text(int index) const = 0;
  virtual std::string column_blob(int index) const = 0;
  virtual bool column_is_null(int index) const = 0;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind_blob(int index, const void* data, std::size_t size);
  Statement& bind_null(int index);
  Statement& bind_optional(int index, const std::optional<std::string>& text);

  // Bytes for bind_all (a BLOB parameter).
  struct Blob {
    std::string_view bytes;
  };
  // Binds ?1, ?2, … to `values` in order, for statements whose parameters follow a record's
  // fields: std::int64_t or int, text, Blob, and std::optional<std::string> (NULL when empty).
  // Other integers are cast by the caller, so that no conversion happens unseen.
  template <typename... V>
  Statement& bind_all(const V&... values) {
    int index = 0;
    (bind_value(++index, values), ...);
    return *this;
  }

  // Advances: true with a row, false when done; an error is kIoError / kBusy / kCorruption.
  Result<bool> step();
  // Runs to completion, expecting no row, then resets (bindings stay) so the statement can be
  // bound and run again.
  Status run();
  // Runs a statement that answers one row (INSERT … RETURNING, count(*)) and returns its
  // first column, then resets like run().
  Result<std::int64_t> run_returning();

  std::int64_t column_int(int index) const { return impl_->column_int(index); }
  std::string column_text(int index) const { return impl_->column_text(index); }
  std::string column_blob(int index) const { return impl_->column_blob(index); }
  bool column_is_null(int index) const { return impl_->column_is_null(index); }
  // Reads the current row's columns `first`, `first` + 1, … into `out` in order: std::string
  // (text; empty for NULL), std::int64_t, std::optional<std::int64_t> (nullopt for NULL).
  template <typename... T>
  void read_columns(int first, T&... out) const {
    int index = first;
    (read_column(index++, out), ...);
  }

 private:
  friend class Database;
  Statement(Database* db, StatementBackend* impl) : db_(db), impl_(impl) {}
  void bind_value(int index, std::int64_t value) { bind(index, value); }
  void bind_value(int index, int value) { bind(index, std::int64_t{value}); }
  void bind_value(int index, std::string_view text) { bind(index, text); }
  void bind_value(int index, const std::string& text) { bind(index, std::string_view(text)); }
  void bind_value(int index, const char* text) { bind(index, std::string_view(text)); }
  void bind_value(int index, Blob blob) { bind_blob(index, blob.bytes.data(), blob.bytes.size()); }
  void bind_value(int index, const std::optional<std::string>& text) { bind_optional(index, text); }
  void read_column(int index, std::string& out) const { out = column_text(index); }
  void read_column(int index, std::int64_t& out) const { out = column_int(index); }
  void read_column(int index, std::optional<std::int64_t>& out) const {
    out = column_is_null(index) ? std::nullopt : std::optional<std::int64_t>(column_int(index));
  }
  Database* db_;
  StatementBackend* impl_;  // owned by the database's cache
};

class Database {
 public:
  enum class Mode { kReadWrite, kCreate };
  // Where the SQL of the few statements that differ comes from.
  enum class Dialect { kSqlite, kPostgres };
  // Opens (or with kCreate creates, mode 0600, its directory entry synced) the SQLite file at
  // `path`; with a `key`, through the encrypting VFS (storage/encrypted_vfs.hpp), so that the
  // file and its WAL hold only ciphertext. Errors: kIoError when the file cannot be created
  // or opened, kCorruption when it is not a database or a page fails its authentication
  // (altered, or another key), kBusy when locked.
  static Result<std::unique_ptr<Database>> open(const std::string& path, Mode mode, const DataKey* key = nullptr);
  virtual ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // A cached prepared statement for `sql`. An error here is a bug in our SQL (kInternal), or
  // for PostgreSQL a database that cannot be reached.
  Result<Statement> prepare(std::string_view sql);
  // Runs SQL with no parameters (schema changes, pragmas).
  virtual Status exec(std::string_view sql) = 0;

  // Rows changed by the last INSERT, UPDATE or DELETE.
  virtual int changes() const = 0;
  virtual Dialect dialect() const = 0;
  // The SQLite file, or the PostgreSQL database's address without its password.
  const std::string& path() const { return path_; }

  // Tests only: the n-th next step()/commit fails (1 = the very next one); 0 disarms.
  void fail_after(int n) { fail_countdown_ = n; }

  // Runs a cached statement without parameters (BEGIN, COMMIT, ROLLBACK), with no fault
  // injection: the transaction's own points of failure are the statements and the commit.
  Status run_cached(std::string_view sql);

 protected:
  explicit Database(std::string path) : path_(std::move(path)) {}
  // A new prepared statement for `sql`, which the cache keeps.
  virtual Result<std::unique_ptr<StatementBackend>> compile(std::string_view sql) = 0;
  // Starts a writing transaction.
  virtual Status begin_transaction() { return run_cached("BEGIN IMMEDIATE"); }
  // Forgets every prepared statement (a backend whose connection was replaced).
  void clear_cache() { cache_.clear(); }

 private:
  friend class Statement;
  friend class Transaction;
  // True when an injected fault fires now.
  bool inject_fault();

  std::string path_;
  std::map<std::string, std::unique_ptr<StatementBackend>, std::less<>> cache_;
  int fail_countdown_ = 0;
  bool in_transaction_ = false;
};

class Transaction {
 public:
  // BEGIN IMMEDIATE. Check ok() (or use begin()) before writing.
  static Result<std::unique_ptr<Transaction>> begin(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Database& db() { return db_; }
  // COMMIT; on failure the transaction is rolled back and nothing was written.
  Status commit();

 private:
  explicit Transaction(Database& db) : db_(db) {}
  Database& db_;
  bool done_ = false;
};

}  // namespace carnet::storage
