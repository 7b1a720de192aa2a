#pragma once
// Feedback about logged requests, outside the gateway: `llmops feedback add / list / export`.
// The entries are the rows of request_feedback (the table POST /v1/feedback writes), checked by
// the same rules (serve/feedback_rules.hpp). Reference: docs/feedback.md.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "serve/request_log.hpp"
#include "store/database.hpp"

namespace llmops::feedback {

// A value given as text on a command line: `true`/`false` are booleans, a JSON number is a
// number, anything else is a category.
nlohmann::json parse_feedback_value(std::string_view text);

// Stores one entry against a logged request in one transaction. Throws Error(BadInput) naming
// the field that breaks the rules, or the request id when the log has no such request.
serve::StoredFeedback add_feedback(store::Database& db, serve::FeedbackRecord record);

struct FeedbackFilter {
    std::optional<std::int64_t> since_ms; // entries given at or after
    std::string route;                    // "" = any
    std::string env;                      // "" = any
    std::string name;                     // "" = any
    std::size_t limit = 0;                // 0 = all
};

// An entry with the route and environment of the request it is about.
struct FeedbackEntry {
    serve::StoredFeedback feedback;
    std::string route;
    std::string env;
};

// Oldest first.
std::vector<FeedbackEntry> list_feedback(store::Database& db, const FeedbackFilter& filter);

// {id, request_id, name, value, comment, key, time, route, env}
nlohmann::json to_json(const FeedbackEntry& entry);

enum class FeedbackFormat { Jsonl, Csv };
// "jsonl" or "csv"; Error(Usage) otherwise.
FeedbackFormat parse_feedback_format(std::string_view text);

// The entries as JSON lines (to_json's shape), or CSV with the header
// id,time,request_id,route,env,name,value,comment,key.
std::string format_feedback(const std::vector<FeedbackEntry>& entries, FeedbackFormat format);

} // namespace llmops::feedback
