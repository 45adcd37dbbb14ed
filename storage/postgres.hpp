// The PostgreSQL backend of Database (database.hpp), through libpq.
//
// - Statements are prepared on the server once per connection and per parameter types; every
//   value travels as a bound parameter (64-bit integers as int8, text as text, blobs as bytea,
//   in binary), never inside the SQL. Results are read as text.
// - A Transaction takes, after BEGIN, the database's writer lock (a transaction-level advisory
//   lock): writing transactions run one after the other whichever central node makes them, as
//   SQLite's BEGIN IMMEDIATE does in one file. A change's sequence number is therefore taken
//   and committed under that lock, and sequence numbers become visible in their order: a pull
//   up to a number never misses a smaller one committed later (DESIGN.md, "Storage").
// - A connection that broke (the server restarted) is opened again at the next statement
//   outside a transaction; inside one, the transaction fails and rolls back.
// - A commit is durable when it returns: every connection sets synchronous_commit back to on
//   where the server, the database or the role turned it off. fsync and full_page_writes are
//   the server's own settings and must stay on (docs/durability.md).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "storage/database.hpp"

namespace carnet::storage {

// Whether `address` names a PostgreSQL database (postgresql:// or postgres://).
bool is_postgres_address(std::string_view address);

// Connects to the PostgreSQL database at `url` (libpq's URI form, postgresql://…; a password
// is best given in ~/.pgpass or PGPASSFILE rather than in the URI). kUnavailable when the
// server cannot be reached or refuses the connection, with libpq's reason.
Result<std::unique_ptr<Database>> open_postgres(std::string_view url);

// `url` without its password, for messages and logs.
std::string postgres_address_for_display(std::string_view url);

// `url` with its connections' search path set to `schema` (tests and benchmarks give each
// store a fresh schema in one database).
std::string postgres_address_in_schema(std::string_view url, std::string_view schema);

}  // namespace carnet::storage
