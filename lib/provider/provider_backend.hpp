#pragma once
// One attempt at a request, asynchronously: the batch runner starts attempts and polls for
// finished ones. HTTP providers run on HttpTransport in the caller's thread; exec runs in a
// small worker pool; echo answers at once. Retries, caching and limits live in BatchRunner.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "provider/chat_types.hpp"
#include "provider/provider_config.hpp"

namespace llmops::provider {

struct AttemptResult {
    std::uint64_t ticket = 0;
    ChatResult result;                   // error set on failure (kind, message, http_status)
    std::optional<double> retry_after_s; // from a Retry-After header
    bool unreachable = false;            // could not resolve or connect at all
};

class ProviderBackend {
  public:
    virtual ~ProviderBackend() = default;
    // `request` must stay alive until its result is polled.
    virtual void start(std::uint64_t ticket, const ChatRequest& request) = 0;
    // Waits at most max_wait for attempts to finish; appends them to done.
    virtual void poll(std::vector<AttemptResult>& done, std::chrono::milliseconds max_wait) = 0;
    virtual std::size_t in_flight() const = 0;
    // Drops every attempt in flight; none of them is reported afterwards.
    virtual void abort_all() = 0;
    // Makes a poll() running in another thread return at once. Thread-safe.
    virtual void wakeup() {}
};

struct BackendOptions {
    std::size_t concurrency = 8;
    std::function<void(std::string_view)> log; // verbose lines, secrets redacted
};

// `api_key` comes from read_api_key(); it is used for headers only.
std::unique_ptr<ProviderBackend> make_backend(const ProviderConfig& config, std::string api_key,
                                              const BackendOptions& options);

} // namespace llmops::provider
