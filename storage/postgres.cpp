#include "storage/postgres.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <map>
#include <vector>

namespace carnet::storage {
namespace {

// Parameter types (pg_type.oid): the three SQLite storage classes the stores bind.
constexpr Oid kInt8 = 20;
constexpr Oid kText = 25;
constexpr Oid kBytea = 17;
constexpr Oid kUnknown = 0;  // a NULL: the server infers the type from where it goes

// The advisory lock every writing transaction takes: one writer at a time in the database.
constexpr std::int64_t kWriterLock = 0x43617274'6e657431;  // "Carnet1"

// ?N -> $N, and a bare ? -> the next number, outside string literals and quoted names.
std::string numbered_parameters(std::string_view sql, int& count) {
  std::string out;
  out.reserve(sql.size() + 8);
  int next = 0;
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      out += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    std::size_t j = i + 1;
    int n = 0;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') n = n * 10 + (sql[j++] - '0');
    if (j == i + 1) n = ++next;
    else next = std::max(next, n);
    count = std::max(count, n);
    out += '$';
    out += std::to_string(n);
    i = j - 1;
  }
  return out;
}

std::string sqlstate(const PGresult* r) {
  const char* s = r == nullptr ? nullptr : PQresultErrorField(r, PG_DIAG_SQLSTATE);
  return s == nullptr ? std::string() : std::string(s);
}

// The server's primary message only: its DETAIL may quote the values of a row.
std::string primary_message(const PGresult* r, PGconn* conn) {
  const char* m = r == nullptr ? nullptr : PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  if (m != nullptr) return m;
  std::string s = PQerrorMessage(conn);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Maps a failed result to a Status saying what was being done, as SQLite's codes are mapped.
Status pg_error(const PGresult* r, PGconn* conn, core::Message what) {
  const std::vector<core::Message> doing{std::move(what)};
  const std::string state = sqlstate(r);
  const std::string detail = primary_message(r, conn);
  if (PQstatus(conn) != CONNECTION_OK || state.starts_with("08") || state.starts_with("57P")) {
    return Status::io_error("stockage.postgres.connexion_perdue", {{"quoi", doing}, {"detail", detail}});
  }
  if (state == "40001" || state == "40P01" || state == "55P03") {
    return Status::busy("stockage.postgres.verrouillee", {{"quoi", doing}, {"code", state}});
  }
  if (state.starts_with("53") || state.starts_with("58")) {
    return Status::io_error("stockage.postgres.ressources", {{"quoi", doing}, {"code", state}, {"detail", detail}});
  }
  if (state.starts_with("XX")) {
    return Status::corruption("stockage.postgres.endommagee", {{"quoi", doing}, {"code", state}, {"detail", detail}});
  }
  return Status::internal("stockage.postgres.erreur", {{"quoi", doing}, {"code", state}, {"detail", detail}});
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

bool succeeded(const PGresult* r) {
  const auto s = PQresultStatus(r);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class PgDatabase;

class PgStatement final : public StatementBackend {
 public:
  PgStatement(PgDatabase* db, std::string sql, int params)
      : db_(db), sql_(std::move(sql)), values_(static_cast<std::size_t>(params)),
        types_(static_cast<std::size_t>(params), kUnknown), set_(static_cast<std::size_t>(params), false) {}

  void bind_int(int index, std::int64_t value) override {
    auto& v = slot(index, kInt8);
    v.resize(8);
    const auto u = static_cast<std::uint64_t>(value);
    for (int i = 0; i < 8; ++i) v[static_cast<std::size_t>(i)] = static_cast<char>((u >> (56 - 8 * i)) & 0xFF);
  }
  void bind_text(int index, std::string_view text) override { slot(index, kText).assign(text); }
  void bind_blob(int index, const void* data, std::size_t size) override {
    slot(index, kBytea).assign(static_cast<const char*>(data), size);
  }
  void bind_null(int index) override {
    const auto i = static_cast<std::size_t>(index - 1);
    if (i >= values_.size()) return;
    types_[i] = kUnknown;
    set_[i] = false;
  }
  Result<bool> step() override;
  void reset() override {
    result_.reset();
    row_ = -1;
  }
  void clear() override {
    reset();
    std::fill(set_.begin(), set_.end(), false);
    std::fill(types_.begin(), types_.end(), kUnknown);
  }
  std::int64_t column_int(int index) const override {
    if (PQgetisnull(result_.get(), row_, index)) return 0;
    const char* p = PQgetvalue(result_.get(), row_, index);
    if (p[0] == 't' && p[1] == 0) return 1;  // a boolean
    if (p[0] == 'f' && p[1] == 0) return 0;
    std::int64_t v = 0;
    std::from_chars(p, p + std::strlen(p), v);
    return v;
  }
  std::string column_text(int index) const override {
    return std::string(PQgetvalue(result_.get(), row_, index),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row_, index)));
  }
  std::string column_blob(int index) const override {
    std::string text = column_text(index);
    if (PQftype(result_.get(), index) != kBytea) return text;
    std::string out;
    if (text.size() < 2 || text[0] != '\\' || text[1] != 'x') return out;  // bytea_output is hex (set at connect)
    out.reserve((text.size() - 2) / 2);
    for (std::size_t i = 2; i + 1 < text.size(); i += 2) {
      out += static_cast<char>(hex_digit(text[i]) << 4 | hex_digit(text[i + 1]));
    }
    return out;
  }
  bool column_is_null(int index) const override { return PQgetisnull(result_.get(), row_, index) != 0; }

 private:
  std::string& slot(int index, Oid type) {
    const auto i = static_cast<std::size_t>(index - 1);
    if (i >= values_.size()) return ignored_;  // as SQLite, a parameter the SQL does not have is ignored
    types_[i] = type;
    set_[i] = true;
    return values_[i];
  }

  PgDatabase* db_;
  std::string sql_;
  std::vector<std::string> values_;
  std::vector<Oid> types_;
  std::vector<bool> set_;
  std::string ignored_;
  ResultPtr result_;
  int row_ = -1;
};

class PgDatabase final : public Database {
 public:
  PgDatabase(PGconn* conn, std::string url)
      : Database(postgres_address_for_display(url)), conn_(conn), url_(std::move(url)) {}
  ~PgDatabase() override {
    clear_cache();
    PQfinish(conn_);
  }

  Status exec(std::string_view sql) override {
    const std::string text(sql);
    CARNET_RETURN_IF_ERROR(ensure_connected(text));
    ResultPtr r(PQexec(conn_, text.c_str()));
    if (!succeeded(r.get())) return pg_error(r.get(), conn_, core::Message("stockage.database.execution"));
    note_changes(r.get());
    return Status::ok_status();
  }
  int changes() const override { return changes_; }
  Dialect dialect() const override { return Dialect::kPostgres; }

  // Runs `sql` with these parameters, preparing it first for these types on this connection.
  Result<ResultPtr> execute(const std::string& sql, const std::vector<Oid>& types, const std::vector<const char*>& values,
                            const std::vector<int>& lengths, const std::vector<int>& formats) {
    CARNET_RETURN_IF_ERROR_R(ensure_connected(sql));
    std::string key = sql;
    key.append(reinterpret_cast<const char*>(types.data()), types.size() * sizeof(Oid));
    auto it = prepared_.find(key);
    if (it == prepared_.end()) {
      const std::string name = "carnet_" + std::to_string(prepared_.size() + 1);
      ResultPtr p(PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(types.size()), types.data()));
      if (!succeeded(p.get())) return core::fail(pg_error(p.get(), conn_, core::Message("stockage.database.preparation")));
      it = prepared_.emplace(std::move(key), name).first;
    }
    ResultPtr r(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()), values.data(),
                               lengths.data(), formats.data(), 0));
    if (sql == "COMMIT" || sql == "ROLLBACK") in_transaction_ = false;
    if (!succeeded(r.get())) {
      return core::fail(pg_error(r.get(), conn_, core::Message("stockage.database.lecture_ecriture")));
    }
    note_changes(r.get());
    return r;
  }

  Status connect_settings() {
    // Text results in the forms the backend reads; a bounded wait for a lock (kBusy after).
    // A COMMIT returns once its write-ahead log is flushed: synchronous_commit = off, which a
    // role, a database or postgresql.conf may set, would let a power cut lose commits already
    // acknowledged. Any other value (on, local, remote_write, remote_apply) is kept.
    return exec(
        "SET client_encoding = 'UTF8'; SET bytea_output = 'hex'; SET lock_timeout = '30s'; "
        "SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'");
  }

 protected:
  Result<std::unique_ptr<StatementBackend>> compile(std::string_view sql) override {
    int params = 0;
    std::string numbered = numbered_parameters(sql, params);
    return std::unique_ptr<StatementBackend>(std::make_unique<PgStatement>(this, std::move(numbered), params));
  }

  Status begin_transaction() override {
    CARNET_RETURN_IF_ERROR(run_cached("BEGIN"));
    in_transaction_ = true;
    const Status locked = run_cached("SELECT pg_advisory_xact_lock(" + std::to_string(kWriterLock) + ")");
    if (!locked.ok()) in_transaction_ = false;
    return locked;
  }

 private:
  friend class PgStatement;

  // A broken connection is opened again (its prepared statements are gone with it), except
  // inside a transaction: that transaction is lost, and every statement of it fails until
  // its ROLLBACK, so that none runs outside it on the new connection.
  Status ensure_connected(const std::string& sql) {
    if (PQstatus(conn_) == CONNECTION_OK) return Status::ok_status();
    if (in_transaction_ && sql != "ROLLBACK") {
      return Status::io_error("stockage.postgres.connexion_perdue",
                              {{"quoi", std::vector<core::Message>{core::Message("stockage.postgres.transaction")}},
                               {"detail", primary_message(nullptr, conn_)}});
    }
    PQreset(conn_);
    prepared_.clear();
    in_transaction_ = false;
    if (PQstatus(conn_) != CONNECTION_OK) {
      return Status::io_error("stockage.postgres.injoignable", {{"adresse", path()}, {"detail", primary_message(nullptr, conn_)}});
    }
    return connect_settings();
  }

  void note_changes(const PGresult* r) {
    const char* n = PQcmdTuples(const_cast<PGresult*>(r));
    changes_ = (n != nullptr && *n != 0) ? std::atoi(n) : 0;
  }

  PGconn* conn_;
  std::string url_;
  std::map<std::string, std::string> prepared_;  // sql and parameter types -> statement name
  int changes_ = 0;
  bool in_transaction_ = false;
};

Result<bool> PgStatement::step() {
  if (!result_) {
    const auto n = values_.size();
    std::vector<const char*> values(n);
    std::vector<int> lengths(n), formats(n, 1);
    for (std::size_t i = 0; i < n; ++i) {
      if (!set_[i]) continue;
      values[i] = values_[i].data();
      lengths[i] = static_cast<int>(values_[i].size());
    }
    auto r = db_->execute(sql_, types_, values, lengths, formats);
    if (!r) return core::fail(r.error());
    result_ = std::move(*r);
    row_ = -1;
  }
  ++row_;
  return row_ < PQntuples(result_.get());
}

}  // namespace

bool is_postgres_address(std::string_view address) {
  return address.starts_with("postgresql://") || address.starts_with("postgres://");
}

std::string postgres_address_in_schema(std::string_view url, std::string_view schema) {
  return std::string(url) + (url.find('?') == std::string_view::npos ? "?" : "&") + "options=-csearch_path%3D" +
         std::string(schema);
}

std::string postgres_address_for_display(std::string_view url) {
  // postgresql://user:password@host/… -> postgresql://user@host/…
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const auto start = scheme + 3;
  const auto at = url.find('@', start);
  const auto slash = url.find('/', start);
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) return std::string(url);
  const auto colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon)) + std::string(url.substr(at));
}

Result<std::unique_ptr<Database>> open_postgres(std::string_view url) {
  if (!is_postgres_address(url)) {
    return core::fail(Status::invalid_argument("stockage.postgres.adresse_invalide"));
  }
  const std::string text(url);
  PGconn* conn = PQconnectdb(text.c_str());
  if (conn == nullptr) return core::fail(Status::io_error("stockage.postgres.memoire"));
  if (PQstatus(conn) != CONNECTION_OK) {
    const Status s = Status::io_error("stockage.postgres.injoignable",
                                      {{"adresse", postgres_address_for_display(url)}, {"detail", primary_message(nullptr, conn)}});
    PQfinish(conn);
    return core::fail(s);
  }
  // The server's notices (NOTICE, WARNING) are not printed: they go nowhere a person reads.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  auto db = std::make_unique<PgDatabase>(conn, text);
  CARNET_RETURN_IF_ERROR_R(db->connect_settings());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace carnet::storage
