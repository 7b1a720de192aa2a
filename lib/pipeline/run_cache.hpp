#pragma once
// The run cache: the outputs a stage produced under a key, their bytes kept in the object
// store, so that a stage whose inputs come back to an earlier state gets its outputs restored
// instead of running again (docs/pipelines.md#run-cache). Dataset outputs are not copied: a
// dataset output restores only when the dataset's latest version already is the one recorded.
#include "pipeline/file_hasher.hpp"
#include "pipeline/pipeline_spec.hpp"
#include "pipeline/stage_inputs.hpp"
#include "store/project.hpp"

#include <string>

namespace llmops::pipeline {

class RunCache {
  public:
    RunCache(store::Project& project, std::filesystem::path root);

    // Copies the outputs into the object store, then records them under `key` in one
    // transaction. `paths` are the hashes outputs() gave for path outputs.
    void save(const std::string& key, const Stage& stage, const ValueHashes& outs,
              const std::map<std::string, PathHash>& paths);
    bool has(const std::string& key);
    // Writes the recorded outputs back in place (atomically per file). Returns false, having
    // changed nothing, when there is no entry or it cannot be restored.
    bool restore(const std::string& key, const Stage& stage);

  private:
    store::Project& project_;
    std::filesystem::path root_;
};

} // namespace llmops::pipeline
