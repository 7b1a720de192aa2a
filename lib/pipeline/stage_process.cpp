#include "pipeline/stage_process.hpp"

#include "core/error.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace llmops::pipeline {

pid_t start_stage_process(const StageProcessSpec& spec) {
    // Everything the child needs is built before fork: after it, only async-signal-safe calls.
    std::vector<char*> argv;
    for (const auto& arg : spec.argv)
        argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    std::string cwd = spec.cwd.string();
    pid_t pid = ::fork();
    if (pid < 0)
        throw_bad_input(std::string("cannot start a process: ") + std::strerror(errno),
                        ErrorLocation{.file = spec.argv.front()});
    if (pid == 0) {
        ::setpgid(0, 0); // its own group, so terminating a stage reaches what its shell started
        for (const auto& [name, value] : spec.env)
            ::setenv(name.c_str(), value.c_str(), 1);
        if (::chdir(cwd.c_str()) != 0) ::_exit(127);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::setpgid(pid, pid);
    return pid;
}

std::optional<ProcessExit> wait_for_child(int timeout_ms) {
    // Polling keeps Ctrl-C responsive without a signal-handling dance around waitpid.
    for (int waited = 0;; waited += 10) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            ProcessExit exit;
            exit.pid = pid;
            exit.exit_code = WIFEXITED(status) ? WEXITSTATUS(status)
                                               : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
            return exit;
        }
        if (pid < 0 && errno != EINTR) return std::nullopt; // no children
        if (waited >= timeout_ms) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

void terminate_stage_process(pid_t pid) {
    ::kill(-pid, SIGTERM);
}

} // namespace llmops::pipeline
