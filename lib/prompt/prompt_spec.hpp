#pragma once
// Prompt specs: a YAML file (schemas/prompt.schema.json) read, checked and compiled into a
// CompiledPrompt that renders many times. A spec may extend a stored parent prompt; its
// templates then include the parent's with Mustache inheritance ({{<parent}}{{$block}}…).
// See docs/prompts.md.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "mustache/mustache.hpp"
#include "json/yaml_document.hpp"

namespace llmops::prompt {

struct VariableSpec {
    std::string type = "any"; // string, number, integer, boolean, array, object, any
    bool required = false;
    std::optional<nlohmann::json> default_value;
    std::string description;
};

struct MessageSpec {
    std::string role;
    std::string content; // a Mustache template
    std::string name;    // optional participant name (OpenAI "name")
};

// One spec as written: no inheritance applied.
struct PromptSpec {
    std::string name;
    std::string description;
    std::vector<MessageSpec> messages;
    std::optional<std::string> template_text; // completion style, instead of messages
    std::map<std::string, VariableSpec> variables;
    std::optional<nlohmann::json> examples; // array of objects
    nlohmann::json model = nlohmann::json::object();
    std::optional<nlohmann::json> output_schema;
    std::optional<std::string> extends; // parent reference as written (or pinned when stored)
    nlohmann::json document;            // the whole spec as JSON
};

// Builds a PromptSpec from JSON that has passed the schema.
PromptSpec spec_from_json(const nlohmann::json& value);

// Where a compiled prompt came from in the registry (all zero / empty for a file not stored).
struct PromptOrigin {
    std::int64_t version_id = 0;
    std::int64_t number = 0;
    std::string hash;
};

// A spec with its parent chain applied and its templates compiled: what rendering needs.
// Immutable after construction; share it with std::shared_ptr<const CompiledPrompt>.
struct CompiledPrompt {
    PromptSpec spec;     // this level, as written
    std::string display; // "qa-answer@3", or the file name before it is stored
    PromptOrigin origin;
    std::shared_ptr<const CompiledPrompt> parent;

    // Effective values: this level's, else inherited.
    std::string description;
    std::map<std::string, VariableSpec> variables;   // merged; this level's declarations win
    nlohmann::json examples;                         // array, or null when there are none
    nlohmann::json model = nlohmann::json::object(); // merged key by key
    std::optional<nlohmann::json> output_schema;
    bool completion = false;                   // a single template instead of messages
    std::vector<MessageSpec> messages;         // roles and effective sources (empty for completion)
    std::vector<std::string> sources;          // effective template source per position
    std::vector<mustache::Template> templates; // compiled, one per position
    // Per position: ancestor prompt name -> its source at that position, for {{<name}}.
    std::vector<std::map<std::string, std::string>> ancestor_sources;
    std::vector<std::shared_ptr<const mustache::PartialCache>> partials;

    // Names the templates use (own and inherited): top-level context keys, and every first
    // name segment at any section depth.
    std::set<std::string> used_top_level;
    std::set<std::string> used_anywhere;
};

using CompiledPromptPtr = std::shared_ptr<const CompiledPrompt>;

// Resolves an `extends` reference to a stored, compiled prompt (the registry supplies it).
// Throws llmops::Error when there is no such prompt.
using ParentLoader = std::function<CompiledPromptPtr(std::string_view ref)>;

struct SpecWarning {
    std::string message;
    ErrorLocation where;
};

struct LoadedSpec {
    YamlDocument document;
    CompiledPromptPtr prompt;
    std::vector<SpecWarning> warnings;
    // Variables this spec's own templates use but do not declare, at their first use.
    // `prompt add` refuses such a spec (PromptRegistry); rendering one is still strict.
    std::vector<SpecWarning> undeclared;
};

// Reads a spec file: YAML, schema, meaning (types of defaults, output schema, messages or
// template), then compiles its templates. Errors are llmops::Error (BadInput) located at the
// file's line:column. `load_parent` may be empty when the spec does not extend anything.
LoadedSpec load_prompt_spec_file(const std::filesystem::path& path,
                                 const ParentLoader& load_parent);
LoadedSpec parse_prompt_spec(std::string_view yaml_text, std::string source_name,
                             const ParentLoader& load_parent);

// Compiles a spec read back from the store (already checked when it was added).
CompiledPromptPtr compile_stored_prompt(const nlohmann::json& document, CompiledPromptPtr parent,
                                        std::string display, PromptOrigin origin);

// True when `value` fits a declared variable type ("integer" accepts 3.0).
bool value_has_type(const nlohmann::json& value, std::string_view type);
// "string", "integer", "object" ... for messages.
std::string json_type_name(const nlohmann::json& value);

} // namespace llmops::prompt
