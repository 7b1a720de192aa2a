#pragma once
// A finished (or interrupted) eval run as reports and `eval show` see it: per cell aggregates,
// threshold outcomes and, when loaded, every case. Built from the store by eval_store.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/comparison_result.hpp"

namespace llmops::eval {

struct MetricOutcome {
    std::string metric; // the metric's label
    std::optional<double> score;
    std::optional<bool> passed;
    std::string reason;
    std::string error;
};

// One case scored in one cell.
struct CaseOutcome {
    std::int64_t case_index = 0;
    std::string case_id;
    nlohmann::json vars; // the prompt variables
    std::string input;   // the rendered prompt as text
    std::string output;
    std::string error;   // the provider or render error; empty when answered
    bool passed = false; // answered, no metric error, and every pass/fail metric passed
    double latency_ms = 0;
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
    double cost_usd = 0;
    bool cached = false;
    std::vector<MetricOutcome> metrics;
};

struct MetricAggregate {
    std::string metric;
    bool lower_is_better = false;
    std::size_t scored = 0; // cases with a score
    std::size_t errors = 0;
    double mean = 0, min = 0, max = 0, p50 = 0, p95 = 0; // over the scored cases
    std::size_t passed = 0, failed = 0;
    std::optional<double> pass_rate; // passed / (passed + failed); empty without pass/fail
    // bleu only: BLEU over the n-gram statistics of all scored cases, as sacrebleu's corpus_bleu
    std::optional<double> corpus_bleu;
};

struct CellSummary {
    int index = 0;
    std::string label; // "qa-answer@3 × default"
    std::string prompt_ref;
    std::string provider_id;
    std::int64_t run_id = 0;
    std::size_t cases = 0;
    std::size_t passed = 0;
    std::size_t failed = 0; // answered but a metric failed or errored
    std::size_t errors = 0; // no answer (provider or render error)
    double pass_rate = 0;   // passed / cases
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
    double cost_usd = 0;
    double latency_p50_ms = 0; // cached answers count with the latency they were produced in
    double latency_p95_ms = 0;
    std::size_t cached = 0; // answers served from the response cache
    std::vector<MetricAggregate> metrics;
    std::vector<CaseOutcome> case_outcomes; // filled only when cases were asked for
};

// Visits the cases of one cell in case order. A report may go through a cell's cases more than
// once (counts first, then rows): each pass reads them again instead of keeping them, so a
// report's memory does not grow with the cases it writes.
using CaseVisitor = std::function<void(const CaseOutcome&)>;
using CellCases = std::function<void(const CellSummary& cell, const CaseVisitor& visit)>;

// The cases already held in each cell's case_outcomes.
inline CellCases loaded_cases() {
    return [](const CellSummary& cell, const CaseVisitor& visit) {
        for (const auto& c : cell.case_outcomes)
            visit(c);
    };
}

struct ThresholdOutcome {
    std::string cell;   // the cell label
    std::string metric; // "" for the overall pass_rate
    std::string statistic;
    double required = 0;
    double actual = 0;
    bool upper_bound = false;
    bool met = false;
};

struct EvalRunSummary {
    std::int64_t id = 0;
    std::string description;
    std::string spec_source;
    std::string spec_hash;
    std::string data_source;
    std::string status; // running, completed, interrupted
    std::string created_at;
    std::string finished_at;
    double wall_s = 0;
    std::size_t case_count = 0;
    std::vector<CellSummary> cells;
    std::vector<ThresholdOutcome> thresholds;
    bool passed = false; // every threshold met (and no threshold = true)
    // With a `baseline:` in the spec: each cell against its baseline cell (A = the baseline).
    std::vector<CellComparison> versus_baseline;
};

} // namespace llmops::eval
