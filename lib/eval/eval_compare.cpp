#include "eval/eval_compare.hpp"

#include <cmath>
#include <map>
#include <set>

#include "core/error.hpp"
#include "eval/eval_case_outcomes.hpp"
#include "eval/eval_summary.hpp"

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

// The values of both sides, pair by pair: the case verdict ("pass", unless one metric was
// asked for) and each metric that both sides scored.
class PairedValues {
  public:
    PairedValues(const Scoring& scoring, const CompareOptions& options) {
        if (options.metric.empty()) series_.push_back({"pass", false, true});
        for (const auto& metric : scoring.metrics)
            if (options.metric.empty() || metric.label == options.metric)
                series_.push_back({metric.label, metric.lower_is_better, false});
    }

    void add(const CaseOutcome& x, const CaseOutcome& y) {
        for (auto& s : series_) {
            if (s.verdict) {
                s.add(x.passed ? 1 : 0, y.passed ? 1 : 0, x.case_id);
                continue;
            }
            const MetricOutcome* mx = find_metric(x, s.label);
            const MetricOutcome* my = find_metric(y, s.label);
            if (mx && my && mx->score && my->score) s.add(*mx->score, *my->score, x.case_id);
        }
    }

    std::vector<MetricComparison> compare(const CompareOptions& options) const {
        std::vector<MetricComparison> out;
        for (const auto& s : series_)
            out.push_back(compare_values(s.label, s.lower_is_better, s.a, s.b, s.ids, options));
        return out;
    }

  private:
    struct Series {
        std::string label;
        bool lower_is_better = false;
        bool verdict = false; // the case verdict rather than a metric
        std::vector<double> a{}, b{};
        std::vector<std::string> ids{};

        void add(double x, double y, const std::string& id) {
            a.push_back(x);
            b.push_back(y);
            ids.push_back(id);
        }
    };
    std::vector<Series> series_;
};

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
    PairedValues values(scoring_a, options);
    for (const auto& [key, outcome] : map_a) {
        auto partner = map_b.find(key);
        if (partner == map_b.end()) {
            ++out.only_a;
            continue;
        }
        values.add(*outcome, *partner->second);
        ++out.paired;
    }
    out.only_b = map_b.size() - out.paired;
    out.metrics = values.compare(options);
    return out;
}

// Two cells of one run share their cases: pair them index by index, reading both cells in
// step, so only the values compared are kept.
CellComparison compare_cells_in_run(store::Database& db, const EvalRunHeader& header,
                                    const StoredCell& a, const StoredCell& b,
                                    const CompareOptions& options) {
    CellComparison out;
    out.cell_a = a.label;
    out.cell_b = b.label;
    out.paired_by = "case";
    PairedValues values(header.scoring, options);
    CaseOutcomeReader reader_a(db, header.id, a.index, a.run_id);
    CaseOutcomeReader reader_b(db, header.id, b.index, b.run_id);
    CaseOutcome x, y;
    while (reader_a.next(x) && reader_b.next(y)) {
        values.add(x, y);
        ++out.paired;
    }
    out.metrics = values.compare(options);
    return out;
}

void check_metric(const EvalRunHeader& header, const CompareOptions& options) {
    if (options.metric.empty()) return;
    for (const auto& m : header.scoring.metrics)
        if (m.label == options.metric) return;
    throw Error(ErrorKind::BadInput,
                "metric '" + options.metric + "' is not in eval run " + std::to_string(header.id));
}

std::string cell_list(const std::vector<std::string>& labels) {
    std::string out;
    for (const auto& label : labels)
        out += (out.empty() ? "'" : ", '") + label + "'";
    return out;
}

// "qa@3 × local" -> {"qa@3", "local"}; a label without the separator is all prompt.
std::pair<std::string_view, std::string_view> split_label(std::string_view label) {
    constexpr std::string_view kTimes = " × ";
    auto at = label.find(kTimes);
    if (at == std::string_view::npos) return {label, {}};
    return {label.substr(0, at), label.substr(at + kTimes.size())};
}

bool prompt_matches(std::string_view prompt, std::string_view name) {
    return prompt == name || prompt.substr(0, prompt.find('@')) == name;
}

} // namespace

std::size_t find_cell(const std::vector<std::string>& labels, std::string_view name) {
    auto pick = [&](const auto& matches) -> std::optional<std::vector<std::size_t>> {
        std::vector<std::size_t> found;
        for (std::size_t i = 0; i < labels.size(); ++i)
            if (matches(labels[i])) found.push_back(i);
        if (found.empty()) return std::nullopt;
        return found;
    };
    // The rules, most specific first; the first that matches anything decides.
    std::optional<std::vector<std::size_t>> found =
        pick([&](std::string_view label) { return label == name; });
    for (std::string_view separator : {" x ", " X ", "/", " × "}) {
        if (found) break;
        auto at = name.find(separator);
        if (at == std::string_view::npos) continue;
        std::string_view prompt = name.substr(0, at);
        std::string_view provider = name.substr(at + separator.size());
        found = pick([&](std::string_view label) {
            auto [p, v] = split_label(label);
            return prompt_matches(p, prompt) && v == provider;
        });
    }
    if (!found)
        found = pick(
            [&](std::string_view label) { return prompt_matches(split_label(label).first, name); });
    if (!found)
        found = pick([&](std::string_view label) { return split_label(label).second == name; });
    if (!found)
        throw Error(ErrorKind::BadInput, "no cell '" + std::string(name) + "'", {},
                    "the cells: " + cell_list(labels) +
                        " (a label, or its prompt or provider alone)");
    if (found->size() > 1) {
        std::vector<std::string> names;
        for (std::size_t i : *found)
            names.push_back(labels[i]);
        throw Error(ErrorKind::BadInput,
                    "'" + std::string(name) + "' names " + std::to_string(found->size()) +
                        " cells: " + cell_list(names),
                    {}, "name one cell: 'PROMPT x PROVIDER', e.g. '" + names.front() + "'");
    }
    return found->front();
}

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
    SummaryOptions with_cases{.with_cases = true, .versus_baseline = false};
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

EvalComparison compare_cells_of_run(store::Database& db, std::string_view run,
                                    std::string_view cell_a, std::string_view cell_b,
                                    const CompareOptions& options) {
    EvalRunHeader header = load_eval_header(db, run);
    check_metric(header, options);
    std::vector<StoredCell> cells = load_cells(db, header.id);
    std::vector<std::string> labels;
    for (const auto& c : cells)
        labels.push_back(c.label);
    const StoredCell& a = cells[find_cell(labels, cell_a)];
    const StoredCell& b = cells[find_cell(labels, cell_b)];
    if (a.index == b.index)
        throw Error(ErrorKind::BadInput, "'" + std::string(cell_a) + "' and '" +
                                             std::string(cell_b) + "' name the same cell, " +
                                             a.label);
    EvalComparison out;
    out.run_a = out.run_b = header.id;
    out.alpha = options.alpha;
    out.cells.push_back(compare_cells_in_run(db, header, a, b, options));
    for (const auto& m : out.cells.front().metrics)
        out.regression = out.regression || m.regression;
    return out;
}

std::vector<CellComparison> compare_with_baseline(store::Database& db,
                                                  const EvalRunHeader& header) {
    std::vector<StoredCell> cells = load_cells(db, header.id);
    auto cell = [&](int index) -> const StoredCell* {
        for (const auto& c : cells)
            if (c.index == index) return &c;
        return nullptr;
    };
    std::vector<CellComparison> out;
    for (const auto& pair : header.scoring.baseline) {
        const StoredCell* a = cell(pair.baseline);
        const StoredCell* b = cell(pair.cell);
        if (a == nullptr || b == nullptr) continue;
        out.push_back(compare_cells_in_run(db, header, *a, *b, CompareOptions{}));
    }
    return out;
}

json cell_comparison_to_json(const CellComparison& cell) {
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
    return {{"cell_a", cell.cell_a}, {"cell_b", cell.cell_b}, {"paired_by", cell.paired_by},
            {"paired", cell.paired}, {"only_a", cell.only_a}, {"only_b", cell.only_b},
            {"metrics", metrics}};
}

json comparison_to_json(const EvalComparison& c) {
    json cells = json::array();
    for (const auto& cell : c.cells)
        cells.push_back(cell_comparison_to_json(cell));
    return {{"run_a", c.run_a},
            {"run_b", c.run_b},
            {"alpha", c.alpha},
            {"cells", cells},
            {"unmatched_cells", c.unmatched_cells},
            {"regression", c.regression}};
}

} // namespace llmops::eval
