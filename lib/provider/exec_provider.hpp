#pragma once
// The `exec:` provider: a local program gets the request (JSON, or the prompt text with
// `format: text`) on stdin and writes the answer on stdout. How users plug in any local model.
#include <atomic>

#include "provider/chat_types.hpp"
#include "provider/provider_config.hpp"

namespace llmops::provider {

// The JSON a program gets on stdin: {"model", "messages", ...parameters}.
nlohmann::json exec_request_json(const ProviderConfig& config, const ChatRequest& request);

// Runs config.command with /bin/sh -c in its own process group, feeds stdin, collects stdout
// and stderr, and kills the group at config.timeout_s or when *cancel becomes true.
// Non-zero exit is an Exec error with the end of stderr attached; timeouts are Timeout.
// Thread-safe: several may run at once.
ChatResult run_exec(const ProviderConfig& config, const ChatRequest& request,
                    const std::atomic<bool>* cancel = nullptr);

} // namespace llmops::provider
