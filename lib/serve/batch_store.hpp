#pragma once
// The Batch API's state in the project store, without tables of its own: file contents and
// result chunks are immutable objects (.llmops/objects), and each file and batch is one JSON
// row of `meta` (`file:ID`, `batch:ID`) that names its objects, so gc keeps them and fsck
// checks them (store/object_references). A batch records its progress as chunks of result
// lines, each made durable before the row naming it commits: a gateway killed mid-batch
// resumes from the last chunk. Reference: docs/serve.md ("Batch API"), docs/store-format.md.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/hash.hpp"
#include "store/project.hpp"

namespace llmops::serve {

struct BatchLimits {
    std::uint64_t max_file_bytes = 64u << 20; // an uploaded file (the request body limit too)
    std::size_t max_lines = 50000;            // requests in one input file (OpenAI's limit)
    std::size_t concurrency = 16;             // batch requests in flight at once, per gateway
};

struct BatchFile {
    std::string id; // "file-…"
    std::string filename;
    std::string purpose; // batch, batch_output
    std::uint64_t bytes = 0;
    std::int64_t created_at = 0; // unix seconds
    std::string object;          // XXH3-128 hex of the content
    std::size_t lines = 0;
    std::string key_name; // the API key that owns it ("" without keys)
};

// OpenAI's file object: {id, object: "file", bytes, created_at, filename, purpose, status, …}.
nlohmann::json file_object(const BatchFile& file);

// One request line of a batch input file.
struct BatchInputLine {
    std::size_t line = 0; // 1-based
    std::string custom_id;
    nlohmann::json body;
};

// Checks a batch input file: JSON lines of {custom_id (unique), method: "POST", url:
// "/v1/chat/completions", body: {…}}, at most limits.max_lines, each line at most
// `max_line_bytes`. Returns the number of requests, or "line N, column C: what is wrong".
std::variant<std::size_t, std::string>
check_batch_input(std::string_view content, const BatchLimits& limits, std::size_t max_line_bytes);
// Each request line of a checked file, in order; stop by returning false.
void for_each_batch_line(std::string_view content,
                         const std::function<bool(BatchInputLine&&)>& visit);

struct BatchCounts {
    std::int64_t total = 0;
    std::int64_t completed = 0;
    std::int64_t failed = 0;
};

struct Batch {
    std::string id; // "batch_…"
    std::string endpoint;
    std::string input_file_id;
    std::string completion_window;
    std::string status; // validating, in_progress, finalizing, completed, failed, expired,
                        // cancelling, cancelled
    std::optional<std::string> output_file_id;
    std::optional<std::string> error_file_id;
    nlohmann::json errors = nullptr;   // {"object": "list", "data": [{code, message, line}]}
    nlohmann::json metadata = nullptr; // the client's, as sent
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    std::optional<std::int64_t> in_progress_at, finalizing_at, completed_at, failed_at, expired_at,
        cancelling_at, cancelled_at;
    BatchCounts counts;
    // llmops' own, never shown to clients:
    std::string key_name;            // the API key that created it
    std::string owner;               // the gateway process running it (core/process_owner)
    std::vector<std::string> chunks; // objects of result lines, in the order recorded
};

// OpenAI's batch object.
nlohmann::json batch_object(const Batch& batch);
bool batch_is_finished(const Batch& batch); // completed, failed, expired, cancelled

// A result as a chunk line: the OpenAI output line and where it goes.
struct BatchResultLine {
    std::size_t line = 0;  // the input line it answers
    bool ok = false;       // 2xx: the output file; else the error file
    nlohmann::json output; // {id, custom_id, response: {status_code, request_id, body}, error}
};

class BatchStore {
  public:
    explicit BatchStore(store::ProjectPaths paths);

    // Stores a file and its row in one step. Throws Error(Store).
    BatchFile add_file(std::string filename, std::string purpose, std::string_view content,
                       std::size_t lines, std::string key_name);
    // The same for content written to `path` (a file under temp_path), streamed in constant
    // memory; the file is removed.
    BatchFile add_file_from(const std::filesystem::path& path, std::string filename,
                            std::string purpose, std::size_t lines, std::string key_name);
    // A staging file in the store's tmp/ folder (gc removes one a killed gateway left).
    std::filesystem::path temp_path(const std::string& name) const;
    std::optional<BatchFile> file(const std::string& id) const;
    std::string file_content(const BatchFile& file) const;

    Batch create_batch(Batch batch); // assigns id and created_at
    std::optional<Batch> batch(const std::string& id) const;
    // Newest first; `after` (an id) pages on; at most `limit` (+1 to tell whether more exist).
    std::vector<Batch> list_batches(const std::string& key_name, bool any_key,
                                    const std::string& after, std::size_t limit) const;
    // Batches not finished, oldest first: what a gateway may resume.
    std::vector<Batch> unfinished_batches() const;

    // Read, change and write one batch in a single write transaction; `change` returns false
    // to leave it as it was. Returns the batch after the change (nullopt when unknown).
    std::optional<Batch> update(const std::string& id, const std::function<bool(Batch&)>& change);
    // Makes the chunk durable, then appends it to the batch with the new counts in one step.
    std::optional<Batch> record_chunk(const std::string& id, const std::string& chunk_jsonl,
                                      std::int64_t completed, std::int64_t failed);
    // Every result line recorded so far, chunk by chunk.
    void for_each_result(const Batch& batch,
                         const std::function<void(BatchResultLine&&)>& visit) const;

  private:
    store::ProjectPaths paths_;
};

} // namespace llmops::serve
