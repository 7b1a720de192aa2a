#include "data/formats/input_format.hpp"

#include "core/error.hpp"
#include "core/text.hpp"

#include <algorithm>

namespace llmops::data {

namespace {

constexpr const char* kFormatHint = "use --format jsonl|csv|json to say how to read it";

} // namespace

std::string_view format_name(InputFormat format) {
    switch (format) {
    case InputFormat::Jsonl:
        return "jsonl";
    case InputFormat::Csv:
        return "csv";
    case InputFormat::Json:
        return "json";
    }
    return "unknown";
}

std::optional<InputFormat> parse_format_name(std::string_view name) {
    const std::string lower = ascii_lower(name);
    if (lower == "jsonl" || lower == "ndjson") return InputFormat::Jsonl;
    if (lower == "csv") return InputFormat::Csv;
    if (lower == "json") return InputFormat::Json;
    return std::nullopt;
}

std::optional<InputFormat> format_for_extension(const std::filesystem::path& path) {
    const std::string ext = ascii_lower(path.extension().string());
    if (ext.size() < 2) return std::nullopt;
    return parse_format_name(std::string_view(ext).substr(1));
}

InputFormat detect_format(const std::filesystem::path& path,
                          const std::optional<std::string>& explicit_format) {
    if (explicit_format) {
        if (auto format = parse_format_name(*explicit_format)) return *format;
        throw Error(ErrorKind::BadInput,
                    "unknown format '" + *explicit_format + "' (known: jsonl, ndjson, csv, json)",
                    {}, kFormatHint);
    }
    if (auto format = format_for_extension(path)) return *format;
    const std::string ext = path.extension().string();
    throw Error(ErrorKind::BadInput,
                ext.empty() ? std::string("unknown format: the file name has no extension")
                            : "unknown format '" + ext + "' (known: .jsonl, .ndjson, .csv, .json)",
                ErrorLocation{.file = path.string()}, kFormatHint);
}

} // namespace llmops::data
