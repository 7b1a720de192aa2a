#pragma once
// Dataset file formats and how a file's format is chosen.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace llmops::data {

enum class InputFormat { Jsonl, Csv, Json };

// "jsonl", "csv", "json".
std::string_view format_name(InputFormat format);

// The format for a --format value ("jsonl", "ndjson", "csv", "json"; case-insensitive), or
// nullopt when the name is unknown.
std::optional<InputFormat> parse_format_name(std::string_view name);

// The format for a file name by its extension (.jsonl/.ndjson, .csv, .json; case-insensitive),
// or nullopt.
std::optional<InputFormat> format_for_extension(const std::filesystem::path& path);

// The explicit format when given (throws Error(BadInput) "unknown format" if the name is not
// one we read), else the format for the path's extension (throws Error(BadInput) "unknown
// format" with a hint to use --format).
InputFormat detect_format(const std::filesystem::path& path,
                          const std::optional<std::string>& explicit_format = std::nullopt);

} // namespace llmops::data
