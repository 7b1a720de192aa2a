#include "provider/response_cache.hpp"

#include "core/hash.hpp"
#include "core/time.hpp"
#include "provider/exec_programs.hpp"
#include "provider/exec_provider.hpp"
#include "provider/request_codec.hpp"
#include "json/canonical_json.hpp"

#include <ctime>
#include <fmt/format.h>

namespace llmops::provider {

using nlohmann::json;

RequestKeyer::RequestKeyer(const ProviderConfig& config)
    : config_(config), endpoint_(config.endpoint_url()) {
    if (config.type != ProviderType::Exec && config.type != ProviderType::Echo)
        codec_ = make_codec(config);
    if (config.type == ProviderType::Exec) programs_ = exec_program_fingerprints(config);
}

RequestKeyer::~RequestKeyer() = default;
RequestKeyer::RequestKeyer(RequestKeyer&&) noexcept = default;

json RequestKeyer::canonical(const ChatRequest& request) const {
    json out = {{"type", std::string(to_string(config_.type))}};
    if (codec_) {
        json body = codec_->body(request);
        body.erase("stream");
        body.erase("stream_options");
        if (config_.type == ProviderType::Azure) body["model"] = config_.deployment;
        out["endpoint"] = endpoint_;
        out["request"] = std::move(body);
    } else if (config_.type == ProviderType::Exec) {
        out["command"] = config_.command;
        // Fixing the model script must make its old answers miss.
        if (!programs_.empty()) out["programs"] = programs_;
        out["format"] = config_.input_format == ExecFormat::Text ? "text" : "json";
        out["output"] = config_.output_json ? "json" : "text";
        out["request"] = exec_request_json(config_, request);
    } else {
        out["request"] = exec_request_json(config_, request);
    }
    return out;
}

std::string RequestKeyer::key(const ChatRequest& request) const {
    return hash128(canonical_json(canonical(request))).hex();
}

ResponseCache::ResponseCache(const store::DatabaseAddress& database)
    : db_(store::Database::open(database, false)) {
    // Enough page cache for a large cache table to stay in memory during a run.
    if (db_.dialect() == store::Dialect::SQLite) db_.exec("PRAGMA cache_size = -16384");
}

ResponseCache::~ResponseCache() {
    try {
        flush();
        end_read();
    } catch (...) {
        // A failed cache write loses cached answers only; the run's results are elsewhere.
    }
}

void ResponseCache::end_read() {
    if (!reading_) return;
    if (select_) select_->reset();
    db_.exec("COMMIT");
    reading_ = false;
    reads_in_transaction_ = 0;
}

std::optional<ChatResult> ResponseCache::get(const std::string& key,
                                             std::string_view provider_type) {
    if (reads_in_transaction_ >= kReadsPerTransaction) end_read();
    if (!reading_) {
        db_.exec("BEGIN");
        reading_ = true;
    }
    ++reads_in_transaction_;
    if (!select_)
        select_.emplace(
            db_.prepare("SELECT text, finish_reason, prompt_tokens, completion_tokens, model, raw, "
                        "raw_truncated, latency_ms, ttft_ms FROM provider_cache "
                        "WHERE key = ? AND latency_ms IS NOT NULL"));
    store::Statement& st = *select_;
    st.reset();
    st.bind(1, key);
    if (!st.step()) return std::nullopt;
    ChatResult r;
    r.text = st.column_text(0);
    r.finish_reason = st.column_text(1);
    r.prompt_tokens = st.column_int(2);
    r.completion_tokens = st.column_int(3);
    r.model = st.column_text(4);
    r.raw = st.column_text(5);
    r.raw_truncated = st.column_int(6) != 0;
    r.latency_ms = st.column_double(7); // of the call that produced it
    if (!st.is_null(8)) r.ttft_ms = st.column_double(8);
    r.cached = true;
    st.reset();
    // Hits of one run are nearly always one group: skip the map lookup then.
    if (!last_hits_ || last_group_.first != provider_type || last_group_.second != r.model) {
        last_group_ = {std::string(provider_type), r.model};
        last_hits_ = &hits_[last_group_];
    }
    ++*last_hits_;
    return r;
}

void ResponseCache::put(const std::string& key, const ChatResult& result,
                        std::string_view provider_type, std::string_view model) {
    pending_.emplace_back(key, result);
    pending_groups_.emplace_back(std::string(provider_type), std::string(model));
    if (pending_.size() >= kBatch) flush();
}

void ResponseCache::flush() {
    if (pending_.empty() && hits_.empty()) return;
    end_read();
    store::Transaction tx(db_);
    std::string now = now_iso8601();
    if (!pending_.empty()) {
        store::Statement insert = db_.prepare(
            "INSERT INTO provider_cache (key, provider_type, model, text, finish_reason, "
            "prompt_tokens, completion_tokens, raw, raw_truncated, bytes, created_at, latency_ms, "
            "ttft_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE "
            "SET "
            "model = excluded.model, text = excluded.text, "
            "finish_reason = excluded.finish_reason, prompt_tokens = excluded.prompt_tokens, "
            "completion_tokens = excluded.completion_tokens, raw = excluded.raw, "
            "raw_truncated = excluded.raw_truncated, bytes = excluded.bytes, "
            "created_at = excluded.created_at, latency_ms = excluded.latency_ms, "
            "ttft_ms = excluded.ttft_ms");
        for (std::size_t i = 0; i < pending_.size(); ++i) {
            const auto& [key, r] = pending_[i];
            const auto& [type, model] = pending_groups_[i];
            insert.reset();
            insert.bind(1, key).bind(2, type).bind(3, model).bind(4, r.text);
            insert.bind(5, r.finish_reason).bind(6, r.prompt_tokens).bind(7, r.completion_tokens);
            insert.bind(8, r.raw).bind(9, r.raw_truncated ? 1 : 0);
            insert.bind(10, static_cast<std::int64_t>(r.text.size() + r.raw.size()));
            insert.bind(11, now).bind(12, r.latency_ms).bind(13, r.ttft_ms);
            insert.run();
        }
    }
    if (!hits_.empty()) {
        store::Statement upsert = db_.prepare(
            "INSERT INTO provider_cache_hits (provider_type, model, hits, last_hit_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (provider_type, model) DO UPDATE SET "
            "hits = provider_cache_hits.hits + excluded.hits, last_hit_at = excluded.last_hit_at");
        for (const auto& [group, count] : hits_) {
            upsert.reset();
            upsert.bind(1, group.first).bind(2, group.second).bind(3, count).bind(4, now);
            upsert.run();
        }
    }
    tx.commit();
    pending_.clear();
    pending_groups_.clear();
    hits_.clear();
    last_hits_ = nullptr;
}

CacheStats cache_stats(store::Database& db) {
    CacheStats s;
    store::Statement totals =
        db.prepare("SELECT count(*), coalesce(sum(bytes), 0), min(created_at), max(created_at) "
                   "FROM provider_cache");
    if (totals.step()) {
        s.entries = totals.column_int(0);
        s.bytes = totals.column_int(1);
        s.oldest = totals.column_optional_text(2).value_or("");
        s.newest = totals.column_optional_text(3).value_or("");
    }
    store::Statement hits = db.prepare("SELECT coalesce(sum(hits), 0) FROM provider_cache_hits");
    if (hits.step()) s.hits = hits.column_int(0);
    // Groups with entries, or with hits on entries since cleared.
    store::Statement groups =
        db.prepare("SELECT g.provider_type, g.model, coalesce(c.n, 0), coalesce(c.bytes, 0), "
                   "coalesce(h.hits, 0) FROM "
                   "(SELECT provider_type, model FROM provider_cache UNION "
                   " SELECT provider_type, model FROM provider_cache_hits) g "
                   "LEFT JOIN (SELECT provider_type, model, count(*) AS n, sum(bytes) AS bytes "
                   "           FROM provider_cache GROUP BY provider_type, model) c "
                   "  ON c.provider_type = g.provider_type AND c.model = g.model "
                   "LEFT JOIN provider_cache_hits h "
                   "  ON h.provider_type = g.provider_type AND h.model = g.model "
                   "ORDER BY g.provider_type, g.model");
    while (groups.step())
        s.groups.push_back({groups.column_text(0), groups.column_text(1), groups.column_int(2),
                            groups.column_int(3), groups.column_int(4)});
    return s;
}

std::int64_t cache_clear(store::Database& db, std::optional<double> older_than_s) {
    store::Transaction tx(db);
    if (older_than_s) {
        auto cutoff_ms = now_unix_ms() - static_cast<std::int64_t>(*older_than_s * 1000);
        store::Statement st = db.prepare("DELETE FROM provider_cache WHERE created_at < ?");
        st.bind(1, iso8601_from_unix_ms(cutoff_ms));
        st.run();
    } else {
        db.prepare("DELETE FROM provider_cache").run();
    }
    std::int64_t removed = db.changes();
    if (!older_than_s) db.prepare("DELETE FROM provider_cache_hits").run();
    tx.commit();
    return removed;
}

std::string iso8601_from_unix_ms(std::int64_t ms) {
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

} // namespace llmops::provider
