// Fault kinds of the stub model server and the deterministic plan that picks them.
#pragma once

#include "stats/statistics.hpp"

#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace stub_llm {

enum class FaultKind { none, status, hang, malformed, truncated, truncated_json, slow_sse };
enum class FaultOrder { random, round_robin };

struct Fault {
    FaultKind kind = FaultKind::none;
    int status = 0; // for FaultKind::status
    std::string name;
};

// "429", "503" (any 4xx/5xx), "hang", "malformed", "truncated", "truncated_json", "slow_sse".
// Returns kind none for "none" and for anything unknown (name keeps the text).
inline Fault parse_fault(const std::string& text) {
    Fault f;
    f.name = text;
    if (text.size() == 3 && text[0] >= '4' && text[0] <= '5' &&
        std::isdigit(static_cast<unsigned char>(text[1])) &&
        std::isdigit(static_cast<unsigned char>(text[2]))) {
        f.kind = FaultKind::status;
        f.status = std::stoi(text);
    } else if (text == "hang") {
        f.kind = FaultKind::hang;
    } else if (text == "malformed") {
        f.kind = FaultKind::malformed;
    } else if (text == "truncated") {
        f.kind = FaultKind::truncated;
    } else if (text == "truncated_json") {
        f.kind = FaultKind::truncated_json;
    } else if (text == "slow_sse") {
        f.kind = FaultKind::slow_sse;
    }
    return f;
}

// SplitMix64: a stateless mix of (seed, sequence number), so choices depend only on the order
// requests arrive in, never on thread timing inside the server.
inline std::uint64_t mix64(std::uint64_t x) {
    return llmops::stats::splitmix64(x);
}

inline double unit_interval(std::uint64_t x) {
    return static_cast<double>(x >> 11) * (1.0 / 9007199254740992.0); // [0, 1)
}

class FaultPlan {
  public:
    FaultPlan(std::vector<Fault> faults, double rate, FaultOrder order, std::uint64_t first,
              std::uint64_t seed)
        : faults_(std::move(faults)), rate_(rate), order_(order), first_(first), seed_(seed) {}

    // Draws the next request's fault. Lock-free: one atomic sequence number per request.
    Fault next() {
        const std::uint64_t n = seq_.fetch_add(1, std::memory_order_relaxed);
        if (faults_.empty()) return {};
        if (n < first_) return faults_[n % faults_.size()];
        const std::uint64_t m = n - first_;
        if (order_ == FaultOrder::round_robin) {
            // Request m is faulted when ceil((m+1)*rate) steps past ceil(m*rate): evenly spaced
            // faults, the first request of the run included.
            const auto before = static_cast<std::uint64_t>(std::ceil(m * rate_));
            const auto after = static_cast<std::uint64_t>(std::ceil((m + 1) * rate_));
            if (after <= before) return {};
            return faults_[before % faults_.size()];
        }
        const std::uint64_t r = mix64(seed_ ^ mix64(n));
        if (!(unit_interval(r) < rate_)) return {};
        return faults_[mix64(r) % faults_.size()];
    }

    void reset() { seq_.store(0, std::memory_order_relaxed); }

  private:
    std::vector<Fault> faults_;
    double rate_;
    FaultOrder order_;
    std::uint64_t first_;
    std::uint64_t seed_;
    std::atomic<std::uint64_t> seq_{0};
};

} // namespace stub_llm
