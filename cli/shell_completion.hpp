#pragma once
// `llmops completion bash|zsh`: completion scripts generated from the command table and the
// registered options, so they always match the binary that printed them.
#include <CLI/CLI.hpp>
#include <string>

namespace llmops::cli {

// A bash script defining _llmops and `complete -F _llmops llmops`: commands, subcommands
// and options; files for arguments and option values.
std::string bash_completion(const CLI::App& root);

// A zsh script for $fpath (as _llmops) or `source`: the same, with descriptions.
std::string zsh_completion(const CLI::App& root);

} // namespace llmops::cli
