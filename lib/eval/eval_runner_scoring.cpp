// The scoring half of the eval runner: deterministic metrics per page of answers, and judge
// calls batched through the provider engine (eval_runner_state.hpp).
#include "eval/eval_runner_state.hpp"

#include "core/error.hpp"
#include "eval/eval_store.hpp"
#include "eval/judge_prompts.hpp"
#include "provider/credentials.hpp"

namespace llmops::eval {

namespace {

std::string input_text_of(const std::string& messages_json) {
    provider::ChatRequest request;
    json messages = json::parse(messages_json, nullptr, false);
    if (messages.is_array())
        for (const auto& m : messages)
            request.messages.push_back(
                {m.value("role", ""), m.value("content", ""), m.value("name", "")});
    return provider::prompt_text(request);
}

} // namespace

std::vector<provider::ChatMessage> EvalRunner::State::render_judge(const std::string& name,
                                                                   const json& variables) {
    auto found = judge_renderers.find(name);
    if (found == judge_renderers.end()) {
        prompt::PromptRegistry registry(*project);
        auto added = registry.add_text(builtin_judge_prompt_yaml(name), "builtin:" + name,
                                       "built-in judge prompt");
        found = judge_renderers
                    .emplace(name,
                             std::make_unique<prompt::PromptRenderer>(registry.load(added.version)))
                    .first;
    }
    prompt::RenderedPrompt rendered = found->second->render(variables);
    std::vector<provider::ChatMessage> messages;
    if (rendered.completion) messages.push_back({"user", rendered.text, ""});
    for (const auto& m : rendered.messages)
        messages.push_back({m.role, m.content, m.name});
    return messages;
}

const provider::ProviderConfig& EvalRunner::State::judge_provider(const std::string& id) {
    auto found = judge_providers.find(id);
    if (found == judge_providers.end()) {
        auto config = provider::resolve_provider(catalog, id);
        provider::read_api_key(config); // a missing key fails before any request
        found = judge_providers.emplace(id, std::move(config)).first;
    }
    return found->second;
}

void EvalRunner::State::score(const CellPlan& cell) {
    store::Database& db = project->db();
    set_phase("score", cell.index + 1, static_cast<std::uint64_t>(case_count));
    VariableMapper mapper(spec, options.retriever);
    std::vector<run::RunRow> rows;
    std::int64_t after = -1;
    while (!cancelled()) {
        rows.clear();
        {
            run::RunRowCursor cursor(db, cell.run_id, after, kPageSize);
            run::RunRow row;
            while (cursor.next(row))
                rows.push_back(row);
        } // the read ends here: scoring writes
        if (rows.empty()) break;
        after = rows.back().row_index;
        score_page(cell, rows, mapper);
        done += rows.size();
    }
}

// Scores one page of answers: deterministic metrics at once, judges batched through the engine.
void EvalRunner::State::score_page(const CellPlan& cell, const std::vector<run::RunRow>& rows,
                                   const VariableMapper& mapper) {
    store::Database& db = project->db();
    const std::int64_t first = rows.front().row_index, last = rows.back().row_index;
    auto counts = score_counts(db, eval_id, cell.index, first, last);
    // Case indexes are 0..n-1, so the page's cases are first..last.
    std::vector<StoredCase> page_cases =
        load_case_page(db, eval_id, first - 1, static_cast<std::size_t>(last - first + 1));
    std::vector<ScoreRow> pending;
    std::vector<JudgeTask> judges;
    for (const run::RunRow& row : rows) {
        const std::int64_t offset = row.row_index - first;
        if (!row.ok() || offset >= static_cast<std::int64_t>(page_cases.size())) continue;
        const StoredCase& stored = page_cases[static_cast<std::size_t>(offset)];
        if (stored.index != row.row_index) continue; // not a case of this eval
        const auto& list = metrics_for(row.row_index);
        if (auto c = counts.find(row.row_index);
            c != counts.end() && c->second >= static_cast<int>(list.size()))
            continue;
        json fields = json::parse(stored.fields_json);
        json vars;
        try {
            vars = mapper.variables(fields);
        } catch (const Error& e) {
            if (stops_command(e)) throw;
            continue; // the row would not have rendered
        }
        std::string input = input_text_of(row.input);
        CaseContext context{fields, vars, input, row.result.text, row.result};
        for (std::size_t m = 0; m < list.size(); ++m) {
            JudgeRequest judge;
            std::optional<MetricResult> result = list[m].first->evaluate(context, judge);
            if (!result) {
                std::string provider_id =
                    judge.provider.empty() ? spec.providers.front().id : judge.provider;
                judge_provider(provider_id);
                judges.push_back({cell.index, row.row_index, static_cast<int>(m), list[m].first,
                                  std::move(provider_id), row.result.text, input, fields, vars,
                                  row.result, std::move(judge.request)});
                continue;
            }
            if (!result->error.empty()) ++errors;
            pending.push_back({cell.index, row.row_index, static_cast<int>(m), list[m].second,
                               result->score, result->passed, std::move(result->reason),
                               std::move(result->error), std::move(result->detail)});
        }
    }
    record_scores(db, eval_id, pending);
    if (!judges.empty()) run_judges(judges);
}

void EvalRunner::State::run_judges(std::vector<JudgeTask>& tasks) {
    store::Database& db = project->db();
    // One engine per judge provider; tasks keep their order within each.
    std::map<std::string, std::vector<std::size_t>> by_provider;
    for (std::size_t t = 0; t < tasks.size(); ++t)
        by_provider[tasks[t].provider].push_back(t);
    for (const auto& provider_tasks : by_provider) {
        // Not a structured binding: the lambda below captures it, which clang 14 refuses.
        const std::string& id = provider_tasks.first;
        const std::vector<std::size_t>& indices = provider_tasks.second;
        provider::BatchRunner runner(judge_provider(id), engine());
        std::vector<provider::ChatRequest> requests;
        requests.reserve(indices.size());
        for (std::size_t t : indices)
            requests.push_back(tasks[t].request);
        std::vector<ScoreRow> pending;
        auto summary = runner.run(
            std::move(requests), [&](std::size_t position, provider::ChatResult&& answer) {
                if (answer.error == provider::ProviderErrorKind::Cancelled)
                    return; // left for a resume
                JudgeTask& task = tasks[indices[position]];
                if (answer.cached) ++cached;
                CaseContext context{task.fields, task.vars, task.input, task.output,
                                    task.answer_result};
                MetricResult result = task.metric->finish(context, answer);
                if (!result.error.empty()) ++errors;
                const auto& list = metrics_for(task.case_index);
                pending.push_back({task.cell, task.case_index, task.metric_index,
                                   list[static_cast<std::size_t>(task.metric_index)].second,
                                   result.score, result.passed, std::move(result.reason),
                                   std::move(result.error), std::move(result.detail)});
            });
        record_scores(db, eval_id, pending);
        if (summary.cancelled) return;
    }
}

} // namespace llmops::eval
