#include "run/prompt_run.hpp"

#include <set>

#include "core/error.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_rows.hpp"
#include "prompt/prompt_registry.hpp"
#include "run/run_claim.hpp"

namespace llmops::run {

using nlohmann::json;

struct PromptRun::Plan {
    prompt::PromptVersionInfo version;
    prompt::CompiledPromptPtr prompt;
    data::DatasetVersion data;
    provider::ProviderConfig provider;
    json vars = json::object(); // applied over every row's fields
    std::int64_t row_count = 0;
    std::set<std::int64_t> skip; // rows a resume keeps
    provider::EngineOptions engine;
};

namespace {

provider::ProviderConfig resolve_provider_in(store::Project& project, std::string_view id) {
    return provider::resolve_provider(provider::load_provider_catalog(project.paths().config_file),
                                      id);
}

// The parts of a provider that change answers; a resume must find them as they were.
json answer_shaping(const json& described) {
    json out = json::object();
    for (const char* key : {"type", "endpoint", "model", "parameters", "command"})
        if (auto it = described.find(key); it != described.end()) out[key] = *it;
    return out;
}

// The case of row `index`: its fields, with the --var values over them.
json row_variables(std::string_view text, const json& vars) {
    json variables = json::parse(text);
    for (const auto& [name, value] : vars.items())
        variables[name] = value;
    return variables;
}

} // namespace

// Every row renders before anything is sent or stored: the dataset version and the prompt
// version never change, so a row that cannot render now never will, and a run of such rows
// is bad input (exit 3), not a run of failed rows. Rendering is cheap next to a request.
void PromptRun::check_rows_render(store::Project& project, const Plan& p) {
    prompt::PromptRenderer renderer(p.prompt);
    prompt::RenderedPrompt rendered;
    data::DatasetRowCursor cursor(project, p.data);
    std::string_view text;
    std::int64_t index = 0;
    std::optional<Error> first;
    std::int64_t failing = 0;
    while (cursor.next(text, index) && index < p.row_count) {
        // Ctrl-C: stop checking; the run then starts interrupted and records nothing sent.
        if (p.engine.cancel && index % 1024 == 0 && p.engine.cancel->load()) return;
        try {
            renderer.render(row_variables(text, p.vars), rendered, static_cast<long>(index));
        } catch (const Error& e) {
            // Ctrl-C inside a long render: the same as Ctrl-C between rows.
            if (e.kind() == ErrorKind::Interrupted) return;
            if (e.kind() != ErrorKind::BadInput) throw;
            if (!first) first = e;
            ++failing;
        }
    }
    if (!first) return;
    throw Error(ErrorKind::BadInput, first->message(), first->where(),
                std::to_string(failing) + " of " + std::to_string(p.row_count) + " row" +
                    (p.row_count == 1 ? "" : "s") +
                    " cannot be rendered; nothing was sent or stored. Fix the prompt's "
                    "variables or the data");
}

PromptRun::PromptRun(store::Project& project, std::unique_ptr<Plan> plan)
    : project_(&project), plan_(std::move(plan)) {
    plan_->engine.cache_db = project.paths().database();
    ExecutorOptions options;
    options.engine = plan_->engine;
    executor_ =
        std::make_unique<RunExecutor>(project.db(), plan_->prompt, plan_->provider, options);
}

PromptRun::PromptRun(PromptRun&&) noexcept = default;
PromptRun::~PromptRun() = default;

PromptRun PromptRun::start(store::Project& project, const PromptRunRequest& request) {
    auto plan = std::make_unique<Plan>();
    prompt::PromptRegistry registry(project);
    plan->version = registry.resolve(request.prompt_ref);
    plan->prompt = registry.load(plan->version);
    plan->data = data::resolve_version(project.db(), request.data_ref);
    plan->provider = resolve_provider_in(project, request.provider_id);
    for (const auto& [name, text] : request.vars_text)
        plan->vars[name] = prompt::variable_from_text(*plan->prompt, name, text);
    plan->row_count = plan->data.rows;
    if (request.limit) plan->row_count = std::min(plan->row_count, *request.limit);
    plan->engine = request.engine;
    // The run records the provider as it is used: with --timeout, --max-retries ... applied.
    provider::apply_engine_overrides(plan->provider, plan->engine);

    PromptRun run(project, std::move(plan)); // checks the API key before anything is stored
    const Plan& p = *run.plan_;
    check_rows_render(project, p);
    NewRun record;
    record.prompt_version_id = p.version.id;
    record.dataset_version_id = p.data.id;
    record.data_source = p.data.ref();
    record.provider_id = p.provider.id;
    record.provider_config = provider::describe_provider(p.provider);
    record.options = {{"vars", p.vars}, {"concurrency", request.engine.concurrency}};
    if (!request.engine.read_cache) record.options["no_cache"] = true;
    if (request.limit) record.options["limit"] = *request.limit;
    record.row_count = p.row_count;
    run.run_id_ = create_run(project.db(), record);
    run.planned_ = p.row_count;
    return run;
}

PromptRun PromptRun::resume(store::Project& project, std::int64_t run_id,
                            provider::EngineOptions engine, bool retry_failed, bool force) {
    RunInfo info = load_run(project.db(), run_id);
    if (info.kind != "run")
        throw Error(ErrorKind::Usage, "run " + std::to_string(run_id) + " is a cell of an eval run",
                    {}, "resume it with 'llmops eval run --resume EVAL_ID'");
    const ClaimRules claim{.what = "run", .allow_completed = true, .force = force};
    check_resumable(project.db(), ClaimedTable::Runs, run_id, claim);
    if (!info.dataset_version_id)
        throw Error(ErrorKind::BadInput, "the dataset of run " + std::to_string(run_id) + " (" +
                                             info.data_source + ") was removed");
    auto plan = std::make_unique<Plan>();
    prompt::PromptRegistry registry(project);
    plan->version = registry.resolve(info.prompt_ref);
    plan->prompt = registry.load(plan->version);
    plan->data = data::resolve_version(project.db(), info.data_source);
    plan->provider = resolve_provider_in(project, info.provider_id);
    if (answer_shaping(provider::describe_provider(plan->provider)) !=
        answer_shaping(info.provider_config))
        throw Error(ErrorKind::BadInput,
                    "provider '" + info.provider_id + "' changed since run " +
                        std::to_string(run_id) + " started (type, endpoint, model or parameters)",
                    ErrorLocation::in_file(project.paths().config_file.string()),
                    "start a new run instead");
    plan->vars = info.options.value("vars", json::object());
    plan->row_count = info.row_count;
    plan->skip = recorded_rows(project.db(), run_id, retry_failed);
    plan->engine = engine;

    PromptRun run(project, std::move(plan));
    run.run_id_ = run_id;
    run.planned_ = info.row_count - static_cast<std::int64_t>(run.plan_->skip.size());
    // Last, when everything checked out: the claim is the resume's first write.
    claim_for_resume(project.db(), ClaimedTable::Runs, run_id, claim);
    return run;
}

ExecutionResult PromptRun::execute() {
    data::DatasetRowCursor cursor(*project_, plan_->data);
    const Plan& p = *plan_;
    CaseSource cases = [&]() -> std::optional<RunCase> {
        std::string_view text;
        std::int64_t index = 0;
        while (cursor.next(text, index)) {
            if (index >= p.row_count) return std::nullopt;
            if (p.skip.count(index)) continue;
            return RunCase{index, row_variables(text, p.vars), {}};
        }
        return std::nullopt;
    };
    return executor_->execute(run_id_, cases);
}

void for_each_run_row_with_id(store::Project& project, const RunInfo& run,
                              const std::function<bool(const RunRow&, const std::string&)>& fn) {
    // The dataset is read alongside the rows (both in index order), one chunk in memory.
    std::optional<data::DatasetRowCursor> cursor;
    if (run.dataset_version_id) {
        auto version = data::find_version_by_id(project.db(), *run.dataset_version_id);
        if (version) cursor.emplace(project, *version);
    }
    std::string_view row_text;
    std::int64_t row_index = -1;
    bool rows_left = cursor.has_value();
    const std::string none;
    for_each_run_row(project.db(), run.id, [&](const RunRow& row) {
        while (rows_left && row_index < row.row_index)
            rows_left = cursor->next(row_text, row_index);
        std::optional<std::string> id;
        if (rows_left && row_index == row.row_index) id = data::row_id(row_text);
        return fn(row, id ? *id : none);
    });
}

json run_with_rows_json(store::Project& project, const RunInfo& run, const RunTotals& totals,
                        bool failed_only, bool with_raw) {
    json out = run_to_json(run, totals);
    out["rows"] = json::array();
    for_each_run_row_with_id(project, run, [&](const RunRow& row, const std::string& id) {
        if (!failed_only || !row.ok()) out["rows"].push_back(run_row_to_json(row, with_raw, id));
        return true;
    });
    return out;
}

void export_run_rows(store::Database& db, std::int64_t run_id, std::ostream& out) {
    for_each_run_row(db, run_id, [&](const RunRow& row) {
        out << run_row_to_json(row, false).dump(-1, ' ', false, json::error_handler_t::replace)
            << '\n';
        return true;
    });
}

} // namespace llmops::run
