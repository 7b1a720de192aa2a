#pragma once
// What a stage's key is made of: the value of each dependency (file and folder hashes,
// resolved dataset versions, prompt versions, provider configurations, params values) and
// the command, and the hashes of what a stage produced.
#include "pipeline/file_hasher.hpp"
#include "pipeline/pipeline_spec.hpp"
#include "store/project.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace llmops::pipeline {

// Dependency or output id -> hash (32 hex digits); an id that cannot be resolved yet (a file
// an upstream stage has not written, a dataset not added yet) is absent.
using ValueHashes = std::map<std::string, std::string>;

class StageInputs {
  public:
    // config_file: llmops.yaml, for provider ids. project may be null for tests of paths and
    // params only.
    StageInputs(store::Project* project, std::filesystem::path config_file,
                std::filesystem::path root, FileHasher& hasher);

    // Throws Error(BadInput) at the dependency's file:line:column for an unknown dataset,
    // prompt, provider or params key, unless allow_missing (then it is left out).
    ValueHashes dependencies(const Stage& stage, bool allow_missing);
    // Missing outputs are left out.
    ValueHashes outputs(const Stage& stage);
    // Folder outputs' listings, from the last call of outputs() (for the run cache).
    const std::map<std::string, PathHash>& last_paths() const { return last_paths_; }

    // The hash of one non-path dependency (nullopt for a path); throws as dependencies() does.
    std::optional<std::string> value_of(const Dependency& dep);

  private:
    store::Project* project_;
    std::filesystem::path config_file_;
    std::filesystem::path root_;
    FileHasher& hasher_;
    std::map<std::string, PathHash> last_paths_;
};

// XXH3-128 of the canonical JSON {"cmd", "deps": {id: hash}, "outs": [ids]}.
std::string stage_key(const Stage& stage, const ValueHashes& deps);

// The value at a dotted key ("train.lr") of a YAML value, or nullptr.
const nlohmann::json* find_dotted(const nlohmann::json& value, std::string_view dotted);

} // namespace llmops::pipeline
