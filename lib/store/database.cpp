#include "store/database.hpp"

#include "core/error.hpp"
#include "store/database_backends.hpp"

namespace llmops::store {

std::string DatabaseAddress::display() const {
    if (!is_postgres()) return file.string();
    // postgresql://user:secret@host/db?password=x -> postgresql://user@host/db: the password
    // never reaches a message or a log (the query string goes too, as it may hold one).
    std::string shown = url.substr(0, url.find('?'));
    auto scheme_end = shown.find("://");
    if (scheme_end == std::string::npos) return shown;
    auto authority = scheme_end + 3;
    auto at = shown.find('@', authority);
    auto slash = shown.find('/', authority);
    if (at == std::string::npos || (slash != std::string::npos && at > slash)) return shown;
    auto colon = shown.find(':', authority);
    if (colon != std::string::npos && colon < at) shown.erase(colon, at - colon);
    return shown;
}

Statement::Statement(Database& db, std::string_view sql) : impl_(db.impl().prepare(sql)) {}

Statement::~Statement() = default;

Statement::Statement(Statement&& other) noexcept : impl_(std::move(other.impl_)) {}

void Statement::run() {
    while (step()) {
    }
    reset();
}

std::optional<std::string> Statement::column_optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return column_text(column);
}

Database Database::open(const std::filesystem::path& path, bool create) {
    return open(DatabaseAddress(path), create);
}

Database Database::open(const DatabaseAddress& address, bool create) {
    if (address.is_postgres())
        return Database(backend::open_postgres(address.url, address.display()), address);
    return Database(backend::open_sqlite(address.file, create), address);
}

Database::~Database() = default;

Database::Database(Database&& other) noexcept
    : impl_(std::move(other.impl_)), address_(std::move(other.address_)) {}

sqlite3* Database::sqlite_handle(std::string_view feature) const {
    if (sqlite3* handle = impl_->sqlite_handle()) return handle;
    throw Error(ErrorKind::Store, std::string(feature) + " need a SQLite store",
                ErrorLocation{.file = address_.display()},
                "build them in a project whose store is .llmops/store.db");
}

Transaction::Transaction(Database& db) : db_(db) {
    db_.impl().begin_write();
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
