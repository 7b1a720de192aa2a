#include "core/process_owner.hpp"

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unistd.h>

namespace llmops {

namespace {

std::string first_line(const char* path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

struct ProcStat {
    char state = '?';                   // field 3: 'Z' for a zombie (dead, not yet reaped)
    unsigned long long start_ticks = 0; // field 22: clock ticks after boot
};

// /proc/PID/stat. The command name (field 2) is in parentheses and may hold spaces and
// parentheses, so fields are counted from the last ')'.
ProcStat proc_stat(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ProcStat out;
    auto close = text.rfind(')');
    if (close == std::string::npos) return out;
    std::istringstream fields(text.substr(close + 1));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
        if (i == 3) out.state = field.empty() ? '?' : field[0];
        if (i == 22) out.start_ticks = std::strtoull(field.c_str(), nullptr, 10);
    }
    return out;
}

} // namespace

std::string ProcessOwner::to_text() const {
    return host + "/" + boot_id + "/" + std::to_string(pid) + "/" + std::to_string(start_ticks);
}

std::optional<ProcessOwner> ProcessOwner::parse(std::string_view text) {
    // From the right: a host name holds no '/', but keep the split exact anyway.
    auto last = text.rfind('/');
    if (last == std::string_view::npos) return std::nullopt;
    auto third = text.rfind('/', last - 1);
    if (third == std::string_view::npos || last == 0) return std::nullopt;
    auto second = text.rfind('/', third - 1);
    if (second == std::string_view::npos || third == 0) return std::nullopt;
    ProcessOwner owner;
    owner.host = std::string(text.substr(0, second));
    owner.boot_id = std::string(text.substr(second + 1, third - second - 1));
    std::string_view pid = text.substr(third + 1, last - third - 1);
    std::string_view ticks = text.substr(last + 1);
    if (std::from_chars(pid.data(), pid.data() + pid.size(), owner.pid).ec != std::errc() ||
        std::from_chars(ticks.data(), ticks.data() + ticks.size(), owner.start_ticks).ec !=
            std::errc() ||
        owner.pid <= 0)
        return std::nullopt;
    return owner;
}

ProcessOwner this_process() {
    ProcessOwner owner;
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) owner.host = host;
    owner.boot_id = first_line("/proc/sys/kernel/random/boot_id");
    owner.pid = static_cast<long>(::getpid());
    owner.start_ticks = proc_stat(owner.pid).start_ticks;
    return owner;
}

OwnerLiveness liveness(const ProcessOwner& owner) {
    ProcessOwner self = this_process();
    if (owner.host != self.host || owner.boot_id != self.boot_id || self.boot_id.empty())
        return OwnerLiveness::Unknown;
    if (::kill(static_cast<pid_t>(owner.pid), 0) != 0 && errno == ESRCH) return OwnerLiveness::Gone;
    // The pid runs: the owner only if it started when the owner did (pids are reused).
    ProcStat now = proc_stat(owner.pid);
    if (now.state == 'Z') return OwnerLiveness::Gone;
    if (now.start_ticks != 0 && owner.start_ticks != 0 && now.start_ticks != owner.start_ticks)
        return OwnerLiveness::Gone;
    return OwnerLiveness::Alive;
}

} // namespace llmops
