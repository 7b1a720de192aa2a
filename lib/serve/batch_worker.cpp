#include "serve/batch_worker.hpp"

#include "core/error.hpp"
#include "core/process_owner.hpp"
#include "core/time.hpp"

#include <chrono>
#include <deque>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <random>
#include <unordered_map>

namespace llmops::serve {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kChunkLines = 256;
constexpr auto kFlushInterval = std::chrono::milliseconds(500);
constexpr double kMaxRetryWait_s = 30;

std::string batch_request_id() {
    thread_local std::mt19937_64 rng(std::random_device{}());
    return fmt::format("batch_req_{:016x}{:08x}", rng(), static_cast<std::uint32_t>(rng()));
}

// Where each request line of an input file starts and how long it is.
std::vector<std::pair<std::size_t, std::size_t>> request_lines(std::string_view content) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    std::size_t pos = 0;
    while (pos < content.size()) {
        std::size_t eol = content.find('\n', pos);
        if (eol == std::string_view::npos) eol = content.size();
        std::string_view text = content.substr(pos, eol - pos);
        if (text.find_first_not_of(" \t\r") != std::string_view::npos)
            out.emplace_back(pos, eol - pos);
        pos = eol + 1;
    }
    return out;
}

// Results handed back by the gateway's threads; shared with the callbacks, which may outlive
// a run that stopped waiting for them.
struct ResultQueue {
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<std::pair<std::size_t, BatchLineOutcome>> results;
};

} // namespace

BatchWorker::BatchWorker(BatchStore& store, BatchLimits limits, BatchLineRunner run_line,
                         std::function<void(std::string_view)> note)
    : store_(store), limits_(limits), run_line_(std::move(run_line)), note_(std::move(note)),
      owner_(this_process().to_text()) {}

BatchWorker::~BatchWorker() {
    stop(0);
}

void BatchWorker::start() {
    thread_ = std::thread([this] { loop(); });
}

void BatchWorker::wake() {
    std::lock_guard lock(mutex_);
    woken_ = true;
    wake_.notify_all();
}

void BatchWorker::stop(double timeout_s) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
        stop_timeout_s_ = timeout_s;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void BatchWorker::loop() {
    while (true) {
        bool ran = false;
        try {
            for (const Batch& candidate : store_.unfinished_batches()) {
                {
                    std::lock_guard lock(mutex_);
                    if (stopping_) return;
                }
                if (!claim(candidate)) continue;
                if (auto claimed = store_.batch(candidate.id)) run(std::move(*claimed));
                ran = true;
            }
        } catch (const std::exception& e) {
            if (note_) note_(std::string("batch worker: ") + e.what());
        }
        std::unique_lock lock(mutex_);
        if (stopping_) return;
        if (!ran)
            wake_.wait_for(lock, std::chrono::seconds(1), [&] { return woken_ || stopping_; });
        woken_ = false;
        if (stopping_) return;
    }
}

bool BatchWorker::claim(const Batch& candidate) {
    auto after = store_.update(candidate.id, [&](Batch& b) {
        if (batch_is_finished(b)) return false;
        if (!b.owner.empty() && b.owner != owner_) {
            // Another gateway's: taken over only when that process is known to be gone.
            auto other = ProcessOwner::parse(b.owner);
            if (other && liveness(*other) != OwnerLiveness::Gone) return false;
        }
        b.owner = owner_;
        if (b.status == "validating") {
            b.status = "in_progress";
            b.in_progress_at = now_unix_s();
        }
        return true;
    });
    return after && after->owner == owner_ && !batch_is_finished(*after);
}

void BatchWorker::run(Batch batch) {
    auto file = store_.file(batch.input_file_id);
    if (!file) {
        store_.update(batch.id, [&](Batch& b) {
            b.status = "failed";
            b.failed_at = now_unix_s();
            b.errors = {{"object", "list"},
                        {"data",
                         {{{"code", "missing_file"},
                           {"message", "the input file " + b.input_file_id + " is gone"},
                           {"param", "input_file_id"},
                           {"line", nullptr}}}}};
            return true;
        });
        return;
    }
    const std::string input = store_.file_content(*file);
    const auto lines = request_lines(input);
    std::vector<bool> done(lines.size(), false);
    store_.for_each_result(batch, [&](BatchResultLine&& r) {
        if (r.line < done.size()) done[r.line] = true;
    });
    std::deque<std::size_t> todo;
    for (std::size_t i = 0; i < lines.size(); ++i)
        if (!done[i]) todo.push_back(i);
    if (note_ && todo.size() < lines.size() && !todo.empty())
        note_(fmt::format("batch {}: resuming, {} of {} requests left", batch.id, todo.size(),
                          lines.size()));

    auto queue = std::make_shared<ResultQueue>();
    std::vector<std::pair<std::size_t, Clock::time_point>> retries;
    std::unordered_map<std::size_t, std::string> custom_ids; // of the lines in flight
    std::size_t in_flight = 0;
    std::string chunk;
    std::size_t chunk_lines = 0;
    std::int64_t chunk_ok = 0;
    std::int64_t chunk_failed = 0;
    auto last_flush = Clock::now();
    auto last_check = Clock::now();
    bool cancel = batch.status == "cancelling";
    bool expired = false;
    std::optional<Clock::time_point> stop_seen;

    auto flush = [&] {
        last_flush = Clock::now();
        if (chunk_lines == 0) return;
        auto after = store_.record_chunk(batch.id, chunk, chunk_ok, chunk_failed);
        chunk.clear();
        chunk_lines = 0;
        chunk_ok = chunk_failed = 0;
        if (after) {
            batch = std::move(*after);
            if (batch.status == "cancelling") cancel = true;
        }
    };
    auto submit = [&](std::size_t index) {
        json doc =
            json::parse(std::string_view(input).substr(lines[index].first, lines[index].second));
        custom_ids[index] = doc.at("custom_id").get<std::string>();
        ++in_flight;
        auto done_cb = [queue, index](BatchLineOutcome&& out) {
            std::lock_guard lock(queue->mutex);
            queue->results.emplace_back(index, std::move(out));
            queue->ready.notify_all();
        };
        try {
            run_line_(std::move(doc.at("body")), batch.key_name, done_cb);
        } catch (const std::exception& e) {
            BatchLineOutcome out;
            out.status = 500;
            out.error_kind = "internal";
            out.body = json{{"error", {{"message", e.what()}, {"type", "server_error"}}}}.dump();
            done_cb(std::move(out));
        }
    };

    while (true) {
        bool stopping;
        double stop_timeout;
        {
            std::lock_guard lock(mutex_);
            stopping = stopping_;
            stop_timeout = stop_timeout_s_;
        }
        if (stopping && !stop_seen) stop_seen = Clock::now();
        if (!stopping && !cancel && !expired) {
            if (now_unix_s() >= batch.expires_at) expired = true;
            auto now = Clock::now();
            while (!expired && in_flight < limits_.concurrency) {
                auto ready = std::find_if(retries.begin(), retries.end(),
                                          [&](const auto& r) { return r.second <= now; });
                if (ready != retries.end()) {
                    std::size_t index = ready->first;
                    retries.erase(ready);
                    submit(index);
                } else if (!todo.empty()) {
                    submit(todo.front());
                    todo.pop_front();
                } else {
                    break;
                }
            }
        }
        if (in_flight == 0 && (stopping || cancel || expired || (todo.empty() && retries.empty())))
            break;
        if (stopping &&
            std::chrono::duration<double>(Clock::now() - *stop_seen).count() >= stop_timeout)
            break; // lines still in flight are not recorded: the resume sends them again
        std::deque<std::pair<std::size_t, BatchLineOutcome>> results;
        {
            std::unique_lock lock(queue->mutex);
            queue->ready.wait_for(lock, std::chrono::milliseconds(100),
                                  [&] { return !queue->results.empty(); });
            results.swap(queue->results);
        }
        for (auto& [index, out] : results) {
            --in_flight;
            std::string custom_id = std::move(custom_ids[index]);
            custom_ids.erase(index);
            if (out.retry_after_s > 0) {
                if (!stopping && !cancel)
                    retries.emplace_back(index, Clock::now() +
                                                    std::chrono::duration_cast<Clock::duration>(
                                                        std::chrono::duration<double>(std::min(
                                                            out.retry_after_s, kMaxRetryWait_s))));
                continue;
            }
            if (stopping && out.error_kind == "upstream_cancelled") continue;
            json body = json::parse(out.body, nullptr, false);
            if (body.is_discarded()) body = out.body;
            bool ok = out.status >= 200 && out.status < 300;
            json line = {{"id", batch_request_id()},
                         {"custom_id", custom_id},
                         {"response",
                          {{"status_code", out.status},
                           {"request_id", out.request_id},
                           {"body", std::move(body)}}},
                         {"error", nullptr}};
            chunk += json{{"line", index}, {"ok", ok}, {"output", std::move(line)}}.dump();
            chunk += '\n';
            ++chunk_lines;
            (ok ? chunk_ok : chunk_failed) += 1;
        }
        auto now = Clock::now();
        if (chunk_lines >= kChunkLines || (chunk_lines > 0 && now - last_flush >= kFlushInterval)) {
            flush();
        } else if (now - last_check >= kFlushInterval) {
            last_check = now;
            if (auto fresh = store_.batch(batch.id); fresh && fresh->status == "cancelling")
                cancel = true;
        }
    }
    flush();
    if (stop_seen) return; // the gateway stops: the batch stays in progress, to be resumed
    finalize(batch, input, lines, expired);
}

void BatchWorker::finalize(const Batch& batch, std::string_view input,
                           const std::vector<std::pair<std::size_t, std::size_t>>& lines,
                           bool expired) {
    auto current = store_.update(batch.id, [&](Batch& b) {
        if (b.status == "cancelling") return false;
        b.status = "finalizing";
        b.finalizing_at = now_unix_s();
        return true;
    });
    if (!current) return;
    // Both files are written to the store's tmp/ and streamed into objects, so a large batch's
    // results never sit in memory whole.
    std::vector<bool> done(lines.size(), false);
    const auto output_path = store_.temp_path(batch.id + "_output.partial");
    const auto errors_path = store_.temp_path(batch.id + "_error.partial");
    std::ofstream output(output_path, std::ios::binary | std::ios::trunc);
    std::ofstream errors(errors_path, std::ios::binary | std::ios::trunc);
    if (!output || !errors)
        throw Error(ErrorKind::Store, "cannot write the result files of batch " + batch.id,
                    ErrorLocation{.file = output_path.parent_path().string()});
    std::size_t output_lines = 0;
    std::size_t error_lines = 0;
    store_.for_each_result(*current, [&](BatchResultLine&& r) {
        if (r.line < done.size()) done[r.line] = true;
        (r.ok ? output : errors) << r.output.dump() << '\n';
        ++(r.ok ? output_lines : error_lines);
    });
    std::int64_t expired_lines = 0;
    if (expired && current->status != "cancelling")
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (done[i]) continue;
            json doc = json::parse(input.substr(lines[i].first, lines[i].second));
            json line = {{"id", batch_request_id()},
                         {"custom_id", doc.at("custom_id")},
                         {"response", nullptr},
                         {"error",
                          {{"code", "batch_expired"},
                           {"message", "This request could not be executed before the "
                                       "completion window expired."}}}};
            errors << line.dump() << '\n';
            ++error_lines;
            ++expired_lines;
        }
    output.close();
    errors.close();
    if (!output || !errors)
        throw Error(ErrorKind::Store, "cannot write the result files of batch " + batch.id,
                    ErrorLocation{.file = output_path.parent_path().string()});
    std::optional<std::string> output_id;
    std::optional<std::string> error_id;
    if (output_lines > 0)
        output_id = store_
                        .add_file_from(output_path, batch.id + "_output.jsonl", "batch_output",
                                       output_lines, batch.key_name)
                        .id;
    if (error_lines > 0)
        error_id = store_
                       .add_file_from(errors_path, batch.id + "_error.jsonl", "batch_output",
                                      error_lines, batch.key_name)
                       .id;
    std::error_code ec;
    std::filesystem::remove(output_path, ec); // an empty one that became no file
    std::filesystem::remove(errors_path, ec);
    store_.update(batch.id, [&](Batch& b) {
        std::int64_t now = now_unix_s();
        if (b.status == "cancelling") {
            b.status = "cancelled";
            b.cancelled_at = now;
        } else if (expired) {
            b.status = "expired";
            b.expired_at = now;
            b.counts.failed += expired_lines;
        } else {
            b.status = "completed";
            b.completed_at = now;
        }
        b.output_file_id = output_id;
        b.error_file_id = error_id;
        return true;
    });
    if (note_) note_(fmt::format("batch {}: {}", batch.id, expired ? "expired" : "finished"));
}

} // namespace llmops::serve
