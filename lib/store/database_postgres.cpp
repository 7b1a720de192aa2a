// The PostgreSQL backend of store::Database, on libpq (PostgreSQL's own C client library).
// Statements bind a run-time list of parameters, any of which may be NULL or binary, typed per
// value, and read columns by their type: exactly what PQexecParams offers. libpqxx, the C++
// wrapper, would only sit in between, so it is not used.
#include "store/database_backends.hpp"

#include "core/error.hpp"
#include "store/postgres_sql.hpp"

#include <charconv>
#include <cstdlib>
#include <libpq-fe.h>
#include <vector>

namespace llmops::store::backend {

namespace {

// Type OIDs of PostgreSQL's catalog (pg_type.dat); fixed since 7.x, absent from libpq's headers.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kFloat8Oid = 701;

constexpr const char* kSessionSettings = "SET TIME ZONE 'UTC'; SET client_min_messages = warning";

// One key for every write transaction of a store: pg_advisory_xact_lock makes them take turns.
constexpr long long kWriteLockKey = 0x6c6c6d6f7073; // "llmops"

std::string first_line(const char* message) {
    std::string text = message ? message : "unknown error";
    auto newline = text.find('\n');
    if (newline != std::string::npos) text.resize(newline);
    return text;
}

class PostgresConnection;

class PostgresStatement final : public StatementImpl {
  public:
    PostgresStatement(PostgresConnection& connection, std::string_view sql);
    ~PostgresStatement() override { clear_result(); }

    void bind_int(int index, std::int64_t value) override {
        set(index, std::to_string(value), kInt8Oid, 0);
    }
    void bind_double(int index, double value) override {
        char buffer[32];
        auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
        set(index, std::string(buffer, end), kFloat8Oid, 0);
    }
    // Text goes untyped, as a literal would: the server gives it the type its place needs.
    void bind_text(int index, std::string_view text) override {
        set(index, std::string(text), 0, 0);
    }
    void bind_blob(int index, std::string_view bytes) override {
        set(index, std::string(bytes), kByteaOid, 1);
    }
    void bind_null(int index) override { set(index, std::nullopt, 0, 0); }

    bool step() override;
    void reset() override {
        clear_result();
        for (auto& v : values_)
            v.reset();
        std::fill(types_.begin(), types_.end(), 0);
        std::fill(formats_.begin(), formats_.end(), 0);
    }

    bool is_null(int column) const override { return PQgetisnull(result_, row_, column) != 0; }
    std::int64_t column_int(int column) const override {
        if (is_null(column)) return 0;
        const char* text = PQgetvalue(result_, row_, column);
        if (PQftype(result_, column) == kBoolOid) return text[0] == 't' ? 1 : 0;
        std::size_t size = static_cast<std::size_t>(PQgetlength(result_, row_, column));
        std::int64_t value = 0;
        auto [end, ec] = std::from_chars(text, text + size, value);
        if (ec == std::errc() && end == text + size) return value;
        return static_cast<std::int64_t>(std::strtod(text, nullptr)); // numeric: as SQLite
    }
    double column_double(int column) const override {
        if (is_null(column)) return 0;
        const char* text = PQgetvalue(result_, row_, column);
        if (PQftype(result_, column) == kBoolOid) return text[0] == 't' ? 1 : 0;
        return std::strtod(text, nullptr);
    }
    std::string column_text(int column) const override {
        if (is_null(column)) return {};
        const char* text = PQgetvalue(result_, row_, column);
        if (PQftype(result_, column) == kByteaOid) {
            std::size_t size = 0;
            unsigned char* bytes =
                PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
            if (!bytes) throw Error(ErrorKind::Store, "out of memory reading a binary column");
            std::string out(reinterpret_cast<char*>(bytes), size);
            PQfreemem(bytes);
            return out;
        }
        return std::string(text, static_cast<std::size_t>(PQgetlength(result_, row_, column)));
    }

  private:
    void slot(int index);
    void set(int index, std::optional<std::string> value, Oid type, int format) {
        slot(index);
        auto i = static_cast<std::size_t>(index - 1);
        values_[i] = std::move(value);
        types_[i] = type;
        formats_[i] = format;
    }
    void clear_result() {
        if (result_) PQclear(result_);
        result_ = nullptr;
        row_ = -1;
    }

    PostgresConnection& connection_;
    std::string sql_;
    std::vector<std::optional<std::string>> values_;
    std::vector<Oid> types_;
    std::vector<int> formats_;
    std::vector<bool> referenced_;
    PGresult* result_ = nullptr;
    int row_ = -1;
};

class PostgresConnection final : public ConnectionImpl {
  public:
    PostgresConnection(PGconn* conn, std::string display)
        : conn_(conn), display_(std::move(display)) {}
    ~PostgresConnection() override { PQfinish(conn_); }

    Dialect dialect() const override { return Dialect::PostgreSQL; }
    std::unique_ptr<StatementImpl> prepare(std::string_view sql) override {
        return std::make_unique<PostgresStatement>(*this, sql);
    }
    void exec(std::string_view sql) override {
        reconnect_if_lost();
        std::string text = translate_to_postgres(sql, is_schema_change(sql)).sql;
        PGresult* result = PQexec(conn_, text.c_str());
        check(result, "database error");
        changes_ = affected_rows(result);
        PQclear(result);
    }
    std::int64_t last_insert_rowid() override {
        PostgresStatement st(*this, "SELECT lastval()");
        st.step();
        return st.column_int(0);
    }
    int changes() const override { return changes_; }
    int user_version() override {
        PostgresStatement exists(*this, "SELECT to_regclass('llmops_schema') IS NOT NULL");
        exists.step();
        if (exists.column_int(0) == 0) return 0;
        PostgresStatement st(*this, "SELECT version FROM llmops_schema");
        return st.step() ? static_cast<int>(st.column_int(0)) : 0;
    }
    void set_user_version(int version) override {
        exec("CREATE TABLE IF NOT EXISTS llmops_schema (version INTEGER NOT NULL); "
             "DELETE FROM llmops_schema; INSERT INTO llmops_schema VALUES (" +
             std::to_string(version) + ")");
    }
    void begin_write() override {
        exec("BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kWriteLockKey) + ")");
    }

    PGconn* conn() { return conn_; }

    // After the server went away (a restart, a failover), the next statement reconnects. A
    // transaction the loss cut short has failed already: its statement threw, and the caller's
    // Transaction rolled back; nothing runs in it after the error.
    void reconnect_if_lost() {
        if (PQstatus(conn_) != CONNECTION_BAD) return;
        PQreset(conn_);
        if (PQstatus(conn_) != CONNECTION_OK) return; // the statement then fails, naming why
        PGresult* result = PQexec(conn_, kSessionSettings);
        if (result) PQclear(result);
    }
    void set_changes(int changes) { changes_ = changes; }

    // Throws Error(Store) naming the database unless result succeeded; frees it then.
    void check(PGresult* result, std::string_view what) {
        ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
        const char* primary =
            result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
        std::string detail = first_line(primary ? primary : PQerrorMessage(conn_));
        if (result) PQclear(result);
        std::string hint;
        if (PQstatus(conn_) != CONNECTION_OK) {
            detail = "lost the connection to the database server: " + detail;
            hint = "check that the PostgreSQL server is up, then run the command again";
        }
        throw Error(ErrorKind::Store, std::string(what) + ": " + detail,
                    ErrorLocation{.file = display_}, hint);
    }

    static int affected_rows(PGresult* result) {
        const char* count = PQcmdTuples(result);
        return count && *count ? std::atoi(count) : 0;
    }

  private:
    static bool is_schema_change(std::string_view sql) {
        auto start = sql.find_first_not_of(" \t\r\n");
        if (start == std::string_view::npos) return false;
        std::string head(sql.substr(start, 6));
        for (char& c : head)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return head == "CREATE" || head == "ALTER ";
    }

    PGconn* conn_;
    std::string display_;
    int changes_ = 0;
};

PostgresStatement::PostgresStatement(PostgresConnection& connection, std::string_view sql)
    : connection_(connection) {
    auto translated = translate_to_postgres(sql);
    sql_ = std::move(translated.sql);
    referenced_ = std::move(translated.referenced);
    auto n = static_cast<std::size_t>(translated.parameters);
    values_.resize(n);
    types_.assign(n, 0);
    formats_.assign(n, 0);
}

void PostgresStatement::slot(int index) {
    if (index < 1 || static_cast<std::size_t>(index) > values_.size())
        throw Error(ErrorKind::Store, "cannot bind parameter " + std::to_string(index) +
                                          " of a statement with " + std::to_string(values_.size()));
}

bool PostgresStatement::step() {
    if (!result_) {
        connection_.reconnect_if_lost();
        std::vector<const char*> values(values_.size());
        std::vector<int> lengths(values_.size());
        std::vector<Oid> types = types_;
        for (std::size_t i = 0; i < values_.size(); ++i) {
            // A number the statement skips gets a type from its value: the server cannot
            // infer one from a place, as it does for the others.
            if (!referenced_[i] && types[i] == 0) types[i] = kTextOid;
            if (!values_[i]) continue;
            values[i] = values_[i]->c_str();
            lengths[i] = static_cast<int>(values_[i]->size());
        }
        PGresult* result =
            PQexecParams(connection_.conn(), sql_.c_str(), static_cast<int>(values_.size()),
                         types.data(), values.data(), lengths.data(), formats_.data(), 0);
        connection_.check(result, "statement failed");
        connection_.set_changes(PostgresConnection::affected_rows(result));
        result_ = result;
        row_ = -1;
    }
    ++row_;
    return row_ < PQntuples(result_);
}

void ignore_notice(void*, const char*) {
    // lib/ never prints; NOTICEs (such as "relation already exists, skipping") say nothing the
    // store's caller needs.
}

} // namespace

std::unique_ptr<ConnectionImpl> open_postgres(const std::string& url, const std::string& display) {
    const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
    const char* values[] = {url.c_str(), "10", "llmops", nullptr};
    PGconn* conn = PQconnectdbParams(keys, values, 1);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        std::string detail = first_line(conn ? PQerrorMessage(conn) : "out of memory");
        if (conn) PQfinish(conn);
        throw Error(ErrorKind::Store, "cannot connect to the store database: " + detail,
                    ErrorLocation{.file = display},
                    "check LLMOPS_DATABASE_URL (or store.url in llmops.yaml) and the server");
    }
    PQsetNoticeProcessor(conn, ignore_notice, nullptr);
    auto connection = std::make_unique<PostgresConnection>(conn, display);
    connection->exec(kSessionSettings);
    return connection;
}

} // namespace llmops::store::backend
