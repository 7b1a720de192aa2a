#include "eval/eval_runner.hpp"

#include <algorithm>
#include <mutex>
#include <set>

#include "core/error.hpp"
#include "eval/eval_runner_state.hpp"
#include "eval/eval_store.hpp"
#include "eval/eval_summary.hpp"
#include "prompt/prompt_registry.hpp"
#include "provider/credentials.hpp"
#include "run/run_claim.hpp"
#include "safety/pii_settings.hpp"

namespace llmops::eval {

using nlohmann::json;

void EvalRunner::State::build_metrics() {
    MetricEnvironment environment;
    environment.default_judge_provider = spec.providers.front().id;
    environment.pii_settings = [this] {
        return safety::load_pii_settings(project->paths().config_file);
    };
    environment.render_judge_prompt = [this](const std::string& name, const json& variables) {
        return render_judge(name, variables);
    };
    std::set<std::string> labels;
    auto add_label = [&](const Metric& metric, std::string label) {
        if (labels.insert(label).second)
            scoring.metrics.push_back({label, metric.spec().name, metric.lower_is_better()});
        return label;
    };
    auto check_judge_provider = [&](const MetricSpec& m) {
        if (m.name != "judge" && m.name != "rubric") return;
        std::string id = m.params.value("provider", environment.default_judge_provider);
        try {
            judge_provider(id);
        } catch (const Error& e) {
            throw Error(e.kind(), e.message(), m.where, e.hint());
        }
    };
    for (const auto& m : spec.metrics) {
        check_judge_provider(m);
        metrics.push_back(make_metric(m, environment));
        shared_metrics.emplace_back(metrics.back().get(), add_label(*metrics.back(), m.label));
    }
    for (const auto& inline_case : spec.cases) {
        auto list = shared_metrics;
        for (const auto& m : inline_case.metrics) {
            check_judge_provider(m);
            metrics.push_back(make_metric(m, environment));
            // A case's own metric named like a spec-wide one is scored separately.
            std::string label = m.label;
            for (int n = 2;
                 std::any_of(list.begin(), list.end(), [&](auto& e) { return e.second == label; });
                 ++n)
                label = m.label + "#" + std::to_string(n);
            list.emplace_back(metrics.back().get(), add_label(*metrics.back(), label));
        }
        inline_metrics.push_back(std::move(list));
        labels_after_inline.push_back(scoring.metrics.size());
    }
}

// A limit may leave some inline cases out: their own metrics (and labels no other case
// brought) go too.
void EvalRunner::State::keep_inline_cases(std::size_t count) {
    if (count >= inline_metrics.size()) return;
    inline_metrics.resize(count);
    scoring.metrics.resize(count == 0 ? shared_metrics.size() : labels_after_inline[count - 1]);
    labels_after_inline.resize(count);
}

void EvalRunner::State::plan_thresholds_and_baseline() {
    for (const auto& t : spec.thresholds)
        scoring.thresholds.push_back({t.metric, t.statistic, t.value, spec.threshold_cells(t)});
    for (const auto& [baseline_cell, compared_cell] : spec.baseline_pairs())
        scoring.baseline.push_back({baseline_cell, compared_cell});
}

void EvalRunner::State::plan_cells(const std::vector<run::RunInfo>* existing) {
    prompt::PromptRegistry registry(*project);
    int index = 0;
    for (std::size_t p = 0; p < spec.prompts.size(); ++p) {
        for (const auto& entry : spec.providers) {
            CellPlan cell;
            cell.index = index;
            try {
                // A resumed eval keeps the prompt versions it started with, whatever the labels
                // say now.
                cell.version = registry.resolve(
                    existing ? (*existing)[static_cast<std::size_t>(index)].prompt_ref
                             : spec.prompts[p]);
                cell.prompt = registry.load(cell.version);
            } catch (const Error& e) {
                throw Error(e.kind(), e.message(), spec.prompt_locations[p], e.hint());
            }
            try {
                cell.provider = provider::resolve_provider(catalog, entry.id);
                provider::read_api_key(cell.provider);
            } catch (const Error& e) {
                throw Error(e.kind(), e.message(), entry.where, e.hint());
            }
            cell.overrides.model = entry.model;
            cell.overrides.parameters = entry.parameters;
            cell.label = cell.version.ref() + " × " + entry.label;
            if (existing) cell.run_id = (*existing)[static_cast<std::size_t>(index)].id;
            cells.push_back(std::move(cell));
            ++index;
        }
    }
}

void EvalRunner::State::answer(CellPlan& cell) {
    store::Database& db = project->db();
    const std::int64_t recorded = run::recorded_row_count(db, cell.run_id);
    set_phase("answer", cell.index + 1, static_cast<std::uint64_t>(case_count - recorded));
    if (recorded >= case_count) return;

    run::ExecutorOptions executor_options;
    executor_options.engine = engine();
    executor_options.overrides = cell.overrides;
    run::RunExecutor executor(db, cell.prompt, cell.provider, executor_options);
    run::reopen_run(db, cell.run_id);
    VariableMapper mapper(spec, options.retriever);
    // The cases this cell has not answered, a page at a time.
    std::vector<StoredCase> page;
    std::size_t next = 0;
    std::int64_t after = -1;
    run::CaseSource source = [&]() -> std::optional<run::RunCase> {
        if (next == page.size()) {
            if (cancelled()) return std::nullopt;
            page = load_case_page(db, eval_id, after, kPageSize, cell.run_id);
            next = 0;
            if (page.empty()) return std::nullopt;
            after = page.back().index;
        }
        const StoredCase& c = page[next++];
        run::RunCase item;
        item.index = c.index;
        try {
            item.variables = mapper.variables(json::parse(c.fields_json));
        } catch (const Error& e) {
            if (e.kind() == ErrorKind::Interrupted) return std::nullopt; // left for a resume
            if (stops_command(e)) throw;
            item.error = e.message();
        }
        return item;
    };
    executor.execute(cell.run_id, source, [&](const run::RunRow& row, const json&) {
        ++done;
        if (!row.ok()) ++errors;
        if (row.result.cached) ++cached;
    });
}

EvalRunner::EvalRunner(std::unique_ptr<State> state) : state_(std::move(state)) {}
EvalRunner::EvalRunner(EvalRunner&&) noexcept = default;
EvalRunner::~EvalRunner() = default;

std::int64_t EvalRunner::eval_id() const {
    return state_->eval_id;
}
std::size_t EvalRunner::case_count() const {
    return static_cast<std::size_t>(state_->case_count);
}
std::size_t EvalRunner::cell_count() const {
    return state_->cells.size();
}

EvalProgress EvalRunner::progress() const {
    EvalProgress p;
    {
        std::lock_guard lock(state_->phase_mutex);
        p.phase = state_->phase;
    }
    p.cell = state_->cell;
    p.cells = static_cast<int>(state_->cells.size());
    p.done = state_->done;
    p.total = state_->total;
    p.errors = state_->errors;
    p.cached = state_->cached;
    return p;
}

EvalRunner EvalRunner::start(store::Project& project, EvalSpec spec, EvalRunOptions options) {
    auto state = std::make_unique<State>();
    State& s = *state;
    s.project = &project;
    s.spec = std::move(spec);
    s.options = std::move(options);
    s.catalog = provider::load_provider_catalog(project.paths().config_file);
    std::optional<long> limit = s.options.limit ? s.options.limit : s.spec.limit;
    s.origin = resolve_case_origin(project, s.spec);
    s.plan_cells(nullptr);
    s.build_metrics();
    s.plan_thresholds_and_baseline();
    s.use_project_indexes();
    VariableMapper check(s.spec, s.options.retriever); // templates compile

    // The run, its cases (streamed from the dataset) and its cells, in one transaction: a bad
    // row, Ctrl-C or an empty dataset leaves nothing behind.
    store::Database& db = project.db();
    store::Transaction tx(db);
    NewEvalRun record;
    record.description = s.spec.description;
    record.spec_source = s.spec.source;
    record.spec_hash = s.spec.hash;
    record.spec = s.spec.document;
    record.dataset_version_id = s.origin.dataset_version_id;
    record.data_source = s.origin.data_source;
    record.scoring = s.scoring;
    s.eval_id = create_eval_run(db, record);
    ImportedCases imported =
        import_cases(project, s.spec, s.origin, limit, s.eval_id, s.options.cancel);
    if (imported.count == 0)
        throw Error(ErrorKind::BadInput, "the eval has no cases",
                    s.spec.yaml.location_of("/dataset"));
    s.case_count = imported.count;
    s.keep_inline_cases(static_cast<std::size_t>(imported.count - imported.dataset_rows));
    s.scoring.first_inline_case = imported.dataset_rows;
    set_eval_plan(db, s.eval_id, s.case_count, s.scoring);
    for (auto& cell : s.cells) {
        run::NewRun r;
        r.kind = "eval";
        r.prompt_version_id = cell.version.id;
        r.dataset_version_id = s.origin.dataset_version_id;
        r.data_source = s.origin.data_source;
        r.provider_id = cell.provider.id;
        r.provider_config = provider::describe_provider(cell.provider);
        r.options = {{"eval", s.eval_id},
                     {"model", cell.overrides.model},
                     {"parameters", cell.overrides.parameters}};
        r.row_count = s.case_count;
        cell.run_id = run::create_run(db, r);
        add_cell(db, s.eval_id, {cell.index, cell.run_id, cell.label});
    }
    tx.commit();
    return EvalRunner(std::move(state));
}

EvalRunner EvalRunner::resume(store::Project& project, std::string_view eval_id,
                              EvalRunOptions options) {
    store::Database& db = project.db();
    EvalRunHeader header = load_eval_header(db, eval_id);
    const run::ClaimRules claim{
        .what = "eval run", .allow_completed = false, .force = options.force};
    run::check_resumable(db, run::ClaimedTable::EvalRuns, header.id, claim);
    auto state = std::make_unique<State>();
    State& s = *state;
    s.project = &project;
    s.spec = parse_eval_spec(header.spec.dump(), header.spec_source);
    s.options = std::move(options);
    s.catalog = provider::load_provider_catalog(project.paths().config_file);
    s.eval_id = header.id;
    s.case_count = header.case_count;
    s.origin.dataset_version_id = header.dataset_version_id;
    s.origin.data_source = header.data_source;
    std::vector<run::RunInfo> runs;
    for (const auto& cell : load_cells(db, header.id))
        runs.push_back(run::load_run(db, cell.run_id));
    if (runs.size() != s.spec.cell_count())
        throw Error(ErrorKind::Store, "eval run " + std::to_string(header.id) + " has " +
                                          std::to_string(runs.size()) + " cells, its spec makes " +
                                          std::to_string(s.spec.cell_count()));
    s.plan_cells(&runs);
    s.build_metrics();
    // Inline cases follow the dataset rows; runs stored before that was recorded had every
    // inline case after them.
    std::int64_t first_inline = header.scoring.first_inline_case;
    if (first_inline < 0)
        first_inline = std::max<std::int64_t>(
            0, s.case_count - static_cast<std::int64_t>(s.spec.cases.size()));
    s.keep_inline_cases(static_cast<std::size_t>(s.case_count - first_inline));
    s.scoring.first_inline_case = first_inline;
    s.scoring.thresholds = header.scoring.thresholds;
    s.scoring.baseline = header.scoring.baseline;
    s.use_project_indexes();
    // Last, when everything checked out: of two resumes, exactly one gets past this write.
    run::claim_for_resume(db, run::ClaimedTable::EvalRuns, header.id, claim);
    return EvalRunner(std::move(state));
}

EvalRunSummary EvalRunner::execute() {
    State& s = *state_;
    store::Database& db = s.project->db();
    bool interrupted = false;
    try {
        for (auto& cell : s.cells) {
            if (s.cancelled()) break;
            s.answer(cell);
            if (s.cancelled()) break;
            s.score(cell);
        }
    } catch (...) {
        // The record must say what is true: 'failed' when a provider stopped the eval; any
        // other error (the store, a bug) left it unfinished, and a resume finishes it. Ctrl-C
        // inside a render ends the run like Ctrl-C between requests.
        std::string status = "interrupted";
        try {
            std::rethrow_exception(std::current_exception());
        } catch (const Error& e) {
            if (e.kind() == ErrorKind::Interrupted) interrupted = true;
            if (e.kind() == ErrorKind::Provider) status = "failed";
        } catch (...) {
        }
        if (!interrupted) {
            // Best effort, each on its own: the store may fail again, and the first error is
            // the one to report.
            try {
                set_eval_status(db, s.eval_id, status);
            } catch (...) {
            }
            try {
                EvalRunSummary partial = load_summary(db, s.eval_id, {.versus_baseline = false});
                finish_eval_run(db, s.eval_id, status, false, summary_to_json(partial));
            } catch (...) {
            }
            throw;
        }
    }
    std::string status = interrupted || s.cancelled() ? "interrupted" : "completed";
    set_eval_status(db, s.eval_id, status);
    EvalRunSummary summary = load_summary(db, s.eval_id);
    finish_eval_run(db, s.eval_id, status, summary.passed, summary_to_json(summary));
    summary.status = status;
    return summary;
}

} // namespace llmops::eval
