// Database, Statement, Transaction: the three RAII types through which all SQLite access goes.
//
// - Database owns a connection and a cache of prepared statements. Opening sets WAL mode,
//   synchronous=NORMAL, foreign keys and a busy timeout.
// - Statement is a cached prepared statement with typed bind/column; it resets itself when
//   it leaves scope, and only bound parameters ever carry values into SQL.
// - Transaction begins IMMEDIATE in its constructor and rolls back in its destructor unless
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

struct sqlite3;
struct sqlite3_stmt;

namespace carnet::storage {

using core::Result;
using core::Status;

class Database;
class VfsKey;

class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind_blob(int index, const void* data, std::size_t size);
  Statement& bind_null(int index);
  Statement& bind_optional(int index, const std::optional<std::string>& text);

  // Advances: true with a row, false when done; an error is kIoError / kBusy / kCorruption.
  Result<bool> step();
  // Runs to completion, expecting no row, then resets (bindings stay) so the statement can be
  // bound and run again.
  Status run();

  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;
  std::string column_blob(int index) const;
  bool column_is_null(int index) const;

 private:
  friend class Database;
  Statement(Database* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Database* db_;
  sqlite3_stmt* stmt_;  // owned by the database's cache
};

class Database {
 public:
  enum class Mode { kReadWrite, kCreate };
  // Opens (or with kCreate creates) the SQLite file at `path`; with a `key`, through the
  // encrypting VFS (storage/encrypted_vfs.hpp), so that the file and its WAL hold only
  // ciphertext. Errors: kIoError when the file cannot be opened, kCorruption when it is not
  // a database or a page fails its authentication (altered, or another key), kBusy when
  // locked.
  static Result<std::unique_ptr<Database>> open(const std::string& path, Mode mode, const DataKey* key = nullptr);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // A cached prepared statement for `sql`. An error here is a bug in our SQL (kInternal).
  Result<Statement> prepare(std::string_view sql);
  // Runs SQL with no parameters (schema changes, pragmas).
  Status exec(std::string_view sql);

  std::int64_t last_insert_rowid() const;
  int changes() const;
  const std::string& path() const { return path_; }

  // Tests only: the n-th next step()/commit fails (1 = the very next one); 0 disarms.
  void fail_after(int n) { fail_countdown_ = n; }

  // Runs a cached statement without parameters (BEGIN, COMMIT, ROLLBACK), with no fault
  // injection: the transaction's own points of failure are the statements and the commit.
  Status run_cached(std::string_view sql);

  // Maps an SQLite result code to a Status whose message says `what` was being done.
  Status error(int rc, core::Message what) const;

 private:
  friend class Statement;
  friend class Transaction;
  Database(sqlite3* db, std::string path, std::unique_ptr<VfsKey> key);
  // True when an injected fault fires now.
  bool inject_fault();

  sqlite3* db_;
  std::string path_;
  std::unique_ptr<VfsKey> key_;  // outlives the connection: the WAL opens later
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
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
