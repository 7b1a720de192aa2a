#include "mustache/template_limits.hpp"

#include <mutex>

namespace llmops::mustache {

namespace {

// Atomics: option structs read these on every construction, from any thread.
std::atomic<std::uint64_t> g_max_steps{TemplateLimits{}.max_steps};
std::atomic<std::uint64_t> g_max_output_bytes{TemplateLimits{}.max_output_bytes};
std::atomic<int> g_max_depth{TemplateLimits{}.max_depth};
std::atomic<const std::atomic<bool>*> g_cancel{nullptr};

std::mutex g_hint_mutex;
std::string g_hint; // read only when an error is built

} // namespace

TemplateLimits template_limits() {
    TemplateLimits limits;
    limits.max_steps = g_max_steps.load(std::memory_order_relaxed);
    limits.max_output_bytes = g_max_output_bytes.load(std::memory_order_relaxed);
    limits.max_depth = g_max_depth.load(std::memory_order_relaxed);
    return limits;
}

void set_template_limits(const TemplateLimits& limits, std::string hint) {
    g_max_steps.store(limits.max_steps, std::memory_order_relaxed);
    g_max_output_bytes.store(limits.max_output_bytes, std::memory_order_relaxed);
    g_max_depth.store(limits.max_depth, std::memory_order_relaxed);
    std::lock_guard lock(g_hint_mutex);
    g_hint = std::move(hint);
}

std::string template_limits_hint() {
    std::lock_guard lock(g_hint_mutex);
    return g_hint;
}

void set_render_cancel_flag(const std::atomic<bool>* flag) {
    g_cancel.store(flag, std::memory_order_relaxed);
}

const std::atomic<bool>* render_cancel_flag() {
    return g_cancel.load(std::memory_order_relaxed);
}

} // namespace llmops::mustache
