#pragma once
// The figures of `llmops monitor`: aggregates over the request log of a time window, for the
// whole selection, per group (route, release, provider, model, key or status) and per time
// bucket. Every formula is in docs/monitoring.md; percentiles follow the project's one rule
// (stats::percentile_rank, numpy's 'linear'). The HTML dashboard and the alert rules read the
// same MetricsReport. This API is stable: extend it, never rename.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/database.hpp"

namespace llmops::monitor {

enum class GroupBy { None, Route, Release, Provider, Model, Key, Status };

// "route", "release" ... ; Error(Usage) for another word.
GroupBy parse_group_by(const std::string& text);
std::string to_string(GroupBy group_by);

// Which requests count. Empty / unset fields match everything.
struct Selector {
    std::string env;
    std::string route;
    std::optional<std::int64_t> release; // the release number (within env and route)
    std::string provider;
    std::string model;
    std::string key;
    std::optional<int> status;
    bool operator==(const Selector&) const = default;
};

struct MetricsQuery {
    std::int64_t since_ms = 0; // Unix ms, inclusive
    std::int64_t until_ms = 0; // Unix ms, exclusive
    Selector selector;
    GroupBy group_by = GroupBy::None;
    std::int64_t bucket_ms = 0; // > 0: a series of buckets aligned to multiples of it
    // Cost per user over the window [until - user_window_ms, until) (0: the query's window);
    // the `top_users` users who spent most.
    std::int64_t user_window_ms = 0;
    std::size_t top_users = 10;
};

// p50/p95/p99 of a latency in ms; unset when no request had the value.
struct LatencyFigures {
    std::uint64_t count = 0;
    std::optional<double> p50, p95, p99;
};

struct FeedbackFigures {
    std::string name;
    std::uint64_t count = 0;                         // every value of the name
    std::uint64_t numeric_count = 0;                 // numbers and booleans (true = 1, false = 0)
    std::optional<double> mean;                      // of the numeric ones
    std::map<std::string, std::uint64_t> categories; // category values and their counts
};

struct Figures {
    std::uint64_t requests = 0;
    double seconds = 0; // the span the rates divide by
    double requests_per_second = 0;
    std::uint64_t errors = 0; // requests with an error kind (status >= 400, 499 included)
    double error_rate = 0;    // errors / requests (0 without requests)
    std::map<std::string, std::uint64_t> errors_by_kind;
    LatencyFigures total_ms, upstream_ms, queue_ms, ttft_ms; // ttft: p50 and p95 are shown
    std::uint64_t prompt_tokens = 0;
    std::uint64_t completion_tokens = 0;
    double output_tokens_per_second = 0; // completion tokens / seconds
    double cost_usd = 0;
    std::uint64_t successes = 0; // status < 400
    std::uint64_t cached = 0;    // answered from the response cache
    double cache_hit_rate = 0;   // cached / successes (0 without successes)
    // Requests in which the route's guardrails found something (any action), and their share.
    std::uint64_t flagged = 0;
    double flagged_rate = 0;               // flagged / requests (0 without requests)
    std::vector<FeedbackFigures> feedback; // by name, ascending
};

struct Bucket {
    std::int64_t start_ms = 0;
    Figures figures;
};

struct GroupSeries {
    std::string key;             // the group's value ("qa@3", "openai", "200"; "(none)" when unset)
    Figures total;               // over the whole window
    std::vector<Bucket> buckets; // ascending; only with bucket_ms > 0; every bucket present
};

struct UserCost {
    std::string user_hash; // 16 hex digits
    std::uint64_t requests = 0;
    double cost_usd = 0;
};

struct MetricsReport {
    MetricsQuery query;
    Figures total;                   // the whole selection
    std::vector<Bucket> buckets;     // the whole selection per bucket (bucket_ms > 0)
    std::vector<GroupSeries> groups; // group_by != None; by key, ascending
    std::int64_t user_window_start_ms = 0;
    std::vector<UserCost> top_users; // most cost first
};

// Runs the query on the project store (schema 12). Throws Error(Usage) for an empty or
// inverted window, or a bucket that would make more than 10,000 buckets.
MetricsReport query_metrics(store::Database& db, const MetricsQuery& query);

// p50, p95 and p99 of unsorted values by the project's percentile rule (the order of `values`
// changes); exactly stats::percentiles(values, {50, 95, 99}). Throws on an empty vector.
std::array<double, 3> percentiles_50_95_99(std::vector<std::uint32_t>& values);

nlohmann::json to_json(const Figures& figures);
nlohmann::json to_json(const MetricsReport& report);

} // namespace llmops::monitor
