#pragma once
// Runs tests/support/stub_llm for a test: posix_spawn, read "PORT n" from its stdout,
// SIGTERM + waitpid at the end. The binary is $LLMOPS_BUILD_DIR/stub_llm, else the one beside
// this test executable.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <spawn.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace llmops::testing {

inline std::filesystem::path stub_llm_path() {
    if (const char* dir = std::getenv("LLMOPS_BUILD_DIR"); dir && *dir) {
        std::filesystem::path p = std::filesystem::path(dir) / "stub_llm";
        if (std::filesystem::exists(p)) return p;
    }
    return std::filesystem::read_symlink("/proc/self/exe").parent_path() / "stub_llm";
}

class StubServer {
  public:
    explicit StubServer(const std::vector<std::string>& args = {}) {
        std::string bin = stub_llm_path().string();
        std::vector<std::string> argv_s = {bin, "--keep-requests", "1000"};
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_s)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        int fds[2];
        if (::pipe(fds) != 0) throw std::runtime_error("pipe");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        int rc = ::posix_spawn(&pid_, bin.c_str(), &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(fds[1]);
        if (rc != 0) {
            ::close(fds[0]);
            throw std::runtime_error("cannot start " + bin);
        }
        FILE* out = ::fdopen(fds[0], "r");
        char line[128] = {};
        if (!std::fgets(line, sizeof line, out) || std::sscanf(line, "PORT %d", &port_) != 1) {
            std::fclose(out);
            stop();
            throw std::runtime_error("stub_llm did not report a port");
        }
        out_ = out; // keep the pipe open: the stub may write more
    }
    ~StubServer() {
        stop();
        if (out_) std::fclose(out_);
    }
    StubServer(const StubServer&) = delete;
    StubServer& operator=(const StubServer&) = delete;

    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    int stop() {
        if (pid_ <= 0) return 0;
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return status;
    }

  private:
    pid_t pid_ = -1;
    int port_ = 0;
    FILE* out_ = nullptr;
};

} // namespace llmops::testing
