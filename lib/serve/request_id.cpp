// Time-ordered request ids (request_log.hpp): "req_" and 16 hex digits.
#include "serve/request_log.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

namespace llmops::serve {

std::string make_request_id(std::int64_t created_ms, std::uint32_t sequence) {
    const std::int64_t low = sequence & ((1U << kRequestIdSequenceBits) - 1);
    return fmt::format("req_{:016x}",
                       static_cast<std::uint64_t>(first_request_id_at(created_ms) | low));
}

std::optional<std::int64_t> parse_request_id(std::string_view id) {
    if (id.size() != 20 || id.substr(0, 4) != "req_") return std::nullopt;
    std::uint64_t value = 0;
    const char* begin = id.data() + 4;
    const char* end = id.data() + id.size();
    auto [ptr, ec] = std::from_chars(begin, end, value, 16);
    // Positive 63-bit numbers only: the store's INTEGER PRIMARY KEY is signed.
    if (ec != std::errc() || ptr != end || value >> 63) return std::nullopt;
    for (const char* c = begin; c != end; ++c)
        if (*c >= 'A' && *c <= 'F') return std::nullopt; // one spelling per id
    return static_cast<std::int64_t>(value);
}

LogFollower::LogFollower(LogFilter filter, std::chrono::milliseconds lookback)
    : filter_(std::move(filter)), lookback_ids_(first_request_id_at(lookback.count())) {}

std::vector<StoredRequest> LogFollower::start(RequestLogBackend& backend, std::size_t last) {
    // The window first, then the newest rows: a row committed in between is among the newest.
    LogFilter window = filter_;
    window.limit = 1;
    window.after_seq.reset();
    auto newest = backend.list(window);
    if (!newest.empty()) {
        newest_ = newest.front().seq;
        window.limit = 0;
        window.after_seq = std::max<std::int64_t>(0, newest_ - lookback_ids_);
        for (const auto& row : backend.list(window))
            shown_.insert(row.seq);
    }
    LogFilter first = filter_;
    first.limit = last;
    first.after_seq.reset();
    std::vector<StoredRequest> rows = last ? backend.list(first) : std::vector<StoredRequest>{};
    std::reverse(rows.begin(), rows.end());
    for (const auto& row : rows) {
        shown_.insert(row.seq);
        newest_ = std::max(newest_, row.seq);
    }
    return rows;
}

std::vector<StoredRequest> LogFollower::poll(RequestLogBackend& backend) {
    LogFilter filter = filter_;
    filter.after_seq = std::max<std::int64_t>(0, newest_ - lookback_ids_);
    filter.limit = 0;
    std::vector<StoredRequest> fresh;
    for (auto& row : backend.list(filter)) {
        if (row.seq <= newest_ && shown_.count(row.seq)) continue;
        if (row.seq <= newest_ - lookback_ids_) continue;
        shown_.insert(row.seq);
        fresh.push_back(std::move(row));
    }
    for (const auto& row : fresh)
        newest_ = std::max(newest_, row.seq);
    // Forget what has left the window.
    shown_.erase(shown_.begin(), shown_.lower_bound(newest_ - lookback_ids_));
    return fresh;
}

} // namespace llmops::serve
