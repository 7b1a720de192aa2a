#pragma once
// Which process holds a long-running job (a run, an eval run) in a shared store: host, boot,
// pid and the process's start time, so a recycled pid is never mistaken for the owner.
#include <optional>
#include <string>
#include <string_view>

namespace llmops {

struct ProcessOwner {
    std::string host;
    std::string boot_id; // /proc/sys/kernel/random/boot_id; empty when unknown
    long pid = 0;
    unsigned long long start_ticks = 0; // /proc/PID/stat field 22; 0 when unknown

    // "host/boot_id/pid/start_ticks", as stored.
    std::string to_text() const;
    // nullopt for text not made by to_text (an old store's NULL, say).
    static std::optional<ProcessOwner> parse(std::string_view text);
};

ProcessOwner this_process();

enum class OwnerLiveness {
    Alive,   // on this host and boot, and that pid still runs with the same start time
    Gone,    // on this host and boot, and no such process runs any more (killed, crashed)
    Unknown, // another host or boot: nothing can be checked from here
};

OwnerLiveness liveness(const ProcessOwner& owner);

} // namespace llmops
