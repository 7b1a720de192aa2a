#pragma once
// The exec trainer of `llmops finetune create --provider exec:COMMAND` (or a declared exec
// provider): local training as a command. It runs as `/bin/sh -c 'COMMAND "$@"' sh TRAIN
// [VALIDATION]`, the paths of the fine-tuning JSONL files as its arguments, with
// LLMOPS_FINETUNE_MODEL (the base model) and LLMOPS_FINETUNE_PARAMS (the parameters as JSON) in
// its environment; the last non-empty line it prints is the resulting model id.
#include <string>
#include <utility>
#include <vector>

namespace llmops::feedback {

struct ExecTrainResult {
    int exit_code = 0;
    std::string model_id; // the last non-empty line of stdout
    std::string stderr_tail;
};

// Throws Error(Provider) when the command cannot be started.
ExecTrainResult run_exec_trainer(const std::string& command, const std::vector<std::string>& args,
                                 const std::vector<std::pair<std::string, std::string>>& env,
                                 const std::string& working_dir);

} // namespace llmops::feedback
