#pragma once
// YAML files (llmops.yaml, prompt specs, eval specs) loaded as JSON values, with the source
// position of every value so that schema and semantic errors can point at file:line:column.
//
// Scalars follow the YAML 1.2 core schema: plain null / Null / NULL / ~ / empty -> null,
// true / false (and True / TRUE ...) -> booleans, decimal / 0x / 0o integers, decimal floats;
// everything else, and every quoted scalar, is a string ("yes", "on", "01:30" stay strings).
// .inf / .nan are errors (JSON has no such numbers). Non-string keys are stringified
// (1 -> "1", [a, b] -> "[\"a\",\"b\"]"). Duplicate keys, recursive aliases and several
// documents in one stream are errors. Anchors, aliases and "<<" merge keys are resolved.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "json/json_schema.hpp"

namespace llmops {

// 1-based line and column of a value in its source.
struct SourcePosition {
    long line = 0;
    long column = 0;
};

struct YamlDocument {
    nlohmann::json value;
    std::string source_name; // file path or a name such as "<stdin>"
    // Position of every value written in the source, by JSON pointer ("" = the root).
    // Values inside an expanded alias or merge are not listed; they report the alias.
    std::unordered_map<std::string, SourcePosition> positions;

    // {source_name, line, column} of `pointer`, or of its nearest ancestor that has one
    // (a missing property reports the object that should hold it).
    ErrorLocation location_of(std::string_view pointer) const;
};

// A key escaped for use as a JSON pointer token (RFC 6901: "~" -> "~0", "/" -> "~1").
std::string json_pointer_token(std::string_view token);

// Throws llmops::Error (BadInput) with file:line:column on YAML syntax errors and on the
// conditions listed at the top of this file.
YamlDocument parse_yaml(std::string_view text, std::string source_name);
YamlDocument load_yaml_file(const std::filesystem::path& path);

// A schema failure as an llmops::Error (BadInput): message "<pointer>: <message>", where =
// the YAML position of the failing value.
Error schema_error_at(const YamlDocument& document, const SchemaError& error);
[[noreturn]] void throw_schema_error(const YamlDocument& document, const SchemaError& error);

// Validates document.value; on failure throws the first error (schema_error_at), with the
// next few listed in the hint.
void validate_or_throw(const JsonSchema& schema, const YamlDocument& document);

} // namespace llmops
