// run_exec_hook: an alert's exec hook. The payload goes through a temporary file (a hook may
// ignore its stdin without blocking us on a full pipe), stderr into another, and the hook's
// process group is killed at the timeout.
#include "monitor/alert_delivery.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace llmops::monitor {

namespace {

// A temporary file, removed when this goes.
class TempFile {
  public:
    TempFile() {
        const char* dir = std::getenv("TMPDIR");
        path_ = std::string(dir && *dir ? dir : "/tmp") + "/llmops-hook-XXXXXX";
        fd_ = ::mkstemp(path_.data());
    }
    ~TempFile() {
        if (fd_ >= 0) {
            ::close(fd_);
            ::unlink(path_.c_str());
        }
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    bool ok() const { return fd_ >= 0; }
    int fd() const { return fd_; }

    bool write_all(const std::string& text) {
        std::size_t done = 0;
        while (done < text.size()) {
            ssize_t w = ::write(fd_, text.data() + done, text.size() - done);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return false;
            done += static_cast<std::size_t>(w);
        }
        return ::lseek(fd_, 0, SEEK_SET) == 0;
    }

    std::string read_tail(std::size_t n) const {
        off_t size = ::lseek(fd_, 0, SEEK_END);
        if (size <= 0) return {};
        off_t from = size > static_cast<off_t>(n) ? size - static_cast<off_t>(n) : 0;
        std::string out(static_cast<std::size_t>(size - from), '\0');
        ssize_t r = ::pread(fd_, out.data(), out.size(), from);
        out.resize(r > 0 ? static_cast<std::size_t>(r) : 0);
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
            out.pop_back();
        for (char& c : out)
            if (c == '\n' || c == '\r') c = ' ';
        return out;
    }

  private:
    std::string path_;
    int fd_ = -1;
};

} // namespace

std::string run_exec_hook(const std::string& command, const std::string& input,
                          const std::string& working_dir, double timeout_s,
                          const std::vector<std::pair<std::string, std::string>>& env) {
    TempFile in, err;
    if (!in.ok() || !err.ok() || !in.write_all(input))
        return std::string("cannot make a temporary file: ") + std::strerror(errno);

    std::vector<std::string> env_text;
    for (char** e = environ; *e; ++e)
        env_text.emplace_back(*e);
    for (const auto& [k, v] : env)
        env_text.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_text)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&actions, in.fd(), 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, err.fd(), 2);
    if (!working_dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, working_dir.c_str());
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    std::string sh_command = command;
    char sh[] = "/bin/sh";
    char dash_c[] = "-c";
    char* argv[] = {sh, dash_c, sh_command.data(), nullptr};
    pid_t pid = 0;
    int spawned = ::posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (spawned != 0) return std::string("cannot start /bin/sh: ") + std::strerror(spawned);

    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
    int status = 0;
    for (;;) {
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) return std::string("waitpid: ") + std::strerror(errno);
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return "timed out after " + std::to_string(timeout_s) + " s";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    std::string what = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                         : "killed by signal " + std::to_string(WTERMSIG(status));
    std::string stderr_tail = err.read_tail(300);
    return stderr_tail.empty() ? what : what + ": " + stderr_tail;
}

} // namespace llmops::monitor
