#pragma once
// Requests-per-minute and tokens-per-minute limits as token buckets. Not thread-safe: the
// batch runner's loop owns it.
#include <chrono>
#include <cstdint>

namespace llmops::provider {

class TokenBucket {
  public:
    using Clock = std::chrono::steady_clock;

    // rate_per_minute <= 0 means unlimited. The bucket starts full; its capacity is one
    // minute's worth, so a burst of up to a minute's budget goes out at once, as providers allow.
    explicit TokenBucket(double rate_per_minute, Clock::time_point now = Clock::now());

    bool unlimited() const { return rate_per_s_ <= 0; }
    // How long until `amount` is available (0 = now). An amount above the capacity waits for
    // a full bucket rather than forever.
    Clock::duration wait_for(double amount, Clock::time_point now);
    // Takes `amount`; the level may go negative (later callers then wait longer).
    void take(double amount, Clock::time_point now);
    // Gives back (negative: takes more) once the real cost of a request is known.
    void adjust(double delta);
    double level(Clock::time_point now);

  private:
    void refill(Clock::time_point now);
    double rate_per_s_;
    double capacity_;
    double level_;
    Clock::time_point updated_;
};

// Both limits of one provider.
class RateLimiter {
  public:
    using Clock = TokenBucket::Clock;
    RateLimiter(double requests_per_minute, double tokens_per_minute,
                Clock::time_point now = Clock::now());

    // Zero when a request estimated at `tokens` may go now; else how long to wait.
    Clock::duration wait_for(double tokens, Clock::time_point now);
    void take(double tokens, Clock::time_point now);
    // After the response: the difference between actual and estimated tokens.
    void settle(double estimated_tokens, double actual_tokens);

  private:
    TokenBucket requests_;
    TokenBucket tokens_;
};

} // namespace llmops::provider
