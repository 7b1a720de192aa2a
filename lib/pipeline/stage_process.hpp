#pragma once
// A stage's command as a child process: `/bin/sh -c CMD` or this llmops binary with the step's
// argv (no shell, so no quoting surprises), started in the pipeline's folder with its stdout
// and stderr those of llmops.
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace llmops::pipeline {

struct StageProcessSpec {
    std::vector<std::string> argv; // argv[0] is the program (a path)
    std::filesystem::path cwd;
    std::vector<std::pair<std::string, std::string>> env; // set on top of ours
};

// Starts it; throws Error(BadInput) when the process cannot be created.
pid_t start_stage_process(const StageProcessSpec& spec);

struct ProcessExit {
    pid_t pid = 0;
    int exit_code = 0; // 128 + signal when killed by one
};

// Waits up to timeout_ms for one of our children to end; nullopt on timeout.
std::optional<ProcessExit> wait_for_child(int timeout_ms);

// Sends SIGTERM to a child's process group (its shell and what the shell started).
void terminate_stage_process(pid_t pid);

} // namespace llmops::pipeline
