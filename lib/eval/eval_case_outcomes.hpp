#pragma once
// The cases of one cell of a stored eval run as reports see them (CaseOutcome), read one at a
// time in case order by merging three ordered queries (the cases, the cell's run rows, its
// scores): a report of a million cases holds one case at a time. Reads only; an open reader
// holds a read transaction, so nothing should be written while one is open.
#include <atomic>
#include <cstdint>

#include "eval/eval_result.hpp"
#include "run/run_store.hpp"
#include "store/database.hpp"

namespace llmops::eval {

class CaseOutcomeReader {
  public:
    CaseOutcomeReader(store::Database& db, std::int64_t eval_id, int cell_index,
                      std::int64_t run_id);
    // The next case (its strings reused); false after the last.
    bool next(CaseOutcome& out);

  private:
    bool next_score();

    store::Statement cases_;
    run::RunRowCursor rows_;
    store::Statement scores_;
    run::RunRow row_;
    bool row_ready_ = false; // row_ holds a row not yet matched to a case
    bool rows_done_ = false;
    std::int64_t score_case_ = -1; // case of the score read ahead; -1 = none left
    MetricOutcome score_;
};

// Visits the stored cases of each cell (the CellCases a report takes). `cancel` is polled
// between cases; once set, the visit throws Error(Interrupted).
CellCases stored_cases(store::Database& db, std::int64_t eval_id,
                       const std::atomic<bool>* cancel = nullptr);

} // namespace llmops::eval
