#include "provider/rate_limiter.hpp"

#include <algorithm>

namespace llmops::provider {

TokenBucket::TokenBucket(double rate_per_minute, Clock::time_point now)
    : rate_per_s_(rate_per_minute / 60.0), capacity_(std::max(rate_per_minute, 1.0)),
      level_(capacity_), updated_(now) {}

void TokenBucket::refill(Clock::time_point now) {
    if (now <= updated_) return;
    double seconds = std::chrono::duration<double>(now - updated_).count();
    level_ = std::min(capacity_, level_ + seconds * rate_per_s_);
    updated_ = now;
}

TokenBucket::Clock::duration TokenBucket::wait_for(double amount, Clock::time_point now) {
    if (unlimited()) return Clock::duration::zero();
    refill(now);
    double needed = std::min(amount, capacity_);
    if (level_ >= needed) return Clock::duration::zero();
    double seconds = (needed - level_) / rate_per_s_;
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)) +
           Clock::duration(1);
}

void TokenBucket::take(double amount, Clock::time_point now) {
    if (unlimited()) return;
    refill(now);
    level_ -= amount;
}

void TokenBucket::adjust(double delta) {
    if (unlimited()) return;
    level_ = std::min(capacity_, level_ + delta);
}

double TokenBucket::level(Clock::time_point now) {
    refill(now);
    return level_;
}

RateLimiter::RateLimiter(double requests_per_minute, double tokens_per_minute,
                         Clock::time_point now)
    : requests_(requests_per_minute, now), tokens_(tokens_per_minute, now) {}

RateLimiter::Clock::duration RateLimiter::wait_for(double tokens, Clock::time_point now) {
    return std::max(requests_.wait_for(1, now), tokens_.wait_for(tokens, now));
}

void RateLimiter::take(double tokens, Clock::time_point now) {
    requests_.take(1, now);
    tokens_.take(tokens, now);
}

void RateLimiter::settle(double estimated_tokens, double actual_tokens) {
    tokens_.adjust(estimated_tokens - actual_tokens);
}

} // namespace llmops::provider
