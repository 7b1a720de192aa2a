#include "provider/chat_types.hpp"
#include "provider/rate_limiter.hpp"
#include "provider/retry_policy.hpp"

#include <catch2/catch.hpp>

using namespace llmops::provider;
using namespace std::chrono_literals;

TEST_CASE("Retry-After: seconds and HTTP dates", "[provider]") {
    const std::int64_t now = 1445412480; // Wed, 21 Oct 2015 07:28:00 GMT
    CHECK(parse_retry_after("120", now) == 120.0);
    CHECK(parse_retry_after(" 1.5 ", now) == 1.5);
    CHECK(parse_retry_after("0", now) == 0.0);
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now) == 30.0);
    CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:28:10 GMT", now) == 10.0); // RFC 850
    CHECK(parse_retry_after("Wed Oct 21 07:28:05 2015", now) == 5.0);           // asctime
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now) == 0.0);      // past
    CHECK_FALSE(parse_retry_after("", now));
    CHECK_FALSE(parse_retry_after("soon", now));
    CHECK_FALSE(parse_retry_after("-5", now));
}

TEST_CASE("backoff grows exponentially with jitter, capped, never below Retry-After",
          "[provider]") {
    RetryPolicy p;
    p.base_delay_ms = 100;
    p.max_delay_ms = 1000;
    p.max_retry_after_s = 5;
    std::mt19937_64 rng(42);
    for (int i = 0; i < 200; ++i) {
        double d1 = retry_delay_ms(p, 1, std::nullopt, rng);
        CHECK(d1 >= 50);
        CHECK(d1 <= 100);
        double d3 = retry_delay_ms(p, 3, std::nullopt, rng);
        CHECK(d3 >= 200);
        CHECK(d3 <= 400);
        double d10 = retry_delay_ms(p, 10, std::nullopt, rng);
        CHECK(d10 >= 500);
        CHECK(d10 <= 1000);
        CHECK(retry_delay_ms(p, 1, 2.0, rng) == 2000);
        CHECK(retry_delay_ms(p, 1, 60.0, rng) == 5000); // clamped by max_retry_after
    }
    // Jitter spreads retries: not all the same.
    double a = retry_delay_ms(p, 2, std::nullopt, rng), b = retry_delay_ms(p, 2, std::nullopt, rng);
    CHECK(a != b);
}

TEST_CASE("which failures are retried", "[provider]") {
    for (int status : {408, 409, 425, 429, 500, 502, 503, 504})
        CHECK(is_retryable(error_kind_for_status(status), status));
    for (int status : {400, 401, 403, 404, 422})
        CHECK_FALSE(is_retryable(error_kind_for_status(status), status));
    CHECK(is_retryable(ProviderErrorKind::Connection, 0));
    CHECK(is_retryable(ProviderErrorKind::Timeout, 0));
    CHECK_FALSE(is_retryable(ProviderErrorKind::BadResponse, 200));
    CHECK(error_kind_for_status(401) == ProviderErrorKind::Auth);
    CHECK(error_kind_for_status(429) == ProviderErrorKind::RateLimit);
    CHECK(error_kind_for_status(503) == ProviderErrorKind::Server);
    CHECK(error_kind_for_status(404) == ProviderErrorKind::BadRequest);
}

TEST_CASE("token buckets: a minute's burst, then the rate", "[provider]") {
    auto t0 = TokenBucket::Clock::now();
    TokenBucket b(60, t0); // 1 per second, burst 60
    for (int i = 0; i < 60; ++i) {
        CHECK(b.wait_for(1, t0) == TokenBucket::Clock::duration::zero());
        b.take(1, t0);
    }
    auto w = b.wait_for(1, t0);
    CHECK(w > 990ms);
    CHECK(w < 1010ms);
    CHECK(b.wait_for(1, t0 + 1s) == TokenBucket::Clock::duration::zero());
    // An amount above capacity waits for a full bucket, not forever.
    TokenBucket small(10, t0);
    CHECK(small.wait_for(1000, t0) == TokenBucket::Clock::duration::zero());
    small.take(1000, t0);
    CHECK(small.wait_for(1, t0) > 60s); // deep in debt
    TokenBucket unlimited(0, t0);
    unlimited.take(1e9, t0);
    CHECK(unlimited.wait_for(1e9, t0) == TokenBucket::Clock::duration::zero());
}

TEST_CASE("rate limiter combines requests and tokens per minute and settles real usage",
          "[provider]") {
    auto t0 = RateLimiter::Clock::now();
    RateLimiter l(0, 600, t0); // 10 tokens/s
    l.take(600, t0);
    CHECK(l.wait_for(100, t0) >= 9s);
    l.settle(600, 100); // the request used 100, not 600: 500 back
    CHECK(l.wait_for(100, t0) == RateLimiter::Clock::duration::zero());
    RateLimiter r(120, 0, t0);
    for (int i = 0; i < 120; ++i)
        r.take(0, t0);
    auto w = r.wait_for(0, t0);
    CHECK(w > 400ms);
    CHECK(w < 600ms);
}
