#pragma once
// Runs the gateway's batches: one thread claims an unfinished batch (an owner lease, as runs
// have: a batch owned by a live gateway on this host, or by one on another host, is left
// alone), sends its lines that have no recorded result through the gateway's own chat path,
// at most `limits.concurrency` at a time, records results in chunks (at most every 500 ms or
// 256 lines), and writes the output and error files when every line has a result, the batch
// was cancelled or its window expired. A gateway that stops, or is killed, leaves the batch
// in progress; the next one resumes it from its last recorded chunk. Reference:
// docs/serve.md ("Batch API").
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "serve/batch_store.hpp"

namespace llmops::serve {

// What the gateway answered one batch line.
struct BatchLineOutcome {
    int status = 0;
    std::string request_id; // the request log's id
    std::string body;       // the response body (JSON)
    std::string error_kind; // the request log's error kind, "" on success
    // > 0: the gateway refused the line for now (its upstream queue was full, the key's rate
    // limit): the worker sends it again after this many seconds instead of recording it.
    double retry_after_s = 0;
};

// Sends one line's body as a chat completion on behalf of `key_name`; `done` is called once,
// from any thread.
using BatchLineRunner = std::function<void(nlohmann::json body, const std::string& key_name,
                                           std::function<void(BatchLineOutcome&&)> done)>;

class BatchWorker {
  public:
    BatchWorker(BatchStore& store, BatchLimits limits, BatchLineRunner run_line,
                std::function<void(std::string_view)> note);
    ~BatchWorker(); // stop(0)
    BatchWorker(const BatchWorker&) = delete;
    BatchWorker& operator=(const BatchWorker&) = delete;

    void start();
    void wake(); // a batch was created or cancelled: look now, not at the next poll
    // Sends no more lines, waits up to `timeout_s` for lines in flight, records what they
    // answered (a line cut short by the stop is not recorded: the resume sends it again), and
    // joins the thread. The batch stays in progress.
    void stop(double timeout_s);

  private:
    void loop();
    bool claim(const Batch& batch);
    void run(Batch batch);
    void finalize(const Batch& batch, std::string_view input,
                  const std::vector<std::pair<std::size_t, std::size_t>>& lines, bool expired);

    BatchStore& store_;
    BatchLimits limits_;
    BatchLineRunner run_line_;
    std::function<void(std::string_view)> note_;
    std::string owner_; // this process, as batches record it
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool woken_ = false;
    bool stopping_ = false;
    double stop_timeout_s_ = 0;
};

} // namespace llmops::serve
