#include "pipeline/pipeline_source.hpp"

#include "core/error.hpp"
#include "store/project_config.hpp"

namespace llmops::pipeline {

namespace {

std::filesystem::path lock_beside(const std::filesystem::path& file) {
    return file.parent_path() / (file.stem().string() + ".lock");
}

} // namespace

PipelineSource locate_pipeline(const std::filesystem::path& project_root,
                               const std::filesystem::path& config_file,
                               const std::filesystem::path& explicit_file) {
    std::error_code ec;
    bool names_config = !explicit_file.empty() &&
                        std::filesystem::equivalent(explicit_file, config_file, ec) && !ec;
    if (!explicit_file.empty() && !names_config)
        return {load_pipeline(explicit_file), lock_beside(explicit_file)};
    // Checked as every command checks llmops.yaml: a misspelt top-level key is an error here too.
    YamlDocument config = store::load_project_config(config_file);
    // `-f llmops.yaml` chooses the section, as `-f pipeline.yaml` chooses the file.
    if (names_config)
        return {parse_pipeline_section(config, config_file), project_root / "pipeline.lock"};
    std::filesystem::path pipeline_file = project_root / "pipeline.yaml";
    bool has_file = std::filesystem::exists(pipeline_file, ec);
    bool has_section = has_pipeline_section(config);
    if (has_file && has_section)
        throw Error(ErrorKind::BadInput,
                    "the pipeline is defined twice: in " + pipeline_file.filename().string() +
                        " and in the 'pipelines:' section of " + config_file.filename().string(),
                    config.location_of("/pipelines"),
                    "keep one of them, or name the file to use with -f");
    if (has_section)
        return {parse_pipeline_section(config, config_file), project_root / "pipeline.lock"};
    if (!has_file)
        throw Error(ErrorKind::BadInput,
                    "no pipeline: neither " + pipeline_file.filename().string() +
                        " nor a 'pipelines:' section in " + config_file.filename().string(),
                    ErrorLocation::in_file(pipeline_file),
                    "write the stages in one of them (docs/pipelines.md)");
    return {load_pipeline(pipeline_file), lock_beside(pipeline_file)};
}

} // namespace llmops::pipeline
