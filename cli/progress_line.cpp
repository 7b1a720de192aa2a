#include "progress_line.hpp"

#include <cstdio>
#include <fmt/format.h>

namespace llmops::cli {

ProgressLine::ProgressLine(bool enabled, std::string label, std::function<ProgressCounts()> sample)
    : label_(std::move(label)), sample_(std::move(sample)),
      started_(std::chrono::steady_clock::now()) {
    if (!enabled) return;
    thread_ = std::thread([this] {
        while (!stopping_.load()) {
            draw();
            for (int i = 0; i < 4 && !stopping_.load(); ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    });
}

ProgressLine::~ProgressLine() {
    stop();
}

void ProgressLine::stop() {
    if (!thread_.joinable()) return;
    stopping_.store(true);
    thread_.join();
    std::fputs("\r\033[K", stderr); // the summary printed next replaces the bar
    std::fflush(stderr);
}

void ProgressLine::draw() {
    ProgressCounts c = sample_();
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    double rate = elapsed > 0 ? static_cast<double>(c.done) / elapsed : 0;
    constexpr int kWidth = 24;
    int filled =
        c.total
            ? static_cast<int>(kWidth * static_cast<double>(c.done) / static_cast<double>(c.total))
            : 0;
    std::string bar(static_cast<std::size_t>(std::min(filled, kWidth)), '#');
    bar.resize(kWidth, '.');
    std::string eta = "--";
    if (rate > 0 && c.total >= c.done) {
        auto seconds = static_cast<long>(static_cast<double>(c.total - c.done) / rate + 0.5);
        eta = seconds >= 60 ? fmt::format("{}m{:02}s", seconds / 60, seconds % 60)
                            : fmt::format("{}s", seconds);
    }
    fmt::print(stderr, "\r\033[K{} [{}] {}/{}  {:.1f} req/s  {} error{}  {} cached  ETA {}", label_,
               bar, c.done, c.total, rate, c.errors, c.errors == 1 ? "" : "s", c.cached, eta);
    std::fflush(stderr);
}

} // namespace llmops::cli
