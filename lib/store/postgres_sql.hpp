#pragma once
// The store's SQL is written in SQLite's dialect. On PostgreSQL each statement is translated
// once, when prepared, by a scan that skips string literals, quoted names and comments:
// - parameters ?N become $N (a bare ? takes the next number, as in SQLite);
// - INSERT OR IGNORE becomes INSERT ... ON CONFLICT DO NOTHING;
// - IFNULL becomes COALESCE;
// - in DDL (schema statements): INTEGER becomes BIGINT (SQLite's integers are 64-bit), an
//   INTEGER PRIMARY KEY column an identity column, REAL double precision, BLOB bytea, TEXT
//   columns compare bytewise (COLLATE "C", as SQLite's BINARY does), and AUTOINCREMENT and
//   WITHOUT ROWID go.
// Everything else must be SQL both understand (docs/postgresql.md lists what to avoid).
#include <string>
#include <string_view>

namespace llmops::store {

struct PostgresStatement {
    std::string sql;
    int parameters = 0; // the highest parameter number used
};

PostgresStatement translate_to_postgres(std::string_view sqlite_sql, bool ddl = false);

} // namespace llmops::store
