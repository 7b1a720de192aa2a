// The store backend of the request log: tables request_rows, log_strings, request_feedback and
// request_key_spend (schema 12, docs/store-format.md), on a connection of its own. Reads go
// through the request_log view, which decodes the compact rows.
#include "serve/request_log.hpp"

#include "store/database.hpp"
#include "store/migrations.hpp"

#include "core/error.hpp"
#include "core/time.hpp"

#include <charconv>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

namespace llmops::serve {

using nlohmann::json;

namespace {

constexpr const char* kColumns =
    "seq, id, created_at, env, method, path, route, release_id, release_number, canary, "
    "prompt_version, provider, model, key_name, user_hash, status, error_kind, error_message, "
    "total_ms, queue_ms, upstream_ms, overhead_ms, ttft_ms, prompt_tokens, completion_tokens, "
    "cost_usd, cached, streamed, body_policy, request_body, response_body, flags";

std::optional<std::string> text_or_null(const std::string& s) {
    if (s.empty()) return std::nullopt;
    return s;
}

StoredRequest read_row(store::Statement& st) {
    StoredRequest out;
    RequestRecord& r = out.record;
    int c = 0;
    out.seq = st.column_int(c++);
    r.id = st.column_text(c++);
    r.created_at = st.column_text(c++);
    r.env = st.column_text(c++);
    r.method = st.column_text(c++);
    r.path = st.column_text(c++);
    r.route = st.column_optional_text(c++).value_or("");
    if (!st.is_null(c)) r.release_id = st.column_int(c);
    ++c;
    if (!st.is_null(c)) r.release_number = st.column_int(c);
    ++c;
    r.canary = st.column_int(c++) != 0;
    r.prompt_version = st.column_optional_text(c++).value_or("");
    r.provider = st.column_optional_text(c++).value_or("");
    r.model = st.column_optional_text(c++).value_or("");
    r.key_name = st.column_optional_text(c++).value_or("");
    r.user_hash = st.column_optional_text(c++).value_or("");
    r.status = static_cast<int>(st.column_int(c++));
    r.error_kind = st.column_optional_text(c++).value_or("");
    r.error_message = st.column_optional_text(c++).value_or("");
    r.total_ms = st.column_double(c++);
    r.queue_ms = st.column_double(c++);
    r.upstream_ms = st.column_double(c++);
    r.overhead_ms = st.column_double(c++);
    if (!st.is_null(c)) r.ttft_ms = st.column_double(c);
    ++c;
    r.prompt_tokens = st.column_int(c++);
    r.completion_tokens = st.column_int(c++);
    r.cost_usd = st.column_double(c++);
    r.cached = st.column_int(c++) != 0;
    r.streamed = st.column_int(c++) != 0;
    r.body_policy = st.column_text(c++);
    r.request_body = st.column_optional_text(c++);
    r.response_body = st.column_optional_text(c++);
    r.flags = static_cast<std::uint32_t>(st.column_int(c++));
    return out;
}

std::int64_t microseconds(double ms) {
    return static_cast<std::int64_t>(std::llround(ms * 1000.0));
}

// The first 16 hex digits of a user hash as the 64-bit number the store keeps.
std::optional<std::int64_t> user_hash_number(const std::string& hex) {
    if (hex.size() < 16) return std::nullopt;
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(hex.data(), hex.data() + 16, value, 16);
    if (ec != std::errc() || end != hex.data() + 16) return std::nullopt;
    return static_cast<std::int64_t>(value);
}

class StoreRequestLog final : public RequestLogBackend {
  public:
    explicit StoreRequestLog(const store::DatabaseAddress& database)
        : db_(store::Database::open(database, false)) {
        store::migrate(db_);
        if (db_.dialect() != store::Dialect::SQLite) return;
        // Rows are appended in key order, so the writer touches few pages: an 8 MiB page cache
        // and no memory map cost the same CPU per row (within noise, at 1M rows) as 32 MiB and a
        // 256 MiB map, which made RSS grow with the log (+319% over a 1M-request soak; mapped
        // and cached pages count in RSS). Figures in docs/performance.md.
        db_.exec("PRAGMA cache_size=-8192");
        db_.exec("PRAGMA mmap_size=0");
    }

    void write_group(const std::vector<RequestRecord>& records,
                     const std::vector<FeedbackRecord>& feedback,
                     std::vector<bool>& found) override {
        try {
            write_group_once(records, feedback, found);
        } catch (...) {
            strings_.clear(); // ids interned in the rolled-back transaction are gone
            throw;
        }
    }

    std::uint64_t prune_before(std::int64_t unix_ms) override {
        store::Transaction tx(db_);
        auto del = db_.prepare("DELETE FROM request_rows WHERE id < ?1");
        del.bind(1, first_request_id_at(unix_ms));
        del.run();
        auto removed = static_cast<std::uint64_t>(db_.changes());
        tx.commit();
        return removed;
    }

    std::vector<StoredRequest> list(const LogFilter& filter) override {
        std::string sql = std::string("SELECT ") + kColumns + " FROM request_log WHERE TRUE";
        std::optional<std::int64_t> since;
        if (!filter.since.empty()) {
            since = parse_iso8601_ms(filter.since);
            if (!since)
                throw_usage("--since: not an ISO 8601 time (2026-12-01T10:00:00Z): '" +
                            filter.since + "'");
        }
        if (!filter.route.empty()) sql += " AND route = ?1";
        if (since) sql += " AND seq >= ?2";
        if (filter.status) sql += " AND status = ?3";
        if (filter.errors_only) sql += " AND status >= 400";
        if (filter.after_seq)
            sql += " AND seq > ?4 ORDER BY seq ASC";
        else
            sql += " ORDER BY seq DESC";
        if (filter.limit > 0) sql += " LIMIT " + std::to_string(filter.limit);
        auto st = db_.prepare(sql);
        if (!filter.route.empty()) st.bind(1, filter.route);
        if (since) st.bind(2, first_request_id_at(*since));
        if (filter.status) st.bind(3, *filter.status);
        if (filter.after_seq) st.bind(4, *filter.after_seq);
        std::vector<StoredRequest> out;
        while (st.step())
            out.push_back(read_row(st));
        return out;
    }

    std::optional<StoredRequest> get(const std::string& id) override {
        auto number = parse_request_id(id);
        if (!number) return std::nullopt;
        auto st =
            db_.prepare(std::string("SELECT ") + kColumns + " FROM request_log WHERE seq = ?1");
        st.bind(1, *number);
        if (!st.step()) return std::nullopt;
        return read_row(st);
    }

    std::vector<StoredFeedback> feedback_for(const std::string& request_id) override {
        auto st = db_.prepare("SELECT id, request_id, name, value_type, value_number, value_text, "
                              "comment, key_name, created_at FROM request_feedback "
                              "WHERE request_id = ?1 ORDER BY id");
        auto number = parse_request_id(request_id);
        if (!number) return {};
        st.bind(1, *number);
        std::vector<StoredFeedback> out;
        while (st.step()) {
            StoredFeedback f;
            f.id = st.column_int(0);
            f.record.request_id = request_id;
            f.record.name = st.column_text(2);
            std::string type = st.column_text(3);
            if (type == "boolean")
                f.record.value = st.column_double(4) != 0;
            else if (type == "number")
                f.record.value = st.column_double(4);
            else
                f.record.value = st.column_text(5);
            f.record.comment = st.column_text(6);
            f.record.key_name = st.column_optional_text(7).value_or("");
            f.record.created_at = st.column_text(8);
            out.push_back(std::move(f));
        }
        return out;
    }

    std::vector<KeyUsage> usage_by_key() override { return read_key_usage(db_); }

    std::vector<KeyUsage> written_by_key() override {
        std::lock_guard lock(written_mutex_);
        std::vector<KeyUsage> out;
        for (const auto& [key, usage] : written_)
            out.push_back(usage);
        return out;
    }

  private:
    // The id of a string in log_strings, added when new; cached for the connection's life.
    std::int64_t intern(const std::string& value) {
        auto it = strings_.find(value);
        if (it != strings_.end()) return it->second;
        if (!intern_insert_) {
            intern_insert_.emplace(
                db_.prepare("INSERT OR IGNORE INTO log_strings (value) VALUES (?1)"));
            intern_select_.emplace(db_.prepare("SELECT id FROM log_strings WHERE value = ?1"));
        }
        intern_insert_->bind(1, value);
        intern_insert_->run();
        intern_insert_->reset();
        intern_select_->bind(1, value);
        intern_select_->step();
        std::int64_t id = intern_select_->column_int(0);
        intern_select_->reset();
        strings_.emplace(value, id);
        return id;
    }
    std::optional<std::int64_t> intern_optional(const std::string& value) {
        if (value.empty()) return std::nullopt;
        return intern(value);
    }

    // A record's id number; one the gateway did not make gets a new one from its time.
    std::int64_t id_number(const RequestRecord& r) {
        if (auto n = parse_request_id(r.id)) return *n;
        std::int64_t ms = parse_iso8601_ms(r.created_at).value_or(now_unix_ms());
        return first_request_id_at(ms) |
               (foreign_sequence_++ & ((1 << kRequestIdSequenceBits) - 1));
    }

    void write_group_once(const std::vector<RequestRecord>& records,
                          const std::vector<FeedbackRecord>& feedback, std::vector<bool>& found) {
        store::Transaction tx(db_);
        auto insert = db_.prepare(
            "INSERT OR IGNORE INTO request_rows (id, env, method, path, route, release_id, "
            "release_number, canary, prompt_version, provider, model, key_name, user_hash, "
            "status, error_kind, total_us, queue_us, upstream_us, overhead_us, ttft_us, "
            "prompt_tokens, completion_tokens, cost_nusd, cached, streamed, body_policy, "
            "error_message, request_body, response_body, flags) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
            "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, "
            "?24, ?25, ?26, ?27, ?28, ?29, ?30)");
        std::set<std::int64_t> ids;
        std::map<std::string, KeyUsage> usage;
        for (const auto& r : records) {
            std::int64_t id = id_number(r);
            std::optional<std::int64_t> ttft;
            if (r.ttft_ms) ttft = microseconds(*r.ttft_ms);
            insert.bind(1, id)
                .bind(2, intern(r.env))
                .bind(3, intern(r.method))
                .bind(4, intern(r.path))
                .bind(5, intern_optional(r.route))
                .bind(6, r.release_id)
                .bind(7, r.release_number)
                .bind(8, r.canary ? 1 : 0)
                .bind(9, intern_optional(r.prompt_version))
                .bind(10, intern_optional(r.provider))
                .bind(11, intern_optional(r.model))
                .bind(12, intern_optional(r.key_name))
                .bind(13, user_hash_number(r.user_hash))
                .bind(14, r.status)
                .bind(15, intern_optional(r.error_kind))
                .bind(16, microseconds(r.total_ms))
                .bind(17, microseconds(r.queue_ms))
                .bind(18, microseconds(r.upstream_ms))
                .bind(19, microseconds(r.overhead_ms))
                .bind(20, ttft)
                .bind(21, r.prompt_tokens)
                .bind(22, r.completion_tokens)
                .bind(23, static_cast<std::int64_t>(std::llround(r.cost_usd * 1e9)))
                .bind(24, r.cached ? 1 : 0)
                .bind(25, r.streamed ? 1 : 0)
                .bind(26, intern(r.body_policy))
                .bind(27, text_or_null(r.error_message))
                .bind(28, r.request_body)
                .bind(29, r.response_body)
                .bind(30, static_cast<std::int64_t>(r.flags));
            insert.run();
            insert.reset();
            ids.insert(id);
            if (!r.key_name.empty())
                usage[r.key_name].add(
                    {r.key_name, r.cost_usd, 1, r.prompt_tokens + r.completion_tokens});
        }
        if (!usage.empty()) {
            auto add_usage =
                db_.prepare("INSERT INTO request_key_spend (key_name, cost_usd, requests, tokens) "
                            "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key_name) DO UPDATE SET "
                            "cost_usd = request_key_spend.cost_usd + excluded.cost_usd, "
                            "requests = request_key_spend.requests + excluded.requests, "
                            "tokens = request_key_spend.tokens + excluded.tokens");
            for (const auto& [key, u] : usage) {
                add_usage.bind(1, key).bind(2, u.cost_usd).bind(3, u.requests).bind(4, u.tokens);
                add_usage.run();
                add_usage.reset();
            }
        }
        if (!feedback.empty()) write_feedback(feedback, ids, found);
        tx.commit();
        std::lock_guard lock(written_mutex_);
        for (const auto& [key, u] : usage)
            written_[key].add(u);
    }

    void write_feedback(const std::vector<FeedbackRecord>& feedback,
                        const std::set<std::int64_t>& ids, std::vector<bool>& found) {
        auto exists = db_.prepare("SELECT 1 FROM request_rows WHERE id = ?1");
        auto add = db_.prepare(
            "INSERT INTO request_feedback (request_id, name, value_type, value_number, "
            "value_text, comment, key_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        for (std::size_t f = 0; f < feedback.size(); ++f) {
            const auto& fb = feedback[f];
            auto number = parse_request_id(fb.request_id);
            bool known = number && ids.count(*number) > 0;
            if (number && !known) {
                exists.bind(1, *number);
                known = exists.step();
                exists.reset();
            }
            found[f] = known;
            if (!known) continue;
            add.bind(1, *number).bind(2, fb.name);
            if (fb.value.is_boolean())
                add.bind(3, "boolean").bind(4, fb.value.get<bool>() ? 1.0 : 0.0).bind_null(5);
            else if (fb.value.is_number())
                add.bind(3, "number").bind(4, fb.value.get<double>()).bind_null(5);
            else
                add.bind(3, "category").bind_null(4).bind(5, fb.value.get<std::string>());
            add.bind(6, fb.comment).bind(7, text_or_null(fb.key_name)).bind(8, fb.created_at);
            add.run();
            add.reset();
        }
    }

    store::Database db_;
    std::unordered_map<std::string, std::int64_t> strings_;
    std::optional<store::Statement> intern_insert_;
    std::optional<store::Statement> intern_select_;
    std::uint32_t foreign_sequence_ = 0;
    std::mutex written_mutex_; // written_by_key() is asked from request threads
    std::map<std::string, KeyUsage> written_;
};

} // namespace

std::vector<KeyUsage> read_key_usage(store::Database& db) {
    auto st = db.prepare("SELECT key_name, cost_usd, requests, tokens FROM request_key_spend");
    std::vector<KeyUsage> out;
    while (st.step())
        out.push_back({st.column_text(0), st.column_double(1), st.column_int(2), st.column_int(3)});
    return out;
}

std::unique_ptr<RequestLogBackend> open_store_request_log(const store::DatabaseAddress& database) {
    return std::make_unique<StoreRequestLog>(database);
}

json request_record_to_json(const StoredRequest& stored) {
    const RequestRecord& r = stored.record;
    auto opt_text = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
    json out = {{"id", r.id},
                {"seq", stored.seq},
                {"time", r.created_at},
                {"env", r.env},
                {"method", r.method},
                {"path", r.path},
                {"route", opt_text(r.route)},
                {"release", r.release_number ? json(*r.release_number) : json(nullptr)},
                {"canary", r.canary},
                {"prompt", opt_text(r.prompt_version)},
                {"provider", opt_text(r.provider)},
                {"model", opt_text(r.model)},
                {"key", opt_text(r.key_name)},
                {"user_hash", opt_text(r.user_hash)},
                {"status", r.status},
                {"error_kind", opt_text(r.error_kind)},
                {"error", opt_text(r.error_message)},
                {"total_ms", r.total_ms},
                {"queue_ms", r.queue_ms},
                {"upstream_ms", r.upstream_ms},
                {"overhead_ms", r.overhead_ms},
                {"ttft_ms", r.ttft_ms ? json(*r.ttft_ms) : json(nullptr)},
                {"prompt_tokens", r.prompt_tokens},
                {"completion_tokens", r.completion_tokens},
                {"cost_usd", r.cost_usd},
                {"cached", r.cached},
                {"streamed", r.streamed},
                {"body_policy", r.body_policy},
                {"request_body", r.request_body ? json(*r.request_body) : json(nullptr)},
                {"response_body", r.response_body ? json(*r.response_body) : json(nullptr)}};
    return out;
}

json feedback_to_json(const StoredFeedback& stored) {
    const FeedbackRecord& f = stored.record;
    return {{"id", stored.id},      {"request_id", f.request_id},
            {"name", f.name},       {"value", f.value},
            {"comment", f.comment}, {"key", f.key_name.empty() ? json(nullptr) : json(f.key_name)},
            {"time", f.created_at}};
}

} // namespace llmops::serve
