#include "pipeline/run_record.hpp"

#include "core/process_owner.hpp"
#include "core/time.hpp"

#include <nlohmann/json.hpp>

namespace llmops::pipeline {

std::int64_t begin_run(store::Database& db, const std::string& pipeline_file,
                       const std::vector<std::string>& targets, int* killed_runs) {
    std::vector<std::int64_t> gone;
    {
        store::Statement st =
            db.prepare("SELECT id, owner FROM pipeline_runs WHERE status = 'running'");
        while (st.step()) {
            auto owner = ProcessOwner::parse(st.column_optional_text(1).value_or(""));
            if (owner && liveness(*owner) == OwnerLiveness::Gone) gone.push_back(st.column_int(0));
        }
    }
    store::Transaction tx(db);
    for (std::int64_t id : gone)
        db.prepare("UPDATE pipeline_runs SET status = 'killed' WHERE id = ?").bind(1, id).run();
    db.prepare("INSERT INTO pipeline_runs (pipeline, targets, status, owner, started_at) "
               "VALUES (?, ?, 'running', ?, ?)")
        .bind(1, pipeline_file)
        .bind(2, nlohmann::json(targets).dump())
        .bind(3, this_process().to_text())
        .bind(4, now_iso8601())
        .run();
    std::int64_t id = db.last_insert_rowid();
    tx.commit();
    if (killed_runs) *killed_runs = static_cast<int>(gone.size());
    return id;
}

void record_stage(store::Database& db, std::int64_t run_id, const StageRecord& r) {
    db.prepare("INSERT INTO pipeline_stage_runs (run_id, stage, status, reason, stage_key, "
               "exit_code, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
               "ON CONFLICT (run_id, stage) DO UPDATE SET status = excluded.status, "
               "reason = excluded.reason, stage_key = excluded.stage_key, "
               "exit_code = excluded.exit_code, started_at = excluded.started_at, "
               "finished_at = excluded.finished_at")
        .bind(1, run_id)
        .bind(2, r.stage)
        .bind(3, r.status)
        .bind(4, r.reason)
        .bind(5, r.key.empty() ? std::optional<std::string>() : r.key)
        .bind(6, r.exit_code)
        .bind(7, r.started_at.empty() ? std::optional<std::string>() : r.started_at)
        .bind(8, r.finished_at.empty() ? now_iso8601() : r.finished_at)
        .run();
}

void finish_run(store::Database& db, std::int64_t run_id, const std::string& status) {
    db.prepare("UPDATE pipeline_runs SET status = ?, finished_at = ? WHERE id = ?")
        .bind(1, status)
        .bind(2, now_iso8601())
        .bind(3, run_id)
        .run();
}

std::vector<RunSummary> list_runs(store::Database& db, std::size_t limit) {
    std::vector<RunSummary> runs;
    {
        store::Statement st = db.prepare("SELECT id, status, started_at, finished_at FROM "
                                         "pipeline_runs ORDER BY id DESC LIMIT ?");
        st.bind(1, static_cast<std::int64_t>(limit));
        while (st.step())
            runs.push_back({st.column_int(0),
                            st.column_text(1),
                            st.column_text(2),
                            st.column_optional_text(3),
                            {}});
    }
    for (auto& run : runs) {
        store::Statement st = db.prepare(
            "SELECT stage, status, reason, stage_key, exit_code, started_at, finished_at FROM "
            "pipeline_stage_runs WHERE run_id = ? ORDER BY finished_at, stage");
        st.bind(1, run.id);
        while (st.step()) {
            StageRecord r;
            r.stage = st.column_text(0);
            r.status = st.column_text(1);
            r.reason = st.column_text(2);
            r.key = st.column_optional_text(3).value_or("");
            if (!st.is_null(4)) r.exit_code = static_cast<int>(st.column_int(4));
            r.started_at = st.column_optional_text(5).value_or("");
            r.finished_at = st.column_text(6);
            run.stages.push_back(std::move(r));
        }
    }
    return runs;
}

nlohmann::json to_json(const std::vector<RunSummary>& runs) {
    using nlohmann::json;
    json out = json::array();
    for (const auto& r : runs) {
        json stages = json::array();
        for (const auto& s : r.stages)
            stages.push_back({{"stage", s.stage},
                              {"status", s.status},
                              {"reason", s.reason},
                              {"exit_code", s.exit_code ? json(*s.exit_code) : json(nullptr)}});
        out.push_back({{"id", r.id},
                       {"status", r.status},
                       {"started_at", r.started_at},
                       {"finished_at", r.finished_at ? json(*r.finished_at) : json(nullptr)},
                       {"stages", stages}});
    }
    return out;
}

} // namespace llmops::pipeline
