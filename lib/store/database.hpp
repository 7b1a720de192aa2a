#pragma once
// RAII wrappers over the store's database: a connection, prepared statements with bound
// parameters, and transactions that roll back unless committed. Two backends: a SQLite file
// (the default, .llmops/store.db) and a PostgreSQL server shared by gateways and CI runners
// (docs/postgresql.md). Statements are written in SQLite's dialect; on PostgreSQL they are
// translated once when prepared (store/postgres_sql.hpp says what is translated).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;

namespace llmops::store {

enum class Dialect { SQLite, PostgreSQL };

// Where a store's database lives: a SQLite file, or a PostgreSQL server when url is set.
struct DatabaseAddress {
    DatabaseAddress() = default;
    // A path alone is a SQLite file (implicit: every path-taking caller meant that).
    DatabaseAddress(std::filesystem::path sqlite_file) : file(std::move(sqlite_file)) {}
    DatabaseAddress(std::filesystem::path sqlite_file, std::string postgres_url)
        : file(std::move(sqlite_file)), url(std::move(postgres_url)) {}

    std::filesystem::path file;
    std::string url;

    bool empty() const { return file.empty() && url.empty(); }
    bool is_postgres() const { return !url.empty(); }
    // What error messages name: the file, or the URL without its password.
    std::string display() const;
};

namespace backend {
// What each backend implements; Statement and Database forward to these.
class StatementImpl {
  public:
    virtual ~StatementImpl() = default;
    virtual void bind_int(int index, std::int64_t value) = 0;
    virtual void bind_double(int index, double value) = 0;
    virtual void bind_text(int index, std::string_view text) = 0;
    virtual void bind_blob(int index, std::string_view bytes) = 0;
    virtual void bind_null(int index) = 0;
    virtual bool step() = 0;
    virtual void reset() = 0;
    virtual bool is_null(int column) const = 0;
    virtual std::int64_t column_int(int column) const = 0;
    virtual double column_double(int column) const = 0;
    virtual std::string column_text(int column) const = 0;
};

class ConnectionImpl {
  public:
    virtual ~ConnectionImpl() = default;
    virtual Dialect dialect() const = 0;
    virtual std::unique_ptr<StatementImpl> prepare(std::string_view sql) = 0;
    virtual void exec(std::string_view sql) = 0;
    virtual std::int64_t last_insert_rowid() = 0;
    virtual int changes() const = 0;
    virtual int user_version() = 0;
    virtual void set_user_version(int version) = 0;
    virtual void begin_write() = 0;
    virtual sqlite3* sqlite_handle() const { return nullptr; }
};
} // namespace backend

class Database;

class Statement {
  public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int index, std::int64_t value) {
        impl_->bind_int(index, value);
        return *this;
    }
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, long long value) {
        return bind(index, static_cast<std::int64_t>(value));
    }
    Statement& bind(int index, double value) {
        impl_->bind_double(index, value);
        return *this;
    }
    Statement& bind(int index, std::string_view text) {
        impl_->bind_text(index, text);
        return *this;
    }
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::string& text) {
        return bind(index, std::string_view(text));
    }
    Statement& bind_blob(int index, std::string_view bytes) {
        impl_->bind_blob(index, bytes);
        return *this;
    }
    Statement& bind_null(int index) {
        impl_->bind_null(index);
        return *this;
    }
    template <typename T> Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }

    // Advances to the next row; false when done.
    bool step() { return impl_->step(); }
    // Runs a statement that returns no rows.
    void run();
    void reset() { impl_->reset(); }

    bool is_null(int column) const { return impl_->is_null(column); }
    std::int64_t column_int(int column) const { return impl_->column_int(column); }
    double column_double(int column) const { return impl_->column_double(column); }
    std::string column_text(int column) const { return impl_->column_text(column); }
    std::optional<std::string> column_optional_text(int column) const;

  private:
    std::unique_ptr<backend::StatementImpl> impl_;
};

class Database {
  public:
    // SQLite: opens (creating if asked) with WAL, foreign keys and a busy timeout.
    static Database open(const std::filesystem::path& path, bool create);
    // The address's backend; a PostgreSQL database must exist (create is for SQLite files).
    static Database open(const DatabaseAddress& address, bool create);
    ~Database();
    Database(Database&& other) noexcept;
    Database& operator=(Database&&) = delete;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    Dialect dialect() const { return impl_->dialect(); }
    void exec(std::string_view sql) { impl_->exec(sql); }
    Statement prepare(std::string_view sql) { return Statement(*this, sql); }
    std::int64_t last_insert_rowid() const { return impl_->last_insert_rowid(); }
    int changes() const { return impl_->changes(); }
    int user_version() { return impl_->user_version(); }
    void set_user_version(int version) { impl_->set_user_version(version); }

    // The SQLite connection, for SQLite-only features (FTS5 retrieval indexes); throws
    // Error(Store) on PostgreSQL, naming the feature.
    sqlite3* sqlite_handle(std::string_view feature) const;
    const DatabaseAddress& address() const { return address_; }
    // The file (SQLite) or the URL without its password (PostgreSQL), for messages.
    std::filesystem::path path() const { return address_.display(); }
    backend::ConnectionImpl& impl() { return *impl_; }

  private:
    Database(std::unique_ptr<backend::ConnectionImpl> impl, DatabaseAddress address)
        : impl_(std::move(impl)), address_(std::move(address)) {}
    std::unique_ptr<backend::ConnectionImpl> impl_;
    DatabaseAddress address_;
};

// A write transaction. On SQLite, BEGIN IMMEDIATE, so concurrent writers queue on the busy
// timeout instead of failing at commit. Starting one (or running a write outside one) while a
// statement of the same connection is stepped and not yet reset throws std::logic_error: that
// write would upgrade a read snapshot, which SQLite fails at once, busy timeout or not, when
// another process wrote meanwhile. Read what you need first, or page through it
// (for_each_run_row does). On PostgreSQL, BEGIN plus a transaction-scoped advisory lock: write
// transactions of all processes take turns exactly as SQLite's do, so every read-then-write
// written for SQLite (counters, budgets, handing out batches and alerts) stays atomic across
// replicas.
class Transaction {
  public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

  private:
    Database& db_;
    bool done_ = false;
};

} // namespace llmops::store
