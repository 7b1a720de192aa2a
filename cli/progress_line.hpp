#pragma once
// A one-line progress display on stderr, redrawn a few times a second from its own thread:
// `[#####.....] 512/1000  85.3 req/s  3 errors  ETA 6s`. Only on a TTY and not with -q;
// otherwise it does nothing (scripts and CI logs get no carriage-return noise).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace llmops::cli {

struct ProgressCounts {
    std::uint64_t done = 0;
    std::uint64_t total = 0;
    std::uint64_t errors = 0;
    std::uint64_t cached = 0;
};

class ProgressLine {
  public:
    ProgressLine(bool enabled, std::string label, std::function<ProgressCounts()> sample);
    ~ProgressLine(); // stops and clears the line
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;

    void stop();

  private:
    void draw();

    std::string label_;
    std::function<ProgressCounts()> sample_;
    std::chrono::steady_clock::time_point started_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

} // namespace llmops::cli
