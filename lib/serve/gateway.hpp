#pragma once
// `llmops serve`: the OpenAI-compatible gateway for what `deploy` made live in one environment.
// It resolves a request's `model` (a route) to a release with the sticky canary assignment,
// renders the release's prompt, calls the provider through the engine, answers in OpenAI's
// shapes (streaming too), and logs every request. Reference: docs/serve.md.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "serve/serve_config.hpp"
#include "store/project.hpp"

namespace llmops::serve {

struct GatewayOptions {
    std::string env;
    ServeConfig config;
    store::ProjectPaths paths;
    // Notes for the operator (route reloads, log write failures); called from any thread.
    std::function<void(std::string_view)> note;
    // Work beside serving (alert evaluation, from a higher layer): run() runs it on a thread
    // of its own while the gateway listens and sets the flag, then joins it, when stopping.
    std::function<void(const std::atomic<bool>& stop)> background;
};

struct GatewaySummary {
    std::uint64_t requests = 0;
    std::size_t abandoned = 0;  // still unanswered when the drain timeout ended
    std::uint64_t log_rows = 0; // request log rows committed
    std::uint64_t log_failed_groups = 0;
};

class Gateway {
  public:
    // Checks everything before listening: the environment exists in llmops.yaml, passthrough
    // ids resolve, the bind address is loopback unless API keys exist. Then binds (Error(Usage)
    // when the port is taken). Throws Error(BadInput / Usage / Store).
    explicit Gateway(GatewayOptions options);
    ~Gateway();
    Gateway(const Gateway&) = delete;
    Gateway& operator=(const Gateway&) = delete;

    int port() const;
    std::size_t route_count() const;
    // Serves until `stop` is set (poll interval 50 ms), then stops accepting, drains requests in
    // flight for up to the drain timeout, and flushes the request log.
    GatewaySummary run(const std::atomic<bool>& stop);

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

} // namespace llmops::serve
