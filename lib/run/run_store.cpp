#include "run/run_store.hpp"

#include <algorithm>
#include <charconv>

#include "core/error.hpp"
#include "core/time.hpp"
#include "run/run_claim.hpp"
#include "stats/statistics.hpp"

namespace llmops::run {

std::string_view to_string(RunStatus status) {
    switch (status) {
    case RunStatus::Running:
        return "running";
    case RunStatus::Completed:
        return "completed";
    case RunStatus::Interrupted:
        return "interrupted";
    case RunStatus::Failed:
        return "failed";
    }
    return "running";
}

RunStatus run_status_from_string(std::string_view text) {
    if (text == "completed") return RunStatus::Completed;
    if (text == "interrupted") return RunStatus::Interrupted;
    if (text == "failed") return RunStatus::Failed;
    return RunStatus::Running;
}

std::string RunRow::error_kind() const {
    if (!render_error.empty()) return "render";
    return result.ok() ? std::string() : std::string(provider::to_string(result.error));
}

std::string RunRow::error_message() const {
    return render_error.empty() ? result.error_message : render_error;
}

std::int64_t create_run(store::Database& db, const NewRun& run) {
    auto insert = db.prepare(
        "INSERT INTO runs (kind, prompt_version_id, dataset_version_id, data_source, provider_id,"
        " provider_config, options, status, row_count, created_at, owner)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)");
    insert.bind(1, run.kind)
        .bind(2, run.prompt_version_id)
        .bind(3, run.dataset_version_id)
        .bind(4, run.data_source)
        .bind(5, run.provider_id)
        .bind(6, run.provider_config.dump())
        .bind(7, run.options.dump())
        .bind(8, run.row_count)
        .bind(9, now_iso8601())
        .bind(10, this_owner());
    insert.run();
    return db.last_insert_rowid();
}

void record_rows(store::Database& db, std::int64_t run_id, const std::vector<RunRow>& rows) {
    if (rows.empty()) return;
    store::Transaction tx(db);
    auto insert = db.prepare(
        "INSERT INTO run_rows (run_id, row_index, ok, input, output, finish_reason, model,"
        " prompt_tokens, completion_tokens, latency_ms, ttft_ms, cost_usd, cached, attempts,"
        " error_kind, error_message, http_status, raw)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (run_id, row_index) DO UPDATE SET ok = excluded.ok, input = excluded.input,"
        " output = excluded.output, finish_reason = excluded.finish_reason,"
        " model = excluded.model, prompt_tokens = excluded.prompt_tokens,"
        " completion_tokens = excluded.completion_tokens, latency_ms = excluded.latency_ms,"
        " ttft_ms = excluded.ttft_ms, cost_usd = excluded.cost_usd, cached = excluded.cached,"
        " attempts = excluded.attempts, error_kind = excluded.error_kind,"
        " error_message = excluded.error_message, http_status = excluded.http_status,"
        " raw = excluded.raw");
    for (const auto& row : rows) {
        const auto& r = row.result;
        insert.bind(1, run_id)
            .bind(2, row.row_index)
            .bind(3, row.ok() ? 1 : 0)
            .bind(4, row.input)
            .bind(5, r.text)
            .bind(6, r.finish_reason)
            .bind(7, r.model)
            .bind(8, r.prompt_tokens)
            .bind(9, r.completion_tokens)
            .bind(10, r.latency_ms)
            .bind(11, r.ttft_ms)
            .bind(12, r.cost_usd)
            .bind(13, r.cached ? 1 : 0)
            .bind(14, r.attempts)
            .bind(15, row.error_kind())
            .bind(16, row.error_message())
            .bind(17, r.http_status)
            .bind(18, r.raw);
        insert.run();
        insert.reset();
    }
    tx.commit();
}

void finish_run(store::Database& db, std::int64_t run_id, RunStatus status, double wall_s) {
    auto update =
        db.prepare("UPDATE runs SET status = ?, finished_at = ?, wall_s = wall_s + ? WHERE id = ?");
    update.bind(1, to_string(status)).bind(2, now_iso8601()).bind(3, wall_s).bind(4, run_id);
    update.run();
}

void reopen_run(store::Database& db, std::int64_t run_id) {
    auto update = db.prepare("UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ?");
    update.bind(1, run_id);
    update.run();
}

namespace {

constexpr std::string_view kRunColumns =
    "SELECT r.id, r.kind, r.prompt_version_id, p.name || '@' || v.number, r.dataset_version_id,"
    " r.data_source, r.provider_id, r.provider_config, r.options, r.status, r.row_count,"
    " r.created_at, r.finished_at, r.wall_s"
    " FROM runs r JOIN prompt_versions v ON v.id = r.prompt_version_id"
    " JOIN prompts p ON p.id = v.prompt_id";

RunInfo read_run(const store::Statement& row) {
    RunInfo run;
    run.id = row.column_int(0);
    run.kind = row.column_text(1);
    run.prompt_version_id = row.column_int(2);
    run.prompt_ref = row.column_text(3);
    if (!row.is_null(4)) run.dataset_version_id = row.column_int(4);
    run.data_source = row.column_text(5);
    run.provider_id = row.column_text(6);
    run.provider_config = nlohmann::json::parse(row.column_text(7));
    run.options = nlohmann::json::parse(row.column_text(8));
    run.status = run_status_from_string(row.column_text(9));
    run.row_count = row.column_int(10);
    run.created_at = row.column_text(11);
    run.finished_at = row.column_optional_text(12).value_or("");
    run.wall_s = row.column_double(13);
    return run;
}

} // namespace

RunInfo load_run(store::Database& db, std::int64_t run_id) {
    auto query = db.prepare(std::string(kRunColumns) + " WHERE r.id = ?");
    query.bind(1, run_id);
    if (!query.step())
        throw Error(ErrorKind::BadInput, "no run " + std::to_string(run_id), {},
                    "run 'llmops runs list' to see the runs");
    return read_run(query);
}

std::optional<std::int64_t> parse_run_number(std::string_view text) {
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
    return id;
}

RunInfo load_run(store::Database& db, std::string_view id_text) {
    auto id = parse_run_number(id_text);
    if (!id)
        throw Error(ErrorKind::BadInput,
                    "'" + std::string(id_text) + "' is not a run id (a positive number)", {},
                    "run 'llmops runs list' to see the runs");
    return load_run(db, *id);
}

std::vector<RunInfo> list_runs(store::Database& db, std::string_view kind, std::size_t limit) {
    std::string sql(kRunColumns);
    if (!kind.empty()) sql += " WHERE r.kind = ?1";
    sql += " ORDER BY r.id DESC";
    if (limit > 0) sql += " LIMIT " + std::to_string(limit);
    auto query = db.prepare(sql);
    if (!kind.empty()) query.bind(1, kind);
    std::vector<RunInfo> runs;
    while (query.step())
        runs.push_back(read_run(query));
    return runs;
}

RunTotals run_totals(store::Database& db, std::int64_t run_id) {
    RunTotals totals;
    auto sums = db.prepare("SELECT count(*), coalesce(sum(ok), 0), coalesce(sum(cached), 0),"
                           " coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),"
                           " coalesce(sum(cost_usd), 0), count(CASE WHEN ok = 1 AND (cached = 0 OR "
                           "latency_ms > 0) THEN 1 END)"
                           " FROM run_rows WHERE run_id = ?");
    sums.bind(1, run_id);
    sums.step();
    totals.recorded = sums.column_int(0);
    totals.succeeded = sums.column_int(1);
    totals.failed = totals.recorded - totals.succeeded;
    totals.cached = sums.column_int(2);
    totals.prompt_tokens = sums.column_int(3);
    totals.completion_tokens = sums.column_int(4);
    totals.cost_usd = sums.column_double(5);
    const auto timed = static_cast<std::uint64_t>(sums.column_int(6));
    sums.reset();
    if (timed == 0) return totals;
    // Latency of the model: a cache hit carries the latency of the call that produced it. Hits
    // recorded before the cache kept latencies have 0 there and would skew it towards 0. Read
    // in order, so memory does not grow with the rows (SQLite sorts in bounded memory).
    auto latencies = db.prepare("SELECT latency_ms FROM run_rows WHERE run_id = ? AND ok = 1"
                                " AND (cached = 0 OR latency_ms > 0) ORDER BY latency_ms");
    latencies.bind(1, run_id);
    stats::AscendingSample sample(timed, {50, 95});
    while (latencies.step() && sample.seen() < timed)
        sample.add(latencies.column_double(0));
    if (sample.seen() == timed) {
        totals.latency_p50_ms = sample.percentile(0);
        totals.latency_p95_ms = sample.percentile(1);
    }
    return totals;
}

std::int64_t recorded_row_count(store::Database& db, std::int64_t run_id) {
    auto query = db.prepare("SELECT count(*) FROM run_rows WHERE run_id = ?");
    query.bind(1, run_id);
    query.step();
    return query.column_int(0);
}

std::set<std::int64_t> recorded_rows(store::Database& db, std::int64_t run_id, bool only_ok) {
    auto query = db.prepare(only_ok ? "SELECT row_index FROM run_rows WHERE run_id = ? AND ok = 1"
                                    : "SELECT row_index FROM run_rows WHERE run_id = ?");
    query.bind(1, run_id);
    std::set<std::int64_t> rows;
    while (query.step())
        rows.insert(query.column_int(0));
    return rows;
}

RunRowCursor::RunRowCursor(store::Database& db, std::int64_t run_id, std::int64_t after,
                           std::size_t limit)
    : query_(db.prepare(
          "SELECT row_index, input, output, finish_reason, model, prompt_tokens,"
          " completion_tokens, latency_ms, ttft_ms, cost_usd, cached, attempts, error_kind,"
          " error_message, http_status, raw FROM run_rows WHERE run_id = ? AND row_index > ?"
          " ORDER BY row_index LIMIT ?")) {
    query_.bind(1, run_id).bind(2, after);
    query_.bind(3, limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(limit));
}

bool RunRowCursor::next(RunRow& row) {
    if (!query_.step()) return false;
    const store::Statement& query = query_;
    row.row_index = query.column_int(0);
    row.input = query.column_text(1);
    auto& r = row.result;
    r.text = query.column_text(2);
    r.finish_reason = query.column_text(3);
    r.model = query.column_text(4);
    r.prompt_tokens = query.column_int(5);
    r.completion_tokens = query.column_int(6);
    r.latency_ms = query.column_double(7);
    r.ttft_ms = query.is_null(8) ? std::nullopt : std::optional<double>(query.column_double(8));
    r.cost_usd = query.column_double(9);
    r.cached = query.column_int(10) != 0;
    r.attempts = static_cast<int>(query.column_int(11));
    std::string kind = query.column_text(12);
    std::string message = query.column_text(13);
    r.http_status = static_cast<int>(query.column_int(14));
    r.raw = query.column_text(15);
    row.render_error.clear();
    r.error = provider::ProviderErrorKind::None;
    r.error_message.clear();
    if (kind == "render") {
        row.render_error = message;
    } else if (!kind.empty()) {
        r.error = provider::error_kind_from_string(kind);
        r.error_message = message;
    }
    return true;
}

void for_each_run_row(store::Database& db, std::int64_t run_id,
                      const std::function<bool(const RunRow&)>& fn) {
    // Pages of rows, each cursor finished before the callback sees its rows: callers write
    // scores as they go, and a write under an open cursor could not wait for a busy store.
    constexpr std::size_t kPage = 128;
    std::vector<RunRow> page(kPage);
    std::int64_t after = -1;
    for (;;) {
        std::size_t count = 0;
        {
            RunRowCursor cursor(db, run_id, after, kPage);
            while (count < kPage && cursor.next(page[count]))
                ++count;
        }
        for (std::size_t i = 0; i < count; ++i)
            if (!fn(page[i])) return;
        if (count < kPage) return;
        after = page[count - 1].row_index;
    }
}

nlohmann::json run_to_json(const RunInfo& run, const RunTotals& totals) {
    return {
        {"id", run.id},
        {"kind", run.kind},
        {"status", to_string(run.status)},
        {"prompt", run.prompt_ref},
        {"data", run.data_source},
        {"provider", run.provider_id},
        {"provider_config", run.provider_config},
        {"options", run.options},
        {"rows", run.row_count},
        {"recorded", totals.recorded},
        {"succeeded", totals.succeeded},
        {"failed", totals.failed},
        {"missing", run.row_count - totals.recorded},
        {"cached", totals.cached},
        {"prompt_tokens", totals.prompt_tokens},
        {"completion_tokens", totals.completion_tokens},
        {"cost_usd", totals.cost_usd},
        {"latency_p50_ms", totals.latency_p50_ms},
        {"latency_p95_ms", totals.latency_p95_ms},
        {"created_at", run.created_at},
        {"finished_at",
         run.finished_at.empty() ? nlohmann::json() : nlohmann::json(run.finished_at)},
        {"wall_s", run.wall_s},
    };
}

nlohmann::json run_row_to_json(const RunRow& row, bool with_raw, const std::string& id) {
    const auto& r = row.result;
    nlohmann::json out = {
        {"row", row.row_index},
        {"ok", row.ok()},
        {"output", r.text},
        {"finish_reason", r.finish_reason},
        {"model", r.model},
        {"prompt_tokens", r.prompt_tokens},
        {"completion_tokens", r.completion_tokens},
        {"latency_ms", r.latency_ms},
        {"cost_usd", r.cost_usd},
        {"cached", r.cached},
        {"attempts", r.attempts},
    };
    if (!id.empty()) out["id"] = id;
    if (r.ttft_ms) out["ttft_ms"] = *r.ttft_ms;
    if (!row.ok()) {
        out["error"] = {{"kind", row.error_kind()}, {"message", row.error_message()}};
        if (r.http_status != 0) out["error"]["http_status"] = r.http_status;
    }
    out["input"] =
        row.input.empty() ? nlohmann::json() : nlohmann::json::parse(row.input, nullptr, false);
    if (with_raw) out["raw"] = r.raw;
    return out;
}

nlohmann::json runs_to_json(store::Database& db, const std::vector<RunInfo>& runs) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& info : runs)
        out.push_back(run_to_json(info, run_totals(db, info.id)));
    return out;
}

} // namespace llmops::run
