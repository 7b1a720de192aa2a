#include "eval/eval_compare.hpp"

#include <cmath>
#include <map>
#include <set>

#include "core/error.hpp"
#include "eval/eval_store.hpp"

namespace llmops::eval {

using nlohmann::json;

namespace {

// Case key -> case outcome, for one cell.
using CaseMap = std::map<std::string, const CaseOutcome*>;

bool ids_unique(const std::vector<StoredCase>& cases) {
    std::set<std::string> seen;
    for (const auto& c : cases)
        if (!seen.insert(c.id).second) return false;
    return true;
}

CaseMap key_cases(const CellSummary& cell, const std::vector<StoredCase>& cases, bool by_id) {
    CaseMap out;
    for (const auto& o : cell.case_outcomes) {
        const StoredCase& c = cases[static_cast<std::size_t>(o.case_index)];
        out[by_id ? c.id : c.input_hash] = &o;
    }
    return out;
}

const MetricOutcome* find_metric(const CaseOutcome& o, const std::string& label) {
    for (const auto& m : o.metrics)
        if (m.metric == label) return &m;
    return nullptr;
}

MetricComparison compare_values(const std::string& metric, bool lower_is_better,
                                const std::vector<double>& a, const std::vector<double>& b,
                                const std::vector<std::string>& ids,
                                const CompareOptions& options) {
    MetricComparison m;
    m.metric = metric;
    m.lower_is_better = lower_is_better;
    m.pairs = a.size();
    if (a.empty()) return m;
    m.mean_a = stats::mean(a);
    m.mean_b = stats::mean(b);
    m.diff = m.mean_b - m.mean_a;
    m.ci = stats::paired_bootstrap_ci(a, b, options.resamples, options.seed);
    bool binary = true;
    for (std::size_t i = 0; i < a.size() && binary; ++i)
        binary = (a[i] == 0 || a[i] == 1) && (b[i] == 0 || b[i] == 1);
    if (binary) {
        int only_a = 0, only_b = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (a[i] == 1 && b[i] == 0) ++only_a;
            if (a[i] == 0 && b[i] == 1) ++only_b;
        }
        stats::McNemarResult r = stats::mcnemar(only_a, only_b);
        m.p_value = r.p_value;
        m.test = r.exact ? "mcnemar-exact" : "mcnemar-chi2";
    } else {
        std::vector<double> diffs(a.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            diffs[i] = b[i] - a[i];
        stats::WilcoxonResult r = stats::wilcoxon(diffs);
        m.p_value = r.p_value;
        m.test = r.exact ? "wilcoxon-exact" : "wilcoxon-normal";
    }
    m.significant = m.p_value < options.alpha;
    bool worse = lower_is_better ? m.diff > 0 : m.diff < 0;
    m.regression = m.significant && worse;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower_is_better ? b[i] > a[i] : b[i] < a[i]) m.regressed.push_back(ids[i]);
    return m;
}

CellComparison compare_cells(const CellSummary& a, const CellSummary& b,
                             const std::vector<StoredCase>& cases_a,
                             const std::vector<StoredCase>& cases_b, const Scoring& scoring_a,
                             const CompareOptions& options) {
    CellComparison out;
    out.cell_a = a.label;
    out.cell_b = b.label;
    bool by_id = ids_unique(cases_a) && ids_unique(cases_b);
    out.paired_by = by_id ? "id" : "input";
    CaseMap map_a = key_cases(a, cases_a, by_id);
    CaseMap map_b = key_cases(b, cases_b, by_id);
    std::vector<std::pair<const CaseOutcome*, const CaseOutcome*>> pairs;
    std::vector<std::string> ids;
    for (const auto& [key, outcome] : map_a) {
        auto partner = map_b.find(key);
        if (partner == map_b.end()) {
            ++out.only_a;
            continue;
        }
        pairs.emplace_back(outcome, partner->second);
        ids.push_back(outcome->case_id);
    }
    out.paired = pairs.size();
    out.only_b = map_b.size() - pairs.size();

    if (options.metric.empty()) {
        std::vector<double> va, vb;
        for (const auto& [x, y] : pairs) {
            va.push_back(x->passed ? 1 : 0);
            vb.push_back(y->passed ? 1 : 0);
        }
        out.metrics.push_back(compare_values("pass", false, va, vb, ids, options));
    }
    for (const auto& metric : scoring_a.metrics) {
        if (!options.metric.empty() && metric.label != options.metric) continue;
        std::vector<double> va, vb;
        std::vector<std::string> metric_ids;
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            const MetricOutcome* x = find_metric(*pairs[i].first, metric.label);
            const MetricOutcome* y = find_metric(*pairs[i].second, metric.label);
            if (!x || !y || !x->score || !y->score) continue;
            va.push_back(*x->score);
            vb.push_back(*y->score);
            metric_ids.push_back(ids[i]);
        }
        out.metrics.push_back(
            compare_values(metric.label, metric.lower_is_better, va, vb, metric_ids, options));
    }
    return out;
}

} // namespace

EvalComparison compare_eval_runs(store::Database& db, std::string_view run_a,
                                 std::string_view run_b, const CompareOptions& options) {
    EvalRunHeader header_a = load_eval_header(db, run_a);
    EvalRunHeader header_b = load_eval_header(db, run_b);
    if (!options.metric.empty()) {
        auto has = [&](const EvalRunHeader& h) {
            for (const auto& m : h.scoring.metrics)
                if (m.label == options.metric) return true;
            return false;
        };
        if (!has(header_a) || !has(header_b))
            throw Error(ErrorKind::BadInput,
                        "metric '" + options.metric + "' is not in both eval runs");
    }
    SummaryOptions with_cases{.with_cases = true};
    EvalRunSummary a = load_summary(db, header_a.id, with_cases);
    EvalRunSummary b = load_summary(db, header_b.id, with_cases);
    auto cases_a = load_cases(db, header_a.id);
    auto cases_b = load_cases(db, header_b.id);

    EvalComparison out;
    out.run_a = header_a.id;
    out.run_b = header_b.id;
    out.alpha = options.alpha;
    auto add = [&](const CellSummary& x, const CellSummary& y) {
        out.cells.push_back(compare_cells(x, y, cases_a, cases_b, header_a.scoring, options));
    };
    if (a.cells.size() == 1 && b.cells.size() == 1) {
        add(a.cells[0], b.cells[0]);
    } else {
        std::set<std::string> matched;
        for (const auto& x : a.cells)
            for (const auto& y : b.cells)
                if (x.label == y.label) {
                    add(x, y);
                    matched.insert(x.label);
                }
        for (const auto& x : a.cells)
            if (!matched.count(x.label)) out.unmatched_cells.push_back(x.label);
        for (const auto& y : b.cells)
            if (!matched.count(y.label)) out.unmatched_cells.push_back(y.label);
    }
    if (out.cells.empty())
        throw Error(ErrorKind::BadInput,
                    "eval runs " + std::to_string(out.run_a) + " and " + std::to_string(out.run_b) +
                        " have no cell in common (cells are matched by prompt × provider label)");
    for (const auto& cell : out.cells)
        for (const auto& m : cell.metrics)
            out.regression = out.regression || m.regression;
    return out;
}

json comparison_to_json(const EvalComparison& c) {
    json cells = json::array();
    for (const auto& cell : c.cells) {
        json metrics = json::array();
        for (const auto& m : cell.metrics)
            metrics.push_back({{"metric", m.metric},
                               {"test", m.test},
                               {"pairs", m.pairs},
                               {"mean_a", m.mean_a},
                               {"mean_b", m.mean_b},
                               {"diff", m.diff},
                               {"ci_lower", m.ci.lower},
                               {"ci_upper", m.ci.upper},
                               {"ci_level", m.ci.level},
                               {"p_value", m.p_value},
                               {"significant", m.significant},
                               {"regression", m.regression},
                               {"lower_is_better", m.lower_is_better},
                               {"regressed_cases", m.regressed}});
        cells.push_back({{"cell_a", cell.cell_a},
                         {"cell_b", cell.cell_b},
                         {"paired_by", cell.paired_by},
                         {"paired", cell.paired},
                         {"only_a", cell.only_a},
                         {"only_b", cell.only_b},
                         {"metrics", metrics}});
    }
    return {{"run_a", c.run_a},
            {"run_b", c.run_b},
            {"alpha", c.alpha},
            {"cells", cells},
            {"unmatched_cells", c.unmatched_cells},
            {"regression", c.regression}};
}

} // namespace llmops::eval
