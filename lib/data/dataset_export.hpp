#pragma once
// A version's rows written out as JSONL or CSV (`data cat`, `data export`): to a sink, or to a
// file that is replaced atomically, so a reader never sees half an export.
#include "data/dataset_version.hpp"
#include "data/formats/input_format.hpp"
#include "store/project.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace llmops::data {

struct ExportOptions {
    InputFormat format = InputFormat::Jsonl; // Jsonl or Csv
    std::int64_t limit = -1;                 // rows; negative: all
};

// "jsonl" or "csv"; anything else is Error(Usage).
InputFormat parse_output_format(const std::string& name);

// Receives the output in blocks of about 1 MiB, in order.
using ExportSink = std::function<void(std::string_view block)>;

// Writes the rows to `sink`; returns how many were written.
std::int64_t export_rows(store::Project& project, const DatasetVersion& version,
                         const ExportOptions& options, const ExportSink& sink);

// Writes the rows to `path` whole or not at all (core/output_file.hpp).
std::int64_t export_rows_to_file(store::Project& project, const DatasetVersion& version,
                                 const ExportOptions& options, const std::filesystem::path& path);

// `data export --json`: {"ref", "rows", "path", "format"}.
nlohmann::json export_json(const DatasetVersion& version, std::int64_t rows,
                           const std::string& path, const std::string& format);

} // namespace llmops::data
