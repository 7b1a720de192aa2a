#pragma once
// The response cache: answers keyed by the XXH3-128 of the canonical request (provider type,
// endpoint, model, messages, parameters; never a key or a header), in the provider_cache
// table of store.db, hit counts by provider type and model in provider_cache_hits. Only
// successful answers are cached, each with the latency of the call that produced it.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "provider/chat_types.hpp"
#include "provider/provider_config.hpp"
#include "store/database.hpp"

namespace llmops::provider {

class RequestCodec;

// Builds canonical requests and their keys for one provider.
class RequestKeyer {
  public:
    explicit RequestKeyer(const ProviderConfig& config);
    ~RequestKeyer();
    RequestKeyer(RequestKeyer&&) noexcept;

    // {"type", "endpoint", "request"}: for HTTP providers the request body without the
    // stream switches (a streamed and a plain call give the same answer); for exec the command,
    // the fingerprints of the files it names (exec_programs.hpp, taken once, when the keyer is
    // made) and input format with the stdin JSON. Headers are left out: they may hold secrets.
    nlohmann::json canonical(const ChatRequest& request) const;
    // 32 hex digits: hash128 of canonical_json(canonical(request)).
    std::string key(const ChatRequest& request) const;

  private:
    ProviderConfig config_;
    std::string endpoint_;
    std::unique_ptr<RequestCodec> codec_;
    nlohmann::json programs_ = nlohmann::json::object(); // exec: {file named: fingerprint}
};

class ResponseCache {
  public:
    // Opens its own connection to the store database, so that its long read transactions
    // (one per batch of lookups, which makes a lookup a few microseconds) never meet the
    // caller's transactions. Not thread-safe: the batch runner's loop owns it.
    explicit ResponseCache(const store::DatabaseAddress& database);
    ~ResponseCache(); // flushes; errors there are swallowed (call flush() to see them)
    ResponseCache(const ResponseCache&) = delete;
    ResponseCache& operator=(const ResponseCache&) = delete;

    std::optional<ChatResult> get(const std::string& key, std::string_view provider_type);
    // Buffered; written by flush() (automatically every kBatch puts) in one transaction.
    // Answers put but not yet flushed are not found by get().
    void put(const std::string& key, const ChatResult& result, std::string_view provider_type,
             std::string_view model);
    void flush();
    // Ends the read transaction lookups keep open, so a long-lived owner (the gateway) sees
    // answers written since and does not hold back WAL checkpoints while idle.
    void release_snapshot() { end_read(); }

  private:
    void end_read();

    store::Database db_;
    std::optional<store::Statement> select_;
    bool reading_ = false;
    std::size_t reads_in_transaction_ = 0;
    std::vector<std::pair<std::string, ChatResult>> pending_;
    std::vector<std::pair<std::string, std::string>> pending_groups_;  // type, model per put
    std::map<std::pair<std::string, std::string>, std::int64_t> hits_; // by (type, model)
    std::pair<std::string, std::string> last_group_;
    std::int64_t* last_hits_ = nullptr; // hits_[last_group_] (map nodes are stable)
    static constexpr std::size_t kBatch = 1000;
    // A read transaction pins the WAL; renew it this often so checkpoints can progress.
    static constexpr std::size_t kReadsPerTransaction = 4096;
};

struct CacheGroupStats {
    std::string provider_type;
    std::string model;
    std::int64_t entries = 0;
    std::int64_t bytes = 0;
    std::int64_t hits = 0;
};

struct CacheStats {
    std::int64_t entries = 0;
    std::int64_t bytes = 0; // of the stored answers
    std::int64_t hits = 0;  // served from the cache, all time
    std::string oldest;     // ISO 8601, empty when the cache is empty
    std::string newest;
    std::vector<CacheGroupStats> groups; // by provider type and model
};

CacheStats cache_stats(store::Database& db);

// Removes every entry, or those created more than older_than_s seconds ago. Returns the count.
std::int64_t cache_clear(store::Database& db, std::optional<double> older_than_s = std::nullopt);

// ISO 8601 UTC (as now_iso8601) of a Unix time in milliseconds.
std::string iso8601_from_unix_ms(std::int64_t ms);

} // namespace llmops::provider
