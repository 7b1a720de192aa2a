#pragma once
// The request log: one record per request the gateway answered (or refused), and the feedback
// clients send about them. Records are handed to a RequestLogWriter, whose single thread
// writes them to a RequestLogBackend in groups (one transaction at most every 100 ms), off the
// request path. The backend is an interface: SQLite (the project store) now, PostgreSQL for
// several gateway replicas later. Reference: docs/serve.md, docs/store-format.md.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/database.hpp"

namespace llmops::serve {

// Request ids are time-ordered so that the log is stored in time order under them: "req_" and
// 16 hex digits of (created_at in Unix ms << 20 | a 20-bit sequence). The store keeps the
// number only (docs/store-format.md).
constexpr int kRequestIdSequenceBits = 20;
std::string make_request_id(std::int64_t created_ms, std::uint32_t sequence);
// The number of a "req_…" id; nullopt for any other text.
std::optional<std::int64_t> parse_request_id(std::string_view id);
// The smallest id number of a request created at or after `unix_ms`.
constexpr std::int64_t first_request_id_at(std::int64_t unix_ms) {
    return unix_ms << kRequestIdSequenceBits;
}
constexpr std::int64_t request_id_ms(std::int64_t id) {
    return id >> kRequestIdSequenceBits;
}

struct RequestRecord {
    std::string id;         // x-request-id, make_request_id(); another shape gets a new id
    std::string created_at; // ISO 8601, the same millisecond as the id
    std::string env;
    std::string method;
    std::string path;
    std::string route; // "" when none was resolved
    std::optional<std::int64_t> release_id;
    std::optional<std::int64_t> release_number;
    bool canary = false;
    std::string prompt_version; // "qa@3"
    std::string provider;
    std::string model;
    std::string key_name;
    std::string user_hash; // 16 hex digits: the first 64 bits of the user key's XXH3-128
    int status = 0;
    std::string error_kind; // "" on success
    std::string error_message;
    double total_ms = 0;
    double queue_ms = 0;
    double upstream_ms = 0;
    double overhead_ms = 0;
    std::optional<double> ttft_ms;
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
    double cost_usd = 0;
    bool cached = false;
    bool streamed = false;
    // What the route's guardrails found, whatever they did (kFlag* of serve/guardrails.hpp):
    // 1 input PII, 2 input injection, 4 output PII, 8 output injection; 0 = nothing.
    std::uint32_t flags = 0;
    std::string body_policy;                 // full, hash, none
    std::optional<std::string> request_body; // by policy: the body, its hash, or nothing
    std::optional<std::string> response_body;
};

struct FeedbackRecord {
    std::string request_id;
    std::string name;
    nlohmann::json value; // number, boolean or string (a category)
    std::string comment;
    std::string key_name;
    std::string created_at;
};

struct LogFilter {
    std::string route; // "" = any
    std::string since; // ISO 8601, "" = any
    std::optional<int> status;
    bool errors_only = false;
    std::size_t limit = 50;                // 0 = all
    std::optional<std::int64_t> after_seq; // set: rows after it, oldest first (tail -f)
};

struct StoredRequest {
    std::int64_t seq = 0; // the id's number: rows sort by it in time order
    RequestRecord record;
};

struct StoredFeedback {
    std::int64_t id = 0;
    FeedbackRecord record;
};

// One key's use of the gateway: cost, requests and tokens (prompt plus completion).
struct KeyUsage {
    std::string key_name;
    double cost_usd = 0;
    std::int64_t requests = 0;
    std::int64_t tokens = 0;

    void add(const KeyUsage& more) {
        key_name = more.key_name;
        cost_usd += more.cost_usd;
        requests += more.requests;
        tokens += more.tokens;
    }
};

class RequestLogBackend {
  public:
    virtual ~RequestLogBackend() = default;
    // Writes records and feedback in one transaction. `feedback_found[i]` tells whether the
    // request feedback[i] names exists (in the store or in this group); unknown ones are not
    // written.
    virtual void write_group(const std::vector<RequestRecord>& records,
                             const std::vector<FeedbackRecord>& feedback,
                             std::vector<bool>& feedback_found) = 0;
    // Newest first, or oldest first after `after_seq` (tail).
    virtual std::vector<StoredRequest> list(const LogFilter& filter) = 0;
    virtual std::optional<StoredRequest> get(const std::string& id) = 0;
    virtual std::vector<StoredFeedback> feedback_for(const std::string& request_id) = 0;
    // What each key has used, for budgets and rate limits: every request any gateway of the
    // store ever logged, pruned ones too (tokens since schema 16).
    virtual std::vector<KeyUsage> usage_by_key() = 0;
    // The same for the requests this backend itself has written since it was opened.
    virtual std::vector<KeyUsage> written_by_key() = 0;
    // Deletes the requests created before `unix_ms` and their feedback, in one transaction;
    // returns how many requests went.
    virtual std::uint64_t prune_before(std::int64_t unix_ms) = 0;
};

// `logs tail --follow`: rows are written when a request ends but sorted by when it began, so
// each poll looks back `lookback` before the newest row seen and skips the rows already shown.
class LogFollower {
  public:
    explicit LogFollower(LogFilter filter,
                         std::chrono::milliseconds lookback = std::chrono::minutes(10));
    // The newest `last` rows, oldest first; every row of the window counts as shown.
    std::vector<StoredRequest> start(RequestLogBackend& backend, std::size_t last);
    // The rows not shown yet, oldest first.
    std::vector<StoredRequest> poll(RequestLogBackend& backend);

  private:
    LogFilter filter_;
    std::int64_t newest_ = 0;
    std::int64_t lookback_ids_ = 0;
    std::set<std::int64_t> shown_; // ids within the lookback of newest_
};

class RequestLogWriter {
  public:
    // Groups are committed at most `group_interval` after their first record.
    explicit RequestLogWriter(RequestLogBackend& backend, std::chrono::milliseconds group_interval =
                                                              std::chrono::milliseconds(100));
    ~RequestLogWriter(); // flushes
    RequestLogWriter(const RequestLogWriter&) = delete;
    RequestLogWriter& operator=(const RequestLogWriter&) = delete;

    void append(RequestRecord record);
    // `done(found)` is called on the writer thread once the feedback is written or refused.
    void append_feedback(FeedbackRecord record, std::function<void(bool found)> done);
    // Waits until everything appended so far is committed.
    void flush();

    std::uint64_t written() const;
    std::uint64_t failed_groups() const;
    std::string last_error() const;

  private:
    void loop();

    RequestLogBackend& backend_;
    std::chrono::milliseconds interval_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable flushed_;
    std::vector<RequestRecord> records_;
    std::vector<FeedbackRecord> feedback_;
    std::vector<std::function<void(bool)>> feedback_done_;
    std::uint64_t appended_ = 0;
    std::uint64_t committed_ = 0;
    std::uint64_t written_ = 0;
    std::uint64_t failed_groups_ = 0;
    std::string last_error_;
    bool stopping_ = false;
    bool flush_requested_ = false;
    std::thread thread_;
};

// The store backend: tables request_rows, log_strings, request_feedback and request_key_spend
// of the project store (schema 12; request_log is a view of them), in its SQLite file or on
// its PostgreSQL server. Opens its own connection.
std::unique_ptr<RequestLogBackend> open_store_request_log(const store::DatabaseAddress& database);
// Every key's usage as the store records it (request_key_spend), on the caller's connection.
std::vector<KeyUsage> read_key_usage(store::Database& db);

nlohmann::json request_record_to_json(const StoredRequest& stored);
nlohmann::json feedback_to_json(const StoredFeedback& stored);

} // namespace llmops::serve
