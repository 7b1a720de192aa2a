#include "run/run_executor.hpp"

#include <unordered_map>
#include <vector>

#include "core/error.hpp"

namespace llmops::run {

using Clock = std::chrono::steady_clock;

struct RunExecutor::State {
    std::atomic<std::uint64_t> done{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<std::uint64_t> cached{0};
};

RunExecutor::RunExecutor(store::Database& db, prompt::CompiledPromptPtr prompt,
                         provider::ProviderConfig provider, ExecutorOptions options)
    : db_(db), prompt_(std::move(prompt)), options_(std::move(options)),
      runner_(std::move(provider), options_.engine), state_(std::make_unique<State>()) {}

RunExecutor::~RunExecutor() = default;

RunProgress RunExecutor::progress() const {
    auto engine = runner_.progress();
    RunProgress p;
    p.done = state_->done.load(std::memory_order_relaxed);
    p.failed = state_->failed.load(std::memory_order_relaxed);
    p.cached = state_->cached.load(std::memory_order_relaxed);
    p.in_flight = engine.in_flight;
    p.retries = engine.retries;
    return p;
}

void RunExecutor::cancel() noexcept {
    runner_.cancel();
}

namespace {

// A request in flight: what its row needs when the answer comes back.
struct PendingCase {
    std::int64_t index = 0;
    std::string input;
    nlohmann::json variables;
};

std::string render_error_text(const Error& e) {
    // The row is implied by the run row; keep the variable and template named.
    std::string where = e.where().to_string();
    return where.empty() ? e.message() : e.message() + " (" + where + ")";
}

} // namespace

ExecutionResult RunExecutor::execute(std::int64_t run_id, const CaseSource& cases,
                                     const RowObserver& observer) {
    auto started = Clock::now();
    prompt::PromptRenderer renderer(prompt_);
    prompt::RenderedPrompt rendered;
    std::unordered_map<std::size_t, PendingCase> pending;
    std::size_t next_position = 0;
    std::vector<RunRow> unwritten;
    auto last_flush = Clock::now();
    ExecutionResult result;

    auto flush = [&] {
        record_rows(db_, run_id, unwritten);
        unwritten.clear();
        last_flush = Clock::now();
    };
    auto record = [&](RunRow&& row, const nlohmann::json& variables) {
        ++result.recorded;
        state_->done.fetch_add(1, std::memory_order_relaxed);
        if (!row.ok()) {
            ++result.failed;
            state_->failed.fetch_add(1, std::memory_order_relaxed);
        }
        if (row.result.cached) state_->cached.fetch_add(1, std::memory_order_relaxed);
        if (observer) observer(row, variables);
        unwritten.push_back(std::move(row));
        if (unwritten.size() >= options_.flush_rows ||
            Clock::now() - last_flush >= options_.flush_interval)
            flush();
    };
    // Rows that arrived commit within the interval even while every request in flight hangs.
    auto on_tick = [&] {
        if (!unwritten.empty() && Clock::now() - last_flush >= options_.flush_interval) flush();
    };

    auto next_request = [&]() -> std::optional<provider::ChatRequest> {
        while (auto item = cases()) {
            if (!item->error.empty()) {
                RunRow row;
                row.row_index = item->index;
                row.render_error = std::move(item->error);
                record(std::move(row), item->variables);
                continue;
            }
            try {
                renderer.render(item->variables, rendered, static_cast<long>(item->index));
            } catch (const Error& e) {
                // Ctrl-C in a long render: stop taking cases; this one is left for a resume.
                if (e.kind() == ErrorKind::Interrupted) return std::nullopt;
                if (stops_command(e)) throw; // a template over its budget fails the run
                RunRow row;
                row.row_index = item->index;
                row.render_error = render_error_text(e);
                record(std::move(row), item->variables);
                continue;
            }
            auto request =
                chat_request_for(*prompt_, rendered, runner_.config(), options_.overrides);
            pending[next_position++] = {item->index, messages_json(request),
                                        std::move(item->variables)};
            return request;
        }
        return std::nullopt;
    };
    auto on_result = [&](std::size_t position, provider::ChatResult&& answer) {
        auto found = pending.find(position);
        if (found == pending.end()) return;
        PendingCase done = std::move(found->second);
        pending.erase(found);
        // A cancelled request was never answered: leave it for a resume.
        if (answer.error == provider::ProviderErrorKind::Cancelled) return;
        RunRow row;
        row.row_index = done.index;
        row.input = std::move(done.input);
        row.result = std::move(answer);
        record(std::move(row), done.variables);
    };

    provider::BatchSummary summary;
    try {
        summary = runner_.run(next_request, on_result, on_tick);
        flush();
    } catch (...) {
        // 'failed' means a provider stopped the run; any other error (the store, a bug) left
        // it unfinished: 'interrupted', and a resume finishes it.
        RunStatus status = RunStatus::Interrupted;
        try {
            std::rethrow_exception(std::current_exception());
        } catch (const Error& e) {
            if (e.kind() == ErrorKind::Provider) status = RunStatus::Failed;
        } catch (...) {
        }
        // Best effort, each on its own: the store may fail again, and the first error is the
        // one to report. Rows that cannot be written are simply missing, which a resume sends.
        try {
            flush();
        } catch (...) {
        }
        try {
            finish_run(db_, run_id, status,
                       std::chrono::duration<double>(Clock::now() - started).count());
        } catch (...) {
        }
        throw;
    }
    result.status = summary.cancelled ? RunStatus::Interrupted : RunStatus::Completed;
    result.wall_s = std::chrono::duration<double>(Clock::now() - started).count();
    finish_run(db_, run_id, result.status, result.wall_s);
    return result;
}

} // namespace llmops::run
