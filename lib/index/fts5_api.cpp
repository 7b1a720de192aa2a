#include "index/fts5_api.hpp"

#include "core/error.hpp"

#include <memory>
#include <sqlite3.h>

namespace llmops::index {

fts5_api& fts5_api_of(store::Database& db) {
    // The documented way to reach the API: SELECT fts5(?) with a pointer bound under the
    // type name "fts5_api_ptr"; the store's Statement has no pointer binding, so raw calls.
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db.sqlite_handle("retrieval indexes"), "SELECT fts5(?1)", -1, &raw, nullptr) != SQLITE_OK) {
        sqlite3_finalize(raw);
        throw Error(ErrorKind::Store, "this SQLite has no FTS5 full-text search",
                    ErrorLocation{.file = db.path().string()},
                    "install a SQLite built with FTS5 (Debian's libsqlite3 has it)");
    }
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
    fts5_api* api = nullptr;
    sqlite3_bind_pointer(stmt.get(), 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    int rc = sqlite3_step(stmt.get());
    if ((rc != SQLITE_ROW && rc != SQLITE_DONE) || api == nullptr || api->iVersion < 2)
        throw Error(ErrorKind::Store, "cannot reach SQLite's FTS5 API",
                    ErrorLocation{.file = db.path().string()});
    return *api;
}

} // namespace llmops::index
