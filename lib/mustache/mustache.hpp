#pragma once
// Mustache templates for prompts: compile once, render many.
//
// Conforms to the Mustache spec (comments, delimiters, interpolation, inverted, partials,
// sections) plus the optional inheritance (blocks and parents) and dynamic-names modules.
// Lambdas are not supported: the data is JSON.
//
// We do not use libmstch-dev: it has no inheritance, always HTML-escapes (prompts must not be
// escaped) and reports no error positions. See docs/templates.md.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mustache/template_limits.hpp"

namespace llmops::mustache {

namespace detail {
struct TemplateData;
}

struct CompileOptions {
    // Shown as the "file" of error locations, e.g. "prompts/qa.yaml" or a partial's name.
    std::string name;
    // Sections, blocks and parents nested deeper than this are a compile error (the process's
    // template limit unless set; see template_limits.hpp).
    int max_depth = template_limits().max_depth;
};

// An immutable compiled template. Cheap to copy (shared); safe to render from many threads.
class Template {
  public:
    Template(); // the empty template
    explicit Template(std::shared_ptr<const detail::TemplateData> data);

    const std::string& name() const;
    const detail::TemplateData& data() const { return *data_; }

  private:
    std::shared_ptr<const detail::TemplateData> data_;
};

// Compiles `source`; throws llmops::Error (BadInput) with line and column on malformed input:
// unclosed tags and sections, mismatched closing tags, bad set-delimiter tags, bad names,
// nesting deeper than options.max_depth.
Template compile(std::string_view source, const CompileOptions& options = {});

// Partial (and parent) sources by name; std::nullopt when there is no such partial.
using PartialResolver = std::function<std::optional<std::string>(std::string_view name)>;

// Resolves partials on first use and keeps them compiled. Thread-safe; a missing name is
// remembered too. Partials are compiled with the default delimiters, as the spec requires.
class PartialCache {
  public:
    PartialCache(); // knows no partials
    explicit PartialCache(PartialResolver resolver, CompileOptions options = {});
    explicit PartialCache(std::map<std::string, std::string> sources, CompileOptions options = {});

    // The compiled partial, or nullptr when the resolver does not know it. The pointer stays
    // valid until clear() or destruction. Throws llmops::Error when the partial fails to compile.
    const Template* find(std::string_view name) const;
    void clear();

  private:
    PartialResolver resolver_;
    CompileOptions options_;
    mutable std::shared_mutex mutex_;
    mutable std::map<std::string, std::unique_ptr<const Template>, std::less<>> cache_;
};

enum class Escape {
    Html, // spec mode: {{x}} escapes & < > " ; {{{x}}} and {{&x}} do not
    None, // prompt mode: {{x}} and {{{x}}} render the same, unescaped
};

// How a template uses a name.
enum class VariableUse { Interpolation, Section, InvertedSection, PartialName };

struct MissingVariable {
    std::string_view name; // as written, e.g. "user.name"
    VariableUse use;
    std::string_view template_name;
    long line = 0;
    long column = 0;
};

struct RenderOptions {
    Escape escape = Escape::Html;
    // Throw llmops::Error "missing variable 'x'" when an interpolation names a value that is not
    // in the context (null counts as present). Sections over missing names stay falsey.
    bool strict_variables = false;
    // Throw llmops::Error "unknown partial 'x'" when a partial or parent cannot be resolved,
    // instead of rendering it as empty.
    bool strict_partials = false;
    // Called for every name lookup that misses (any use), before strict_variables applies.
    std::function<void(const MissingVariable&)> on_missing;
    // Partials and parents nested deeper than this are an error (catches endless recursion).
    int max_partial_depth = 64;
    // Sections, blocks and partials nested deeper than this at render time are an error.
    int max_render_depth = 2048;
    // Budgets of one render (the process's template limits unless set; 0 = none). More steps
    // (tags and text runs rendered) or more output than this throws Error(Limit) naming the
    // template and the limit: a bound on the time and memory a hostile template can take.
    std::uint64_t max_steps = template_limits().max_steps;
    std::uint64_t max_output_bytes = template_limits().max_output_bytes;
    // Polled every few thousand steps; once set, the render throws Error(Interrupted).
    const std::atomic<bool>* cancel = render_cancel_flag();
};

// Renders into a new string.
std::string render(const Template& tmpl, const nlohmann::json& context,
                   const RenderOptions& options = {});
std::string render(const Template& tmpl, const nlohmann::json& context,
                   const PartialCache& partials, const RenderOptions& options = {});

// Appends the rendering to `out`; reuse one string across calls to avoid allocations. On error
// `out` may hold a partial rendering.
void render_to(std::string& out, const Template& tmpl, const nlohmann::json& context,
               const RenderOptions& options = {});
void render_to(std::string& out, const Template& tmpl, const nlohmann::json& context,
               const PartialCache& partials, const RenderOptions& options = {});

// One use of a name in a template (partials it includes are not followed).
struct VariableRef {
    std::string name; // as written: "question", "user.name", "." for the current item
    VariableUse use;
    int section_depth = 0; // sections around it; 0 means it is looked up in the top context
    long line = 0;
    long column = 0;
};

// Every name use, in template order.
std::vector<VariableRef> list_variables(const Template& tmpl);
// Sorted, unique first segments of names used at section depth 0 ("user.name" -> "user"):
// the top-level context keys the template needs.
std::vector<std::string> top_level_variables(const Template& tmpl);
// Sorted, unique names of the partials and parents the template includes by static name.
std::vector<std::string> referenced_partials(const Template& tmpl);

} // namespace llmops::mustache
