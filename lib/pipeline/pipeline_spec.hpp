#pragma once
// pipeline.yaml (or llmops.yaml's pipelines: section): the stages of a pipeline, what each runs,
// depends on and produces (docs/pipelines.md). Parsing checks the shape of every stage and names
// file:line:column; the graph between stages is stage_graph's job.
#include "core/error.hpp"
#include "json/yaml_document.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace llmops::pipeline {

enum class DepKind {
    Path,     // a file or folder, relative to the pipeline's folder
    Dataset,  // data:NAME[@REF] — the resolved version's manifest
    Prompt,   // prompt:NAME[@REF] — the resolved version's spec hash
    Provider, // provider:ID — the provider's configuration (never its key)
    Params,   // keys of a YAML file: {params: FILE, keys: [a.b, c]}
};

struct Dependency {
    DepKind kind = DepKind::Path;
    std::string target;            // path, dataset ref, prompt ref, provider id or params file
    std::vector<std::string> keys; // Params: dotted keys
    ErrorLocation where;
    // The name this dependency has in keys and the lock file: "data/raw.csv", "data:qa@latest",
    // "params:params.yaml:lr" ...
    std::string id() const;
};

enum class OutKind {
    Path,    // a file or a folder
    Dataset, // data:NAME — the dataset's latest version after the stage
};

struct Output {
    OutKind kind = OutKind::Path;
    std::string target; // normalised relative path, or dataset name
    ErrorLocation where;
    std::string id() const; // "out/model.bin", "data:qa"
};

struct Stage {
    std::string name;
    // Exactly one of: a shell command (run by /bin/sh -c) or the argv of an llmops step
    // (run as this llmops binary, a child process).
    std::string cmd;
    std::vector<std::string> llmops_args;
    std::vector<Dependency> deps;
    std::vector<Output> outs;
    ErrorLocation where;
    // What the key covers of the command: "sh:<cmd>" or "llmops:<argv joined by \x1f>".
    std::string command_text() const;
    // For people: the shell command, or "llmops " + argv.
    std::string display_command() const;
};

struct PipelineSpec {
    std::filesystem::path file; // pipeline.yaml
    std::filesystem::path root; // its folder: commands run there, paths are relative to it
    std::vector<Stage> stages;  // in file order
};

// The llmops steps a stage may run: "data add", "data transform", "eval run", "deploy",
// "drift", "finetune create".
const std::vector<std::string>& allowed_llmops_steps();

// Throws Error(BadInput) at file:line:column for malformed YAML or a malformed stage.
PipelineSpec parse_pipeline(std::string_view yaml_text, const std::filesystem::path& file);
PipelineSpec load_pipeline(const std::filesystem::path& file);

// The `pipelines:` section of llmops.yaml (already loaded with its positions): the same
// `stages:` as a pipeline file, with errors at llmops.yaml:line:column and paths relative to
// the file's folder, the project root. Throws Error(BadInput) as parse_pipeline does.
PipelineSpec parse_pipeline_section(const YamlDocument& config,
                                    const std::filesystem::path& config_file);
bool has_pipeline_section(const YamlDocument& config);

// A relative path with "." and ".." resolved lexically, no trailing "/"; throws
// Error(BadInput) at `where` for an absolute path or one leaving the pipeline's folder.
std::string normalise_relative_path(std::string_view path, const ErrorLocation& where);

} // namespace llmops::pipeline
