#pragma once
// When and how long to wait before trying a failed request again: exponential backoff with
// full jitter, stretched to honour a server's Retry-After.
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace llmops::provider {

struct RetryPolicy {
    int max_retries = 4;            // attempts = 1 + max_retries
    double base_delay_ms = 500;     // first backoff ceiling
    double max_delay_ms = 30000;    // backoff ceiling cap
    double max_retry_after_s = 120; // a longer Retry-After is clamped to this
};

// Delay before retry number `retry` (1 = the first retry): a uniformly random value in
// [ceiling/2, ceiling] where ceiling = min(max_delay, base * 2^(retry-1)), but never less
// than retry_after_s (clamped by max_retry_after_s). Half-jitter keeps retries spread out
// without the near-zero waits of full jitter that hammer a server that just said 429.
double retry_delay_ms(const RetryPolicy& policy, int retry, std::optional<double> retry_after_s,
                      std::mt19937_64& rng);

// Parses a Retry-After header value: delta-seconds ("120", "1.5") or an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT"), relative to now_unix_s. A date in the past gives 0.
// nullopt when the value is neither.
std::optional<double> parse_retry_after(std::string_view value, std::int64_t now_unix_s);

} // namespace llmops::provider
