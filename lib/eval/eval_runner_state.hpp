#pragma once
// The eval runner's working state, shared by its two halves: eval_runner.cpp (planning the
// cells, answering, the public API) and eval_runner_scoring.cpp (metrics and judges). Private
// to lib/eval.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "eval/eval_runner.hpp"
#include "eval/eval_summary.hpp"
#include "eval/metric.hpp"
#include "index/retrieval_index.hpp"
#include "prompt/prompt_registry.hpp"
#include "provider/batch_runner.hpp"
#include "run/run_executor.hpp"

namespace llmops::eval {

using nlohmann::json;

inline constexpr std::size_t kDefaultConcurrency = 8;
// Cases handled per page: each phase reads a page, works on it, writes, and reads the next,
// so memory does not grow with the cases and no read is open while it writes.
inline constexpr std::size_t kPageSize = 512;

struct CellPlan {
    int index = 0;
    std::string label;
    prompt::PromptVersionInfo version;
    prompt::CompiledPromptPtr prompt;
    provider::ProviderConfig provider;
    run::RequestOverrides overrides;
    std::int64_t run_id = 0;
};

// A judge call waiting for its answer, with what the metric needs to finish.
struct JudgeTask {
    int cell = 0;
    std::int64_t case_index = 0;
    int metric_index = 0;
    const Metric* metric = nullptr;
    std::string provider;
    std::string output;
    std::string input;
    json fields;
    json vars;
    provider::ChatResult answer_result; // the answer being judged (latency, tokens)
    provider::ChatRequest request;
};

struct EvalRunner::State {
    store::Project* project = nullptr;
    EvalSpec spec;
    EvalRunOptions options;
    provider::ProviderCatalog catalog;
    CaseOrigin origin;
    std::int64_t case_count = 0;
    std::vector<CellPlan> cells;
    std::vector<std::unique_ptr<Metric>> metrics; // every metric instance
    // (metric, label) in metric_index order: the spec's metrics for the dataset rows; for each
    // inline case, the spec's and then its own.
    using MetricList = std::vector<std::pair<const Metric*, std::string>>;
    MetricList shared_metrics;
    std::vector<MetricList> inline_metrics;
    // scoring.metrics.size() once inline case k's own labels were added.
    std::vector<std::size_t> labels_after_inline;
    Scoring scoring;
    std::map<std::string, provider::ProviderConfig> judge_providers;
    std::map<std::string, std::unique_ptr<prompt::PromptRenderer>> judge_renderers;
    std::map<std::string, index::RetrievalIndex> indexes; // opened on first use
    std::int64_t eval_id = 0;

    mutable std::mutex phase_mutex;
    std::string phase = "answer";
    std::atomic<int> cell{0};
    std::atomic<std::uint64_t> done{0}, total{0}, errors{0}, cached{0};

    provider::EngineOptions engine() const {
        provider::EngineOptions e;
        e.concurrency =
            options.concurrency.value_or(spec.concurrency.value_or(kDefaultConcurrency));
        e.cache_db = project->paths().database();
        e.read_cache = !options.no_cache;
        e.cancel = options.cancel;
        e.log = options.log;
        return e;
    }

    void set_phase(std::string name, int cell_number, std::uint64_t planned) {
        std::lock_guard lock(phase_mutex);
        phase = std::move(name);
        cell = cell_number;
        done = 0;
        errors = 0;
        cached = 0;
        total = planned;
    }

    std::vector<provider::ChatMessage> render_judge(const std::string& name, const json& variables);
    const provider::ProviderConfig& judge_provider(const std::string& id);

    // The default retriever: the project's BM25 indexes (an unknown index fails at start).
    void use_project_indexes() {
        if (options.retriever || spec.retrieve.empty()) return;
        for (const auto& r : spec.retrieve) {
            if (indexes.count(r.index)) continue;
            try {
                indexes.emplace(r.index, index::RetrievalIndex::open(*project, r.index));
            } catch (const Error& e) {
                throw Error(e.kind(), e.message(), r.where, e.hint());
            }
        }
        options.retriever = [this](const RetrieveSpec& r, const std::string& query) {
            return index::passages_json(
                indexes.at(r.index).search(query, static_cast<std::size_t>(r.k)));
        };
    }

    bool cancelled() const { return options.cancel && options.cancel->load(); }

    const MetricList& metrics_for(std::int64_t case_index) const {
        const std::int64_t k = case_index - scoring.first_inline_case;
        if (scoring.first_inline_case >= 0 && k >= 0 &&
            k < static_cast<std::int64_t>(inline_metrics.size()))
            return inline_metrics[static_cast<std::size_t>(k)];
        return shared_metrics;
    }

    void build_metrics();
    void keep_inline_cases(std::size_t count);
    void plan_cells(const std::vector<run::RunInfo>* existing);
    void plan_thresholds_and_baseline();
    void answer(CellPlan& cell);
    void score(const CellPlan& cell);
    void score_page(const CellPlan& cell, const std::vector<run::RunRow>& rows,
                    const VariableMapper& mapper);
    void run_judges(std::vector<JudgeTask>& tasks);
};

} // namespace llmops::eval
