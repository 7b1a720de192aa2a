#include "provider/exec_provider.hpp"

#include "core/file_io.hpp"
#include "provider/request_codec.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace llmops::provider {

using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// More output than this is not an answer; the program is stopped.
constexpr std::size_t kMaxOutputBytes = 64u << 20;
constexpr std::size_t kStderrKept = 2000;

struct SpawnActions {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    SpawnActions() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attr);
    }
    ~SpawnActions() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
};

void set_nonblocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

std::string tail(const std::string& text, std::size_t n) {
    std::string out = text.size() > n ? "..." + text.substr(text.size() - n) : text;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
        out.pop_back();
    for (char& c : out)
        if (c == '\n') c = ' ';
    return out;
}

ChatResult exec_failure(ProviderErrorKind kind, std::string message) {
    ChatResult r;
    r.error = kind;
    r.error_message = std::move(message);
    return r;
}

void parse_json_output(const std::string& out, ChatResult& r) {
    json doc = json::parse(out, nullptr, false);
    const json* text = nullptr;
    if (doc.is_object()) {
        if (auto it = doc.find("text"); it != doc.end() && it->is_string())
            text = &*it;
        else if (auto c = doc.find("content"); c != doc.end() && c->is_string())
            text = &*c;
    }
    if (!text) {
        r.error = ProviderErrorKind::BadResponse;
        r.error_message = "the program's output is not a JSON object with a \"text\" string";
        return;
    }
    r.text = text->get<std::string>();
    r.finish_reason = doc.value("finish_reason", "stop");
    if (auto u = doc.find("usage"); u != doc.end() && u->is_object()) {
        r.prompt_tokens = u->value("prompt_tokens", r.prompt_tokens);
        r.completion_tokens = u->value("completion_tokens", estimate_tokens(r.text));
    } else {
        r.completion_tokens = estimate_tokens(r.text);
    }
}

// The three standard streams of the program: the parent's ends and the child's.
struct ChildPipes {
    FileDescriptor in_parent, in_child, out_parent, out_child, err_parent, err_child;
};

// Empty on success, else what failed. stdin is a socket so that writing to a program that
// exited early gives EPIPE via MSG_NOSIGNAL instead of a process-wide SIGPIPE.
std::string open_pipes(ChildPipes& p) {
    int in_pair[2], out_pipe[2], err_pipe[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pair) != 0)
        return std::string("socketpair: ") + std::strerror(errno);
    p.in_parent = FileDescriptor(in_pair[0]);
    p.in_child = FileDescriptor(in_pair[1]);
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    p.out_parent = FileDescriptor(out_pipe[0]);
    p.out_child = FileDescriptor(out_pipe[1]);
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    p.err_parent = FileDescriptor(err_pipe[0]);
    p.err_child = FileDescriptor(err_pipe[1]);
    return {};
}

// Starts `/bin/sh -c COMMAND` on the child ends; returns posix_spawn's error number (0: ok).
int spawn_shell(const ProviderConfig& config, const ChildPipes& pipes, pid_t& pid) {
    SpawnActions spawn;
    posix_spawn_file_actions_adddup2(&spawn.actions, pipes.in_child.get(), 0);
    posix_spawn_file_actions_adddup2(&spawn.actions, pipes.out_child.get(), 1);
    posix_spawn_file_actions_adddup2(&spawn.actions, pipes.err_child.get(), 2);
    if (!config.working_dir.empty())
        posix_spawn_file_actions_addchdir_np(&spawn.actions, config.working_dir.c_str());
    // Own process group, so a timeout kills the shell and whatever it started; default
    // signal handling and an empty mask whatever the calling thread had.
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigmask(&spawn.attr, &empty);
    posix_spawnattr_setsigdefault(&spawn.attr, &defaults);
    posix_spawnattr_setpgroup(&spawn.attr, 0);
    posix_spawnattr_setflags(&spawn.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                              POSIX_SPAWN_SETSIGDEF);
    const char* argv[] = {"/bin/sh", "-c", config.command.c_str(), nullptr};
    return ::posix_spawn(&pid, "/bin/sh", &spawn.actions, &spawn.attr,
                         const_cast<char* const*>(argv), environ);
}

struct Exchange {
    std::string out, err;
    bool timed_out = false, cancelled = false, too_big = false;
};

// Writes `input` to the program's stdin and collects stdout and stderr until both close, the
// deadline passes, `cancel` is set or the output grows past kMaxOutputBytes.
Exchange exchange(ChildPipes& pipes, const std::string& input, Clock::time_point deadline,
                  const std::atomic<bool>* cancel) {
    Exchange x;
    FileDescriptor& in_parent = pipes.in_parent;
    FileDescriptor& out_parent = pipes.out_parent;
    FileDescriptor& err_parent = pipes.err_parent;
    std::size_t written = 0;
    if (input.empty()) in_parent = FileDescriptor();
    char buffer[65536];
    while (out_parent.valid() || err_parent.valid()) {
        pollfd fds[3];
        int n = 0;
        auto add = [&](const FileDescriptor& fd, short events) {
            if (fd.valid()) fds[n++] = pollfd{fd.get(), events, 0};
        };
        add(in_parent, POLLOUT);
        add(out_parent, POLLIN);
        add(err_parent, POLLIN);
        auto now = Clock::now();
        if (now >= deadline) {
            x.timed_out = true;
            break;
        }
        if (cancel && cancel->load()) {
            x.cancelled = true;
            break;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
        int ready =
            ::poll(fds, static_cast<nfds_t>(n), static_cast<int>(std::min<long>(left + 1, 100)));
        if (ready < 0 && errno != EINTR) break;
        for (int i = 0; i < n && ready > 0; ++i) {
            if (!fds[i].revents) continue;
            if (in_parent.valid() && fds[i].fd == in_parent.get()) {
                ssize_t w = ::send(in_parent.get(), input.data() + written, input.size() - written,
                                   MSG_NOSIGNAL);
                if (w > 0) written += static_cast<std::size_t>(w);
                // Done, or the program stopped reading: either way, it gets EOF.
                if (written == input.size() || (w < 0 && errno != EAGAIN && errno != EINTR))
                    in_parent = FileDescriptor();
                continue;
            }
            FileDescriptor& fd = fds[i].fd == out_parent.get() ? out_parent : err_parent;
            std::string& sink = &fd == &out_parent ? x.out : x.err;
            ssize_t r = ::read(fd.get(), buffer, sizeof buffer);
            if (r > 0)
                sink.append(buffer, static_cast<std::size_t>(r));
            else if (r == 0 || (errno != EAGAIN && errno != EINTR))
                fd = FileDescriptor();
            if (x.out.size() + x.err.size() > kMaxOutputBytes) x.too_big = true;
        }
        if (x.too_big) break;
    }
    in_parent = FileDescriptor();
    return x;
}

// The answer, or the failure, of a program that has exited with `status`.
ChatResult exec_outcome(const ProviderConfig& config, const ChatRequest& request,
                        const std::string& input, Exchange& x, int status, double latency_ms) {
    if (x.cancelled) return exec_failure(ProviderErrorKind::Cancelled, "cancelled");
    if (x.timed_out)
        return exec_failure(ProviderErrorKind::Timeout,
                            "'" + config.command + "' timed out after " +
                                std::to_string(config.timeout_s) + " s and was killed");
    if (x.too_big)
        return exec_failure(ProviderErrorKind::Exec,
                            "'" + config.command + "' wrote more than 64 MiB; stopped");
    if (WIFSIGNALED(status))
        return exec_failure(ProviderErrorKind::Exec,
                            "'" + config.command + "' was killed by signal " +
                                std::to_string(WTERMSIG(status)) +
                                (x.err.empty() ? "" : ": " + tail(x.err, kStderrKept)));
    if (WEXITSTATUS(status) != 0)
        return exec_failure(ProviderErrorKind::Exec,
                            "'" + config.command + "' exited with status " +
                                std::to_string(WEXITSTATUS(status)) +
                                (x.err.empty() ? "" : ": " + tail(x.err, kStderrKept)));
    ChatResult r;
    r.latency_ms = latency_ms;
    r.attempts = 1;
    r.raw = x.out.substr(0, config.max_raw_bytes);
    r.raw_truncated = x.out.size() > config.max_raw_bytes;
    r.prompt_tokens = estimate_tokens(input);
    if (config.output_json) {
        parse_json_output(x.out, r);
    } else {
        if (!x.out.empty() && x.out.back() == '\n') x.out.pop_back();
        r.text = std::move(x.out);
        r.finish_reason = "stop";
        r.completion_tokens = estimate_tokens(r.text);
    }
    r.model = request.model.empty() ? config.model : request.model;
    return r;
}

} // namespace

json exec_request_json(const ProviderConfig& config, const ChatRequest& request) {
    json body = json::object();
    const std::string& model = request.model.empty() ? config.model : request.model;
    if (!model.empty()) body["model"] = model;
    body["messages"] = messages_json(request.messages);
    merge_parameters_into(body, config.parameters, request.parameters);
    return body;
}

ChatResult run_exec(const ProviderConfig& config, const ChatRequest& request,
                    const std::atomic<bool>* cancel) {
    const std::string input = config.input_format == ExecFormat::Text
                                  ? prompt_text(request)
                                  : exec_request_json(config, request).dump() + "\n";
    ChildPipes pipes;
    if (std::string failed = open_pipes(pipes); !failed.empty())
        return exec_failure(ProviderErrorKind::Exec, failed);
    pid_t pid = 0;
    auto started = Clock::now();
    if (int rc = spawn_shell(config, pipes, pid); rc != 0)
        return exec_failure(ProviderErrorKind::Exec,
                            "cannot run '" + config.command + "': " + std::strerror(rc));
    pipes.in_child.close();
    pipes.out_child.close();
    pipes.err_child.close();
    set_nonblocking(pipes.in_parent.get());

    auto deadline = started + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(config.timeout_s));
    Exchange x = exchange(pipes, input, deadline, cancel);
    if (x.timed_out || x.cancelled || x.too_big) ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const double latency_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    return exec_outcome(config, request, input, x, status, latency_ms);
}

} // namespace llmops::provider
