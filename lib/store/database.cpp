#include "store/database.hpp"

#include "core/error.hpp"

#include <sqlite3.h>
#include <stdexcept>

namespace llmops::store {

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
} // namespace

Statement::Statement(Database& db, std::string_view sql) : db_(&db) {
    if (sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_,
                           nullptr) != SQLITE_OK)
        db.throw_error("cannot prepare statement");
}

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
}

Statement& Statement::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) db_->throw_error("cannot bind");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) db_->throw_error("cannot bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    if (sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                            SQLITE_UTF8) != SQLITE_OK)
        db_->throw_error("cannot bind");
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
    if (sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT) !=
        SQLITE_OK)
        db_->throw_error("cannot bind");
    return *this;
}

Statement& Statement::bind_null(int index) {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) db_->throw_error("cannot bind");
    return *this;
}

bool Statement::step() {
    // A write outside a transaction makes its own; with a cursor open it would be an upgrade.
    if (!sqlite3_stmt_busy(stmt_) && !sqlite3_stmt_readonly(stmt_) &&
        sqlite3_get_autocommit(db_->handle()))
        refuse_write_under_cursor(db_->handle(), "a write", stmt_);
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_->throw_error("statement failed");
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::column_int(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

double Statement::column_double(int column) const {
    return sqlite3_column_double(stmt_, column);
}

std::string Statement::column_text(int column) const {
    const auto* text = sqlite3_column_blob(stmt_, column);
    int size = sqlite3_column_bytes(stmt_, column);
    return text ? std::string(static_cast<const char*>(text), static_cast<std::size_t>(size))
                : std::string();
}

std::optional<std::string> Statement::column_optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return column_text(column);
}

Database Database::open(const std::filesystem::path& path, bool create) {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    Database result(db, path);
    if (rc != SQLITE_OK) result.throw_error("cannot open the store database");
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    result.exec("PRAGMA journal_mode=WAL");
    result.exec("PRAGMA foreign_keys=ON");
    result.exec("PRAGMA synchronous=NORMAL");
    return result;
}

Database::~Database() {
    if (db_) sqlite3_close_v2(db_);
}

Database::Database(Database&& other) noexcept : db_(other.db_), path_(std::move(other.path_)) {
    other.db_ = nullptr;
}

void Database::exec(std::string_view sql) {
    std::string text(sql);
    char* message = nullptr;
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string what = message ? message : "unknown error";
        sqlite3_free(message);
        throw Error(ErrorKind::Store, "database error: " + what,
                    ErrorLocation{.file = path_.string()});
    }
}

std::int64_t Database::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}

int Database::changes() const {
    return sqlite3_changes(db_);
}

int Database::user_version() {
    Statement st(*this, "PRAGMA user_version");
    st.step();
    return static_cast<int>(st.column_int(0));
}

void Database::set_user_version(int version) {
    // PRAGMA takes no bound parameters; the value is an int we produced.
    exec("PRAGMA user_version=" + std::to_string(version));
}

void Database::throw_error(std::string_view what) const {
    std::string detail = db_ ? sqlite3_errmsg(db_) : "out of memory";
    int code = db_ ? sqlite3_extended_errcode(db_) : SQLITE_NOMEM;
    std::string hint;
    if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
        hint = "another llmops process holds the store; try again";
    throw Error(ErrorKind::Store, std::string(what) + ": " + detail,
                ErrorLocation{.file = path_.string()}, hint);
}

Transaction::Transaction(Database& db) : db_(db) {
    refuse_write_under_cursor(db_.handle(), "a write transaction", nullptr);
    db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
    if (!done_) {
        try {
            db_.exec("ROLLBACK");
        } catch (...) {
            // The connection is unusable anyway; the destructor must not throw.
        }
    }
}

void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

} // namespace llmops::store
