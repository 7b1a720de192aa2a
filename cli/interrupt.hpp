#pragma once
// Ctrl-C during a long command: the first SIGINT (or SIGTERM) sets a flag the command polls so
// it can stop cleanly and record what it did; a second one ends the process at once.
#include <atomic>

namespace llmops::cli {

class InterruptGuard {
  public:
    InterruptGuard();  // installs the handlers
    ~InterruptGuard(); // restores the previous ones
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    const std::atomic<bool>* flag() const;
    bool interrupted() const;
};

// The flag every InterruptGuard sets; it exists for the whole process, so a long loop (a
// template render) can poll it whether or not a guard is installed.
const std::atomic<bool>* interrupt_flag();

// The conventional exit status of a command stopped by SIGINT (128 + 2).
constexpr int kInterruptedExitCode = 130;

} // namespace llmops::cli
