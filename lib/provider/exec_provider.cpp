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
    // stdin is a socket so that writing to a program that exited early gives EPIPE via
    // MSG_NOSIGNAL instead of a process-wide SIGPIPE.
    int in_pair[2], out_pipe[2], err_pipe[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pair) != 0)
        return exec_failure(ProviderErrorKind::Exec,
                            std::string("socketpair: ") + std::strerror(errno));
    FileDescriptor in_parent(in_pair[0]), in_child(in_pair[1]);
    if (::pipe2(out_pipe, O_CLOEXEC) != 0)
        return exec_failure(ProviderErrorKind::Exec, std::string("pipe: ") + std::strerror(errno));
    FileDescriptor out_parent(out_pipe[0]), out_child(out_pipe[1]);
    if (::pipe2(err_pipe, O_CLOEXEC) != 0)
        return exec_failure(ProviderErrorKind::Exec, std::string("pipe: ") + std::strerror(errno));
    FileDescriptor err_parent(err_pipe[0]), err_child(err_pipe[1]);

    SpawnActions spawn;
    posix_spawn_file_actions_adddup2(&spawn.actions, in_child.get(), 0);
    posix_spawn_file_actions_adddup2(&spawn.actions, out_child.get(), 1);
    posix_spawn_file_actions_adddup2(&spawn.actions, err_child.get(), 2);
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
    pid_t pid = 0;
    auto started = Clock::now();
    int rc = ::posix_spawn(&pid, "/bin/sh", &spawn.actions, &spawn.attr,
                           const_cast<char* const*>(argv), environ);
    if (rc != 0)
        return exec_failure(ProviderErrorKind::Exec,
                            "cannot run '" + config.command + "': " + std::strerror(rc));
    in_child.close();
    out_child.close();
    err_child.close();
    set_nonblocking(in_parent.get());

    std::string out, err;
    std::size_t written = 0;
    bool timed_out = false, cancelled = false, too_big = false;
    auto deadline = started + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(config.timeout_s));
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
            timed_out = true;
            break;
        }
        if (cancel && cancel->load()) {
            cancelled = true;
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
            std::string& sink = &fd == &out_parent ? out : err;
            ssize_t r = ::read(fd.get(), buffer, sizeof buffer);
            if (r > 0)
                sink.append(buffer, static_cast<std::size_t>(r));
            else if (r == 0 || (errno != EAGAIN && errno != EINTR))
                fd = FileDescriptor();
            if (out.size() + err.size() > kMaxOutputBytes) too_big = true;
        }
        if (too_big) break;
    }
    in_parent = FileDescriptor();
    if (timed_out || cancelled || too_big) ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ChatResult r;
    r.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    r.attempts = 1;
    if (cancelled) return exec_failure(ProviderErrorKind::Cancelled, "cancelled");
    if (timed_out)
        return exec_failure(ProviderErrorKind::Timeout,
                            "'" + config.command + "' timed out after " +
                                std::to_string(config.timeout_s) + " s and was killed");
    if (too_big)
        return exec_failure(ProviderErrorKind::Exec,
                            "'" + config.command + "' wrote more than 64 MiB; stopped");
    if (WIFSIGNALED(status))
        return exec_failure(ProviderErrorKind::Exec,
                            "'" + config.command + "' was killed by signal " +
                                std::to_string(WTERMSIG(status)) +
                                (err.empty() ? "" : ": " + tail(err, kStderrKept)));
    if (WEXITSTATUS(status) != 0)
        return exec_failure(ProviderErrorKind::Exec,
                            "'" + config.command + "' exited with status " +
                                std::to_string(WEXITSTATUS(status)) +
                                (err.empty() ? "" : ": " + tail(err, kStderrKept)));
    r.raw = out.substr(0, config.max_raw_bytes);
    r.raw_truncated = out.size() > config.max_raw_bytes;
    r.prompt_tokens = estimate_tokens(input);
    if (config.output_json) {
        parse_json_output(out, r);
    } else {
        if (!out.empty() && out.back() == '\n') out.pop_back();
        r.text = std::move(out);
        r.finish_reason = "stop";
        r.completion_tokens = estimate_tokens(r.text);
    }
    r.model = request.model.empty() ? config.model : request.model;
    return r;
}

} // namespace llmops::provider
