#pragma once
// Gateway API keys: `llmops keys create` makes a random key, shows it once and stores only its
// SHA-256 with the key's limits (requests and tokens per minute, a USD budget, the routes it
// may use). KeyGuard is the gateway's in-memory view: it admits or refuses a request (401,
// 403, 429 with Retry-After) without writing to the store. Reference: docs/serve.md.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "serve/request_log.hpp"
#include "store/database.hpp"

namespace llmops::serve {

struct ApiKey {
    std::int64_t id = 0;
    std::string name;
    std::string key_sha256; // hex
    std::string prefix;     // the first characters of the key, to recognise it in a list
    std::optional<double> rpm;
    std::optional<double> tpm;
    std::optional<double> budget_usd;
    std::vector<std::string> routes; // empty = every route
    std::string created_at;
    std::optional<std::string> revoked_at;
};

struct KeyLimits {
    std::optional<double> rpm;
    std::optional<double> tpm;
    std::optional<double> budget_usd;
    std::vector<std::string> routes;
};

struct CreatedKey {
    ApiKey key;
    std::string secret; // "llmops-" + 48 hex digits; shown once, never stored
};

std::string sha256_hex(std::string_view bytes);

// Throws Error(Usage) for a bad or taken name or a negative limit.
CreatedKey create_key(store::Database& db, const std::string& name, const KeyLimits& limits);
std::vector<ApiKey> list_keys(store::Database& db, bool include_revoked);
// Throws Error(Usage) for an unknown or already revoked name.
ApiKey revoke_key(store::Database& db, const std::string& name);

// {name, prefix, rpm, tpm, budget_usd, routes, created_at, revoked_at}: never the hash.
nlohmann::json api_key_to_json(const ApiKey& key);

struct Admission {
    int status = 0; // 0 = admitted; else 401, 403 or 429
    std::string kind;
    std::string code;
    std::string message;
    double retry_after_s = 0;
    std::string key_name;
};

class KeyGuard {
  public:
    // `used` = each key's usage so far (the store's request_key_spend): budgets start from it.
    void load(std::vector<ApiKey> active_keys, const std::vector<KeyUsage>& used);
    bool enabled() const; // any active key: every /v1 request needs one

    // `authorization` is the Authorization header ("Bearer KEY"); `route` is the route or
    // passthrough provider id of a chat request. A metered request takes one request and the
    // estimated tokens from the key's buckets and needs budget left; others (models, feedback)
    // only authenticate.
    Admission admit(std::string_view authorization, const std::string& route,
                    double estimated_tokens, bool metered = true);
    // The same for a request made on behalf of key `key_name` (a batch line: the batch was
    // authenticated when it was created); 401 when that key is no longer active.
    Admission admit_named(const std::string& key_name, const std::string& route,
                          double estimated_tokens);
    // After the answer: the real tokens and cost.
    void settle(const std::string& key_name, double estimated_tokens, double actual_tokens,
                double cost_usd);
    // Gateways sharing a store: `store_usage` is what all of them logged (SharedKeyUsage::read),
    // `own_usage` what this gateway logged (RequestLogBackend::written_by_key). When some key has
    // a limit, the first metered request after the last read grows older than
    // kSharedUsageMaxAge reads both again (without holding up the others): each key's spend is
    // raised to the store's figure, and whatever the
    // other gateways logged since the last read (requests, tokens) is taken from this gateway's
    // buckets. So budgets and rates hold across replicas, give or take the requests in flight
    // and the log writers' last 100 ms.
    using UsageSource = std::function<std::vector<KeyUsage>()>;
    void share_usage(UsageSource store_usage, UsageSource own_usage);
    static constexpr std::chrono::milliseconds kSharedUsageMaxAge{100};

  private:
    struct State {
        ApiKey key;
        double request_tokens = 0; // bucket levels
        double token_tokens = 0;
        std::chrono::steady_clock::time_point refilled;
        double spent_usd = 0;
        // Requests and tokens of this key the other gateways had logged at the last read.
        std::int64_t others_requests = 0;
        std::int64_t others_tokens = 0;
    };
    void refill(State& s, std::chrono::steady_clock::time_point now);
    // Route, budget and rate checks of one key; called with mutex_ held.
    Admission admit_state(State& s, const std::string& route, double estimated_tokens,
                          bool metered);

    // Without mutex_ held: when the last read is stale, reads the shared usage and applies the
    // other gateways' part to every key.
    void refresh_shared_usage(std::chrono::steady_clock::time_point now);

    std::mutex usage_read_mutex_; // guards the two sources and serialises their reads
    UsageSource store_usage_;
    UsageSource own_usage_;
    std::atomic<std::int64_t> shared_usage_read_ns_{0}; // steady clock, of the last read
    std::atomic<bool> any_limited_{false};              // some key has a budget, rpm or tpm
    mutable std::mutex mutex_;
    std::map<std::string, State> by_hash_; // by SHA-256 hex
};

} // namespace llmops::serve
