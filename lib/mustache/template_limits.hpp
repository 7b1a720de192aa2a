#pragma once
// What one template may cost. Nested sections over lists multiply (60 levels over a 2-item
// list is 2^60 renders), so every compile and every render runs with budgets: a nesting depth
// at compile time, and a step count and an output size per render. A render also polls a
// cancel flag, so Ctrl-C stops even a render that is still within its budget.
//
// The budgets are process-wide: the CLI sets them once at start-up (llmops.yaml `limits:`,
// LLMOPS_TEMPLATE_* variables), before any thread starts, and every CompileOptions and
// RenderOptions made afterwards starts from them, so no caller can forget them. Reference:
// docs/templates.md#limits.
#include <atomic>
#include <cstdint>
#include <string>

namespace llmops::mustache {

struct TemplateLimits {
    // Tags and text runs one render may process (each item of a section over a list counts
    // its content again).
    std::uint64_t max_steps = 10'000'000;
    // Bytes one render may produce.
    std::uint64_t max_output_bytes = 16ull * 1024 * 1024;
    // Sections, inverted sections, blocks and parents nested inside each other in one template.
    int max_depth = 100;
};

// The limits in force (the defaults above until set).
TemplateLimits template_limits();
// `hint` is shown under a limit error: where the user can raise the limits.
void set_template_limits(const TemplateLimits& limits, std::string hint = {});
std::string template_limits_hint();

// The flag a render polls (every few thousand steps); once it is set the render throws
// Error(Interrupted). nullptr (the default) = nothing to poll.
void set_render_cancel_flag(const std::atomic<bool>* flag);
const std::atomic<bool>* render_cancel_flag();

} // namespace llmops::mustache
