#pragma once
// `data add`: reading files into a new dataset version.
#include "data/dataset_writer.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace llmops::data {

struct ImportOptions {
    std::string name;
    std::string message;
    std::vector<std::string> tags;
    std::optional<std::string> format; // --format; else by extension
    bool infer_types = false;
    bool allow_empty = false;
    store::Compression chunks = store::Compression::Zstd; // how chunk objects are stored
};

// Reads every input (files, or directories of data files) in order into one version. Any bad
// input throws Error(BadInput) located at file:line:column before anything is recorded.
CommitResult import_files(store::Project& project, const std::vector<std::filesystem::path>& inputs,
                          const ImportOptions& options);

} // namespace llmops::data
