#pragma once
// `data add --from-logs ROUTE`: requests of the gateway's log become rows of a dataset version.
// Each request is first a row of *columns* (docs/feedback.md#columns): the log's fields
// (request_id, time, env, route, release, prompt, provider, model, status, error_kind,
// latency_ms, ttft_ms, tokens, cost_usd, cached, streamed), its feedback (`feedback.NAME`: the
// latest value given under NAME; `feedback_count`), and, when the gateway logged bodies in
// full, the request's `variables` (also one column each), `messages` and the `answer`. --where
// filters these columns with data transform's language (data/ops/row_filter.hpp); --fields
// picks what the dataset rows keep. The new version is the dataset's latest version plus the
// selected requests it does not hold yet (by request_id); its provenance lists the request ids
// added.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset_writer.hpp"
#include "serve/request_log.hpp"
#include "store/project.hpp"

namespace llmops::feedback {

struct LogSelection {
    // Default initialisers on every member keep designated initialisers warning-free.
    std::string route{};                    // required
    std::string env{};                      // "" = any
    std::optional<std::int64_t> since_ms{}; // requests that arrived at or after
    std::vector<std::string> where{};       // every expression must hold
};

// The columns of one logged request with its feedback, in canonical order.
nlohmann::json request_columns(const serve::StoredRequest& request,
                               const std::vector<serve::StoredFeedback>& feedback);

// The selected requests' columns, oldest first. Throws Error(Usage) for a malformed --where.
std::vector<nlohmann::json> select_logged_requests(serve::RequestLogBackend& log,
                                                   const LogSelection& selection);

// The default fields of a dataset row: request_id, the request's variables (or its messages
// when it had none), answer and feedback.
std::vector<std::string> default_row_fields(const nlohmann::json& columns);

// The row a dataset gets: request_id first, then `fields` (empty: the defaults). Throws
// Error(BadInput) naming the request and field when the columns lack one, with a hint about
// `serve --log-bodies full` when the request's bodies were not logged.
nlohmann::json dataset_row(const nlohmann::json& columns, const std::vector<std::string>& fields);

struct FromLogsRequest {
    LogSelection selection;
    std::vector<std::string> fields;
    std::string name;
    std::string message;
    std::vector<std::string> tags;
    bool allow_empty = false;
};

struct FromLogsReport {
    std::int64_t matched = 0;         // requests that passed the selection
    std::int64_t already_present = 0; // of those, rows the latest version holds already
    std::vector<std::string> added;   // request ids of the rows added
    std::optional<std::string> base;  // the version the new one extends ("qa@3")
    data::CommitResult commit;
};

// Reads the request log of the project's store and writes the new version in one transaction.
// Throws Error(BadInput) when no request matches and the dataset does not exist yet (unless
// allow_empty); nothing is written on any error.
FromLogsReport add_from_logs(store::Project& project, const FromLogsRequest& request);

nlohmann::json to_json(const FromLogsReport& report);

} // namespace llmops::feedback
