#include "deploy/gates.hpp"

#include <cmath>
#include <fmt/format.h>
#include <map>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "deploy/deploy_store.hpp"
#include "eval/eval_cases.hpp"
#include "eval/eval_compare.hpp"
#include "eval/eval_evidence.hpp"
#include "eval/eval_runner.hpp"
#include "eval/eval_spec.hpp"
#include "eval/eval_store.hpp"
#include "eval/eval_summary.hpp"
#include "json/canonical_json.hpp"

namespace llmops::deploy {

using nlohmann::json;

namespace {

// The spec with the candidate as its only cell; its hash identifies the question asked.
eval::EvalSpec substitute(eval::EvalSpec spec, const Candidate& candidate) {
    ErrorLocation where =
        spec.prompt_locations.empty() ? ErrorLocation{} : spec.prompt_locations[0];
    spec.prompts = {candidate.prompt.ref()};
    spec.prompt_locations = {where};
    eval::ProviderEntry entry;
    entry.id = candidate.provider.id;
    entry.label = candidate.provider.id;
    entry.where = spec.providers.empty() ? ErrorLocation{} : spec.providers[0].where;
    spec.providers = {entry};
    spec.document["prompts"] = json::array({candidate.prompt.ref()});
    spec.document["providers"] = json::array({candidate.provider.id});
    spec.hash = hash128(canonical_json(spec.document)).hex();
    return spec;
}

struct EvalEvidence {
    std::int64_t eval_id = 0;
    bool reused = false;
    bool interrupted = false;
};

class GateContext {
  public:
    GateContext(store::Project& project, const GateOptions& options)
        : project_(project), options_(options) {}

    // The candidate's eval on `spec_path`: reused from the store when it exists, else run.
    EvalEvidence evidence(const std::filesystem::path& spec_path, const Candidate& candidate,
                          const std::string& role) {
        std::string key = spec_path.string() + "\n" + candidate.hash;
        auto known = done_.find(key);
        if (known != done_.end()) return known->second;
        eval::EvalSpec spec = substitute(load_spec(spec_path), candidate);
        // The cases are counted, not held: an eval of a million cases costs no memory here.
        eval::CaseOrigin origin = eval::resolve_case_origin(project_, spec);
        eval::EvidenceKey evidence_key{.spec_hash = spec.hash,
                                       .dataset_version_id = origin.dataset_version_id,
                                       .data_source = origin.data_source,
                                       .case_count =
                                           eval::count_cases(project_, spec, origin, spec.limit),
                                       .prompt_version_id = candidate.prompt.id,
                                       .provider_config_hash = candidate.provider_config_hash};
        EvalEvidence out;
        if (auto found = eval::find_evidence(project_.db(), evidence_key)) {
            out.eval_id = *found;
            out.reused = true;
        } else {
            if (options_.progress)
                options_.progress(fmt::format("running {} for the {} ({})", spec_path.string(),
                                              role, candidate.prompt.ref()));
            eval::EvalRunOptions run_options;
            run_options.cancel = options_.cancel;
            run_options.log = options_.log;
            eval::EvalRunner runner = eval::EvalRunner::start(project_, spec, run_options);
            eval::EvalRunSummary summary = runner.execute();
            out.eval_id = summary.id;
            out.interrupted = summary.status != "completed";
        }
        if (!out.interrupted) done_[key] = out;
        return out;
    }

    store::Project& project() { return project_; }

  private:
    eval::EvalSpec load_spec(const std::filesystem::path& path) {
        if (!std::filesystem::exists(path))
            throw Error(ErrorKind::BadInput, "gate eval spec " + path.string() + " does not exist");
        return eval::load_eval_spec(path);
    }

    store::Project& project_;
    const GateOptions& options_;
    std::map<std::string, EvalEvidence> done_;
};

json thresholds_json(const eval::EvalRunSummary& summary) {
    json out = json::array();
    for (const auto& t : summary.thresholds)
        out.push_back({{"metric", t.metric.empty() ? "pass_rate" : t.metric},
                       {"statistic", t.statistic},
                       {"required", t.required},
                       {"actual", t.actual},
                       {"upper_bound", t.upper_bound},
                       {"met", t.met}});
    return out;
}

GateResult eval_gate(GateContext& ctx, const Gate& gate, const Candidate& candidate,
                     bool& interrupted, std::size_t& cases) {
    GateResult r;
    r.name = gate.name();
    EvalEvidence ev = ctx.evidence(gate.spec, candidate, "candidate");
    r.eval_id = ev.eval_id;
    r.reused = ev.reused;
    if (ev.interrupted) {
        interrupted = true;
        r.detail = "interrupted";
        return r;
    }
    eval::EvalRunSummary summary = eval::load_summary(ctx.project().db(), ev.eval_id);
    cases = summary.case_count;
    r.passed = summary.passed;
    r.figures = {{"cases", summary.case_count}, {"thresholds", thresholds_json(summary)}};
    if (!summary.cells.empty()) r.figures["pass_rate"] = summary.cells[0].pass_rate;
    std::string failed;
    std::size_t met = 0;
    for (const auto& t : summary.thresholds) {
        if (t.met) {
            ++met;
            continue;
        }
        std::string what = t.metric.empty() ? "pass_rate" : t.metric + " " + t.statistic;
        failed += fmt::format("{}{} {:.4g} {} {:.4g}", failed.empty() ? "" : "; ", what, t.actual,
                              t.upper_bound ? ">" : "<", t.required);
    }
    r.detail = r.passed ? fmt::format("{} of {} thresholds met on {} cases", met,
                                      summary.thresholds.size(), summary.case_count)
                        : "thresholds not met: " + failed;
    return r;
}

// MLflow's MetricThreshold: the candidate must beat the baseline by at least the change.
std::optional<std::string> change_shortfall(const Gate& gate, const eval::MetricComparison& m) {
    double improvement = m.lower_is_better ? -m.diff : m.diff;
    if (gate.min_absolute_change && improvement < *gate.min_absolute_change)
        return fmt::format("{} improved by {:.4g}, needs {:.4g}", m.metric, improvement,
                           *gate.min_absolute_change);
    if (gate.min_relative_change) {
        double base = std::fabs(m.mean_a);
        double relative = base > 0 ? improvement / base : (improvement > 0 ? INFINITY : 0);
        if (relative < *gate.min_relative_change)
            return fmt::format("{} improved by {:.4g}%, needs {:.4g}%", m.metric, relative * 100,
                               *gate.min_relative_change * 100);
    }
    return std::nullopt;
}

GateResult regression_gate(GateContext& ctx, const Gate& gate, const Candidate& candidate,
                           const std::optional<Release>& live, bool& interrupted,
                           std::size_t& paired) {
    GateResult r;
    r.name = gate.name();
    if (!live) {
        r.passed = true;
        r.detail = "nothing is live: no baseline to compare with";
        r.figures = {{"baseline", nullptr}};
        return r;
    }
    Candidate baseline = candidate_of_release(ctx.project(), *live);
    EvalEvidence base = ctx.evidence(gate.spec, baseline, "live release");
    EvalEvidence cand =
        base.interrupted ? EvalEvidence{} : ctx.evidence(gate.spec, candidate, "candidate");
    r.baseline_eval_id = base.eval_id;
    r.baseline_reused = base.reused;
    r.eval_id = cand.eval_id;
    r.reused = cand.reused;
    if (base.interrupted || cand.interrupted) {
        interrupted = true;
        r.detail = "interrupted";
        return r;
    }
    eval::CompareOptions compare;
    compare.alpha = gate.alpha;
    eval::EvalComparison cmp = eval::compare_eval_runs(
        ctx.project().db(), std::to_string(base.eval_id), std::to_string(cand.eval_id), compare);
    const eval::CellComparison& cell = cmp.cells.front();
    paired = cell.paired;
    json metrics = json::array();
    std::vector<std::string> problems;
    for (const auto& want : gate.metrics) {
        bool found = false;
        for (const auto& m : cell.metrics)
            found = found || m.metric == want;
        if (!found)
            throw Error(ErrorKind::BadInput,
                        "no_regression: metric '" + want + "' is not scored by " + gate.spec_text,
                        gate.where);
    }
    for (const auto& m : cell.metrics) {
        bool chosen = gate.metrics.empty();
        for (const auto& want : gate.metrics)
            chosen = chosen || want == m.metric;
        if (!chosen) continue;
        auto shortfall = change_shortfall(gate, m);
        metrics.push_back({{"metric", m.metric},
                           {"test", m.test},
                           {"pairs", m.pairs},
                           {"live_mean", m.mean_a},
                           {"candidate_mean", m.mean_b},
                           {"diff", m.diff},
                           {"ci_low", m.ci.lower},
                           {"ci_high", m.ci.upper},
                           {"p_value", m.p_value},
                           {"significant", m.significant},
                           {"regression", m.regression},
                           {"shortfall", shortfall ? json(*shortfall) : json(nullptr)}});
        if (m.regression)
            problems.push_back(fmt::format("{} fell {:.4g} -> {:.4g} (p = {:.3g}, {})", m.metric,
                                           m.mean_a, m.mean_b, m.p_value, m.test));
        else if (shortfall)
            problems.push_back(*shortfall);
    }
    r.figures = {{"baseline_release", live->number},
                 {"baseline_prompt", live->prompt_ref},
                 {"alpha", gate.alpha},
                 {"paired", cell.paired},
                 {"metrics", metrics}};
    r.passed = problems.empty();
    std::string joined;
    for (const auto& p : problems)
        joined += (joined.empty() ? "" : "; ") + p;
    r.detail = r.passed ? fmt::format("no significant regression against release {} ({} paired "
                                      "cases, alpha {:.3g})",
                                      live->number, cell.paired, gate.alpha)
                        : joined;
    return r;
}

GateResult requires_gate(store::Database& db, const std::string& required,
                         const Candidate& candidate) {
    GateResult r;
    r.name = "requires " + required;
    auto traffic = load_traffic(db, required, candidate.route);
    bool live = traffic && (traffic->stable.hash == candidate.hash ||
                            (traffic->canary && traffic->canary->hash == candidate.hash));
    r.passed = live;
    r.figures = {{"environment", required}, {"live", live}};
    r.detail =
        live ? "the candidate is live in " + required
             : "the candidate is not live in " + required +
                   (traffic ? " (it serves release " + std::to_string(traffic->stable.number) +
                                  ", " + traffic->stable.prompt_ref + ")"
                            : " (nothing is deployed there)");
    return r;
}

} // namespace

GateRun run_gates(store::Project& project, const Environment& env, const Candidate& candidate,
                  const std::optional<Release>& live, const GateOptions& options) {
    GateRun run;
    GateContext ctx(project, options);
    for (const auto& required : env.requires_live)
        run.results.push_back(requires_gate(project.db(), required, candidate));
    std::vector<std::size_t> case_counts; // per eval-backed gate
    for (const auto& gate : env.gates) {
        if (gate.kind == GateKind::MinCases) continue;
        std::size_t count = 0;
        run.results.push_back(
            gate.kind == GateKind::Eval
                ? eval_gate(ctx, gate, candidate, run.interrupted, count)
                : regression_gate(ctx, gate, candidate, live, run.interrupted, count));
        if (run.interrupted) return run;
        if (run.results.back().figures.contains("baseline") && !live) continue;
        case_counts.push_back(count);
    }
    for (const auto& gate : env.gates) {
        if (gate.kind != GateKind::MinCases) continue;
        GateResult r;
        r.name = gate.name();
        std::size_t fewest = case_counts.empty() ? 0 : case_counts.front();
        for (auto c : case_counts)
            fewest = std::min(fewest, c);
        r.passed = !case_counts.empty() && fewest >= static_cast<std::size_t>(gate.min_cases);
        r.figures = {{"required", gate.min_cases}, {"fewest", fewest}};
        r.detail = case_counts.empty()
                       ? "no eval gate ran, so there are no cases to count"
                       : fmt::format("the smallest gate eval has {} case{} (at least {} needed)",
                                     fewest, fewest == 1 ? "" : "s", gate.min_cases);
        run.results.push_back(std::move(r));
    }
    run.passed = true;
    for (const auto& r : run.results)
        run.passed = run.passed && r.passed;
    return run;
}

json gate_result_to_json(const GateResult& r) {
    json out = {
        {"gate", r.name}, {"passed", r.passed}, {"detail", r.detail}, {"figures", r.figures}};
    if (r.eval_id) out["eval"] = {{"id", *r.eval_id}, {"reused", r.reused}};
    if (r.baseline_eval_id)
        out["baseline_eval"] = {{"id", *r.baseline_eval_id}, {"reused", r.baseline_reused}};
    return out;
}

} // namespace llmops::deploy
