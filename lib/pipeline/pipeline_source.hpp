#pragma once
// Where a project's pipeline is defined: a file named with -f, pipeline.yaml at the project
// root, or the `pipelines:` section of llmops.yaml (docs/pipelines.md#pipelineyaml-or-llmopsyaml),
// and where its lock file goes.
#include "pipeline/pipeline_spec.hpp"

#include <filesystem>

namespace llmops::pipeline {

struct PipelineSource {
    PipelineSpec spec;
    std::filesystem::path lock_file; // FILE.lock beside a pipeline file; pipeline.lock at the root
};

// `explicit_file` (non-empty) is used as is, whatever llmops.yaml holds; when it is llmops.yaml
// itself, its section is (lock: pipeline.lock at the root). Otherwise the
// project's pipeline is pipeline.yaml at `project_root` or llmops.yaml's `pipelines:` section
// (`config_file`); Error(BadInput) when both define one (naming both files, at the section's
// line in llmops.yaml) or neither does.
PipelineSource locate_pipeline(const std::filesystem::path& project_root,
                               const std::filesystem::path& config_file,
                               const std::filesystem::path& explicit_file);

} // namespace llmops::pipeline
