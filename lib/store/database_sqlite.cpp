// The SQLite backend of store::Database: a .llmops/store.db file in WAL mode.
#include "store/database_backends.hpp"

#include "core/error.hpp"

#include <sqlite3.h>
#include <stdexcept>

namespace llmops::store::backend {

namespace {
constexpr int kBusyTimeoutMs = 30000;

// A statement stepped but not finished or reset holds a read snapshot of the database. A write
// begun on that snapshot cannot wait for the busy timeout: SQLite fails it at once with
// "database is locked" whenever another process wrote meanwhile. So writing while a cursor of
// the same connection is open is a bug, caught here on every run instead of under load only.
bool has_open_cursor(sqlite3* db, sqlite3_stmt* except = nullptr) {
    for (sqlite3_stmt* st = sqlite3_next_stmt(db, nullptr); st; st = sqlite3_next_stmt(db, st))
        if (st != except && sqlite3_stmt_busy(st)) return true;
    return false;
}

void refuse_write_under_cursor(sqlite3* db, std::string_view what, sqlite3_stmt* except) {
    if (has_open_cursor(db, except))
        throw std::logic_error(std::string(what) +
                               " while a read statement of the same connection is open");
}

[[noreturn]] void throw_error(sqlite3* db, const std::filesystem::path& path,
                              std::string_view what) {
    std::string detail = db ? sqlite3_errmsg(db) : "out of memory";
    int code = db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM;
    std::string hint;
    if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
        hint = "another llmops process holds the store; try again";
    throw Error(ErrorKind::Store, std::string(what) + ": " + detail,
                ErrorLocation{.file = path.string()}, hint);
}

class SqliteStatement final : public StatementImpl {
  public:
    SqliteStatement(sqlite3* db, const std::filesystem::path& path, std::string_view sql)
        : db_(db), path_(path) {
        if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
            SQLITE_OK)
            fail("cannot prepare statement");
    }
    ~SqliteStatement() override { sqlite3_finalize(stmt_); }

    void bind_int(int index, std::int64_t value) override {
        if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail("cannot bind");
    }
    void bind_double(int index, double value) override {
        if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) fail("cannot bind");
    }
    void bind_text(int index, std::string_view text) override {
        if (sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                SQLITE_UTF8) != SQLITE_OK)
            fail("cannot bind");
    }
    void bind_blob(int index, std::string_view bytes) override {
        if (sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT) !=
            SQLITE_OK)
            fail("cannot bind");
    }
    void bind_null(int index) override {
        if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail("cannot bind");
    }

    bool step() override {
        // A write outside a transaction makes its own; with a cursor open it would be an
        // upgrade.
        if (!sqlite3_stmt_busy(stmt_) && !sqlite3_stmt_readonly(stmt_) &&
            sqlite3_get_autocommit(db_))
            refuse_write_under_cursor(db_, "a write", stmt_);
        int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail("statement failed");
    }
    void reset() override {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

    bool is_null(int column) const override {
        return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
    }
    std::int64_t column_int(int column) const override {
        return sqlite3_column_int64(stmt_, column);
    }
    double column_double(int column) const override { return sqlite3_column_double(stmt_, column); }
    std::string column_text(int column) const override {
        const auto* text = sqlite3_column_blob(stmt_, column);
        int size = sqlite3_column_bytes(stmt_, column);
        return text ? std::string(static_cast<const char*>(text), static_cast<std::size_t>(size))
                    : std::string();
    }

  private:
    [[noreturn]] void fail(std::string_view what) const { throw_error(db_, path_, what); }
    sqlite3* db_;
    const std::filesystem::path& path_;
    sqlite3_stmt* stmt_ = nullptr;
};

class SqliteConnection final : public ConnectionImpl {
  public:
    SqliteConnection(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
    ~SqliteConnection() override { sqlite3_close_v2(db_); }

    Dialect dialect() const override { return Dialect::SQLite; }
    std::unique_ptr<StatementImpl> prepare(std::string_view sql) override {
        return std::make_unique<SqliteStatement>(db_, path_, sql);
    }
    void exec(std::string_view sql) override {
        std::string text(sql);
        char* message = nullptr;
        if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            std::string what = message ? message : "unknown error";
            sqlite3_free(message);
            throw Error(ErrorKind::Store, "database error: " + what,
                        ErrorLocation{.file = path_.string()});
        }
    }
    std::int64_t last_insert_rowid() override { return sqlite3_last_insert_rowid(db_); }
    int changes() const override { return sqlite3_changes(db_); }
    int user_version() override {
        SqliteStatement st(db_, path_, "PRAGMA user_version");
        st.step();
        return static_cast<int>(st.column_int(0));
    }
    void set_user_version(int version) override {
        // PRAGMA takes no bound parameters; the value is an int we produced.
        exec("PRAGMA user_version=" + std::to_string(version));
    }
    void begin_write() override {
        refuse_write_under_cursor(db_, "a write transaction", nullptr);
        exec("BEGIN IMMEDIATE");
    }
    sqlite3* sqlite_handle() const override { return db_; }

  private:
    sqlite3* db_;
    std::filesystem::path path_;
};

} // namespace

std::unique_ptr<ConnectionImpl> open_sqlite(const std::filesystem::path& path, bool create) {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    auto connection = std::make_unique<SqliteConnection>(db, path);
    if (rc != SQLITE_OK) throw_error(db, path, "cannot open the store database");
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    connection->exec("PRAGMA journal_mode=WAL");
    connection->exec("PRAGMA foreign_keys=ON");
    connection->exec("PRAGMA synchronous=NORMAL");
    return connection;
}

} // namespace llmops::store::backend
