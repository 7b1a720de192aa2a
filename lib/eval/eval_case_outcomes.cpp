#include "eval/eval_case_outcomes.hpp"

#include "core/error.hpp"

namespace llmops::eval {

using nlohmann::json;

CaseOutcomeReader::CaseOutcomeReader(store::Database& db, std::int64_t eval_id, int cell_index,
                                     std::int64_t run_id)
    : cases_(db.prepare("SELECT case_index, case_id, vars FROM eval_cases WHERE eval_id = ?"
                        " ORDER BY case_index")),
      rows_(db, run_id),
      scores_(db.prepare("SELECT case_index, metric, score, passed, reason, error FROM"
                         " eval_scores WHERE eval_id = ? AND cell_index = ?"
                         " ORDER BY case_index, metric_index")) {
    cases_.bind(1, eval_id);
    scores_.bind(1, eval_id).bind(2, cell_index);
    next_score();
}

bool CaseOutcomeReader::next_score() {
    if (!scores_.step()) {
        score_case_ = -1;
        return false;
    }
    score_case_ = scores_.column_int(0);
    score_.metric = scores_.column_text(1);
    score_.score = scores_.is_null(2) ? std::nullopt : std::optional(scores_.column_double(2));
    score_.passed = scores_.is_null(3) ? std::nullopt : std::optional(scores_.column_int(3) != 0);
    score_.reason = scores_.column_text(4);
    score_.error = scores_.column_text(5);
    return true;
}

bool CaseOutcomeReader::next(CaseOutcome& out) {
    if (!cases_.step()) return false;
    const std::int64_t index = cases_.column_int(0);
    out.case_index = index;
    out.case_id = cases_.column_text(1);
    out.metrics.clear();

    // The case's run row, if it has one.
    while (!rows_done_ && (!row_ready_ || row_.row_index < index)) {
        row_ready_ = rows_.next(row_);
        rows_done_ = !row_ready_;
    }
    const bool answered_row = row_ready_ && row_.row_index == index;
    bool answered = false;
    if (answered_row) {
        answered = row_.ok();
        out.error = answered ? std::string() : row_.error_kind() + ": " + row_.error_message();
        out.latency_ms = row_.result.latency_ms;
        out.prompt_tokens = row_.result.prompt_tokens;
        out.completion_tokens = row_.result.completion_tokens;
        out.cost_usd = row_.result.cost_usd;
        out.cached = row_.result.cached;
        out.output = row_.result.text;
        out.input = row_.input;
        out.vars = json::parse(cases_.column_text(2));
    } else {
        out.error = "not run";
        out.latency_ms = 0;
        out.prompt_tokens = out.completion_tokens = 0;
        out.cost_usd = 0;
        out.cached = false;
        out.output.clear();
        out.input.clear();
        out.vars = nullptr;
    }

    // Its scores: the ones of cases without a row in eval_cases are skipped.
    while (score_case_ >= 0 && score_case_ < index)
        next_score();
    bool trouble = false;
    while (score_case_ == index) {
        if (!score_.error.empty() || (score_.passed && !*score_.passed)) trouble = true;
        out.metrics.push_back(score_);
        next_score();
    }
    out.passed = answered && !trouble;
    return true;
}

CellCases stored_cases(store::Database& db, std::int64_t eval_id, const std::atomic<bool>* cancel) {
    return [&db, eval_id, cancel](const CellSummary& cell, const CaseVisitor& visit) {
        CaseOutcomeReader reader(db, eval_id, cell.index, cell.run_id);
        CaseOutcome outcome;
        while (reader.next(outcome)) {
            if (cancel != nullptr && cancel->load(std::memory_order_relaxed))
                throw Error(ErrorKind::Interrupted, "interrupted");
            visit(outcome);
        }
    };
}

} // namespace llmops::eval
