#pragma once
// JSON Schema (draft 2020-12) validation for configs, prompt specs, eval specs and model
// outputs. Compile a schema once (regexes precompiled, $ref resolved), validate many times.
// Supported keywords and known limits: docs/json-schema.md.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmops {

// One validation failure.
struct SchemaError {
    std::string instance_pointer; // JSON pointer of the failing value ("" = the whole document)
    std::string keyword;          // the schema keyword that failed ("type", "required" ...)
    std::string message;          // e.g. "must be <= 2", "missing required property 'name'"
    std::string schema_pointer;   // JSON pointer of the keyword inside the schema
};

// "<instance_pointer>: <message>", e.g. "/temperature: must be <= 2".
std::string to_string(const SchemaError& error);

namespace json_schema_detail {
struct CompiledSchema;
}

class JsonSchema {
  public:
    static constexpr std::size_t default_max_errors = 100;

    // Throws llmops::Error (BadInput) when `schema` is not a valid schema, a pattern does not
    // compile, or a $ref cannot be resolved inside the document.
    static JsonSchema compile(const nlohmann::json& schema);

    // All failures (at most max_errors; 0 means no limit), empty when the instance is valid.
    std::vector<SchemaError> validate(const nlohmann::json& instance,
                                      std::size_t max_errors = default_max_errors) const;
    // Faster than validate(): stops at the first failure and builds no messages.
    bool is_valid(const nlohmann::json& instance) const;

  private:
    explicit JsonSchema(std::shared_ptr<const json_schema_detail::CompiledSchema> compiled);
    // Shared and immutable: copies are cheap and validation is thread-safe.
    std::shared_ptr<const json_schema_detail::CompiledSchema> compiled_;
};

} // namespace llmops
