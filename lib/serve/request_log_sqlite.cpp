// The SQLite backend of the request log: tables request_log and request_feedback (schema 11,
// docs/store-format.md), on a connection of its own.
#include "serve/request_log.hpp"

#include "store/database.hpp"
#include "store/migrations.hpp"

#include <set>

namespace llmops::serve {

using nlohmann::json;

namespace {

constexpr const char* kColumns =
    "seq, id, created_at, env, method, path, route, release_id, release_number, canary, "
    "prompt_version, provider, model, key_name, user_hash, status, error_kind, error_message, "
    "total_ms, queue_ms, upstream_ms, overhead_ms, ttft_ms, prompt_tokens, completion_tokens, "
    "cost_usd, cached, streamed, body_policy, request_body, response_body";

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
    return out;
}

class SqliteRequestLog final : public RequestLogBackend {
  public:
    explicit SqliteRequestLog(const std::string& db_file)
        : db_(store::Database::open(db_file, false)) {
        store::migrate(db_);
        // The writer appends all day: a larger page cache and memory-mapped reads keep it from
        // copying the same index pages in through pread on every group.
        db_.exec("PRAGMA cache_size=-32768");
        db_.exec("PRAGMA mmap_size=268435456");
    }

    void write_group(const std::vector<RequestRecord>& records,
                     const std::vector<FeedbackRecord>& feedback,
                     std::vector<bool>& found) override {
        store::Transaction tx(db_);
        auto insert = db_.prepare(
            "INSERT OR IGNORE INTO request_log (id, created_at, env, method, path, route, "
            "release_id, release_number, canary, prompt_version, provider, model, key_name, "
            "user_hash, status, error_kind, error_message, total_ms, queue_ms, upstream_ms, "
            "overhead_ms, ttft_ms, prompt_tokens, completion_tokens, cost_usd, cached, streamed, "
            "body_policy, request_body, response_body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
            "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, "
            "?26, ?27, ?28, ?29, ?30)");
        std::set<std::string> ids;
        for (const auto& r : records) {
            int i = 1;
            insert.bind(i++, r.id)
                .bind(i++, r.created_at)
                .bind(i++, r.env)
                .bind(i++, r.method)
                .bind(i++, r.path)
                .bind(i++, text_or_null(r.route))
                .bind(i++, r.release_id)
                .bind(i++, r.release_number)
                .bind(i++, r.canary ? 1 : 0)
                .bind(i++, text_or_null(r.prompt_version))
                .bind(i++, text_or_null(r.provider))
                .bind(i++, text_or_null(r.model))
                .bind(i++, text_or_null(r.key_name))
                .bind(i++, text_or_null(r.user_hash))
                .bind(i++, r.status)
                .bind(i++, text_or_null(r.error_kind))
                .bind(i++, text_or_null(r.error_message))
                .bind(i++, r.total_ms)
                .bind(i++, r.queue_ms)
                .bind(i++, r.upstream_ms)
                .bind(i++, r.overhead_ms)
                .bind(i++, r.ttft_ms)
                .bind(i++, r.prompt_tokens)
                .bind(i++, r.completion_tokens)
                .bind(i++, r.cost_usd)
                .bind(i++, r.cached ? 1 : 0)
                .bind(i++, r.streamed ? 1 : 0)
                .bind(i++, r.body_policy)
                .bind(i++, r.request_body)
                .bind(i++, r.response_body);
            insert.run();
            insert.reset();
            ids.insert(r.id);
        }
        auto exists = db_.prepare("SELECT 1 FROM request_log WHERE id = ?1");
        auto add = db_.prepare(
            "INSERT INTO request_feedback (request_id, name, value_type, value_number, "
            "value_text, comment, key_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        for (std::size_t f = 0; f < feedback.size(); ++f) {
            const auto& fb = feedback[f];
            bool known = ids.count(fb.request_id) > 0;
            if (!known) {
                exists.bind(1, fb.request_id);
                known = exists.step();
                exists.reset();
            }
            found[f] = known;
            if (!known) continue;
            add.bind(1, fb.request_id).bind(2, fb.name);
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
        tx.commit();
    }

    std::vector<StoredRequest> list(const LogFilter& filter) override {
        std::string sql = std::string("SELECT ") + kColumns + " FROM request_log WHERE 1";
        if (!filter.route.empty()) sql += " AND route = ?1";
        if (!filter.since.empty()) sql += " AND created_at >= ?2";
        if (filter.status) sql += " AND status = ?3";
        if (filter.errors_only) sql += " AND status >= 400";
        if (filter.after_seq)
            sql += " AND seq > ?4 ORDER BY seq ASC";
        else
            sql += " ORDER BY seq DESC";
        if (filter.limit > 0) sql += " LIMIT " + std::to_string(filter.limit);
        auto st = db_.prepare(sql);
        if (!filter.route.empty()) st.bind(1, filter.route);
        if (!filter.since.empty()) st.bind(2, filter.since);
        if (filter.status) st.bind(3, *filter.status);
        if (filter.after_seq) st.bind(4, *filter.after_seq);
        std::vector<StoredRequest> out;
        while (st.step())
            out.push_back(read_row(st));
        return out;
    }

    std::optional<StoredRequest> get(const std::string& id) override {
        auto st =
            db_.prepare(std::string("SELECT ") + kColumns + " FROM request_log WHERE id = ?1");
        st.bind(1, id);
        if (!st.step()) return std::nullopt;
        return read_row(st);
    }

    std::vector<StoredFeedback> feedback_for(const std::string& request_id) override {
        auto st = db_.prepare("SELECT id, request_id, name, value_type, value_number, value_text, "
                              "comment, key_name, created_at FROM request_feedback "
                              "WHERE request_id = ?1 ORDER BY id");
        st.bind(1, request_id);
        std::vector<StoredFeedback> out;
        while (st.step()) {
            StoredFeedback f;
            f.id = st.column_int(0);
            f.record.request_id = st.column_text(1);
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

    std::vector<std::pair<std::string, double>> spend_by_key() override {
        auto st = db_.prepare("SELECT key_name, SUM(cost_usd) FROM request_log "
                              "WHERE key_name IS NOT NULL GROUP BY key_name");
        std::vector<std::pair<std::string, double>> out;
        while (st.step())
            out.emplace_back(st.column_text(0), st.column_double(1));
        return out;
    }

  private:
    store::Database db_;
};

} // namespace

std::unique_ptr<RequestLogBackend> open_sqlite_request_log(const std::string& db_file) {
    return std::make_unique<SqliteRequestLog>(db_file);
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
