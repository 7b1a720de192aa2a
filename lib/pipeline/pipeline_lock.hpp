#pragma once
// pipeline.lock: what each stage last ran with and produced, as a text file meant for git.
// Stable and diff-friendly: stages, dependencies and outputs sorted by name, one value per
// line, every string that could need it JSON-quoted (so the file is also valid YAML).
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace llmops::pipeline {

struct LockedStage {
    std::string key;                         // the stage key, 32 hex digits
    std::string command;                     // the command as people read it
    std::map<std::string, std::string> deps; // dependency id -> hash of its value
    std::map<std::string, std::string> outs; // output id -> hash of its content
    bool operator==(const LockedStage&) const = default;
};

struct PipelineLock {
    std::map<std::string, LockedStage> stages; // by stage name
    bool operator==(const PipelineLock&) const = default;
};

inline constexpr int kLockSchema = 1;

std::string render_lock(const PipelineLock& lock);
// Throws Error(BadInput) at file:line:column for a lock file this version cannot read.
PipelineLock parse_lock(std::string_view text, const std::string& source_name);
// A missing file is an empty lock.
PipelineLock load_lock(const std::filesystem::path& file);
// Atomic: a reader (or a kill -9) sees the old file or the new one.
void save_lock(const std::filesystem::path& file, const PipelineLock& lock,
               const std::filesystem::path& tmp_dir);

} // namespace llmops::pipeline
