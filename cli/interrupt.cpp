#include "interrupt.hpp"

#include <csignal>

namespace llmops::cli {
namespace {

std::atomic<bool> g_interrupted{false};
struct sigaction g_previous_int {};
struct sigaction g_previous_term {};

extern "C" void on_interrupt(int signal_number) {
    if (g_interrupted.exchange(true)) {
        // Second signal: the user means it.
        std::signal(signal_number, SIG_DFL);
        std::raise(signal_number);
    }
}

} // namespace

InterruptGuard::InterruptGuard() {
    g_interrupted.store(false);
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &g_previous_int);
    sigaction(SIGTERM, &action, &g_previous_term);
}

InterruptGuard::~InterruptGuard() {
    sigaction(SIGINT, &g_previous_int, nullptr);
    sigaction(SIGTERM, &g_previous_term, nullptr);
}

const std::atomic<bool>* InterruptGuard::flag() const {
    return &g_interrupted;
}
const std::atomic<bool>* interrupt_flag() {
    return &g_interrupted;
}
bool InterruptGuard::interrupted() const {
    return g_interrupted.load();
}

} // namespace llmops::cli
