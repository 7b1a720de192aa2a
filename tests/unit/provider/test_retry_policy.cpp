// The retry policy alone (lib/provider/retry_policy.cpp): every bound of the backoff interval,
// the cap, the Retry-After floor and its clamp, and the Retry-After forms that are refused.
// scripts/mutants.sh runs these ([retry]) against the policy's mutants.
#include "provider/retry_policy.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

using namespace llmops::provider;

namespace {

struct Range {
    double low, high;
};

// The smallest and largest of many draws of one retry's delay.
Range draws(const RetryPolicy& policy, int retry, std::optional<double> retry_after_s = {}) {
    std::mt19937_64 rng(7);
    Range r{1e300, -1e300};
    for (int i = 0; i < 2000; ++i) {
        const double d = retry_delay_ms(policy, retry, retry_after_s, rng);
        r.low = std::min(r.low, d);
        r.high = std::max(r.high, d);
    }
    return r;
}

RetryPolicy policy(double base_ms, double max_ms, double max_retry_after_s = 120) {
    RetryPolicy p;
    p.base_delay_ms = base_ms;
    p.max_delay_ms = max_ms;
    p.max_retry_after_s = max_retry_after_s;
    return p;
}

} // namespace

TEST_CASE("backoff: retry n waits between half and all of base * 2^(n-1)", "[retry]") {
    const RetryPolicy p = policy(100, 100000);
    // [hand] ceilings 100, 200, 400, 800 ms; 2000 draws come within 1% of both ends.
    for (int retry = 1; retry <= 4; ++retry) {
        INFO("retry " << retry);
        const double ceiling = 100.0 * (1 << (retry - 1));
        const Range r = draws(p, retry);
        CHECK(r.low >= ceiling / 2);
        CHECK(r.low < ceiling / 2 * 1.01);
        CHECK(r.high <= ceiling);
        CHECK(r.high > ceiling * 0.99);
    }
    // Retry 0 or below counts as the first retry.
    CHECK(draws(p, 0).high <= 100);
    CHECK(draws(p, 0).low >= 50);
    CHECK(draws(p, -3).high <= 100);
}

TEST_CASE("backoff: the ceiling is capped at max_delay", "[retry]") {
    const RetryPolicy p = policy(100, 300);
    const Range third = draws(p, 3); // 400 capped to 300
    CHECK(third.low >= 150);
    CHECK(third.high <= 300);
    CHECK(third.high > 297);
    const Range late = draws(p, 40); // 2^39 * 100 capped
    CHECK(late.low >= 150);
    CHECK(late.high <= 300);
    // A cap exactly at the ceiling changes nothing.
    const Range exact = draws(policy(100, 200), 2);
    CHECK(exact.low >= 100);
    CHECK(exact.high <= 200);
    CHECK(exact.high > 198);
}

TEST_CASE("backoff: no base delay means no wait", "[retry]") {
    std::mt19937_64 rng(1);
    CHECK(retry_delay_ms(policy(0, 1000), 1, std::nullopt, rng) == 0);
    CHECK(retry_delay_ms(policy(0, 1000), 5, std::nullopt, rng) == 0);
    CHECK(retry_delay_ms(policy(100, 0), 1, std::nullopt, rng) == 0);
    // Retry-After still counts without a backoff.
    CHECK(retry_delay_ms(policy(0, 1000), 1, 0.25, rng) == 250);
}

TEST_CASE("backoff: a ceiling below one millisecond still jitters", "[retry]") {
    // [hand] base 0.5 ms: the first retry waits in [0.25, 0.5] ms, never 0.
    const Range r = draws(policy(0.5, 1000), 1);
    CHECK(r.low >= 0.25);
    CHECK(r.high <= 0.5);
    CHECK(r.high > 0.49);
}

TEST_CASE("backoff: a retry without backoff draws nothing from the generator", "[retry]") {
    // A seeded run's delays must not depend on how many zero-backoff retries came between.
    std::mt19937_64 plain(11);
    std::mt19937_64 interleaved(11);
    const RetryPolicy p = policy(100, 1000);
    for (int retry = 1; retry <= 3; ++retry) {
        CHECK(retry_delay_ms(policy(0, 1000), retry, std::nullopt, interleaved) == 0);
        CHECK(retry_delay_ms(p, retry, std::nullopt, interleaved) ==
              retry_delay_ms(p, retry, std::nullopt, plain));
    }
}

TEST_CASE("backoff: Retry-After is a floor, clamped by max_retry_after", "[retry]") {
    const RetryPolicy p = policy(100, 1000, 5);
    std::mt19937_64 rng(3);
    CHECK(retry_delay_ms(p, 1, 2.0, rng) == 2000);
    CHECK(retry_delay_ms(p, 1, 5.0, rng) == 5000);  // exactly the clamp
    CHECK(retry_delay_ms(p, 1, 60.0, rng) == 5000); // clamped
    CHECK(retry_delay_ms(p, 1, 5.001, rng) == 5000);
    // Shorter than the backoff: the backoff's jittered delay stands.
    const Range short_floor = draws(p, 3, 0.01);
    CHECK(short_floor.low >= 200);
    CHECK(short_floor.low < 202);
    CHECK(short_floor.high <= 400);
    // Zero seconds is no floor at all.
    const Range zero = draws(p, 1, 0.0);
    CHECK(zero.low >= 50);
    CHECK(zero.low < 51);
    // Inside the jitter interval: values below it are lifted to it, the rest stay.
    const Range inside = draws(p, 2, 0.15);
    CHECK(inside.low == 150);
    CHECK(inside.high > 198);
}

TEST_CASE("Retry-After values: numbers, dates, and what is refused", "[retry]") {
    const std::int64_t now = 1445412480; // Wed, 21 Oct 2015 07:28:00 GMT
    CHECK(parse_retry_after("7", now) == 7.0);
    CHECK(parse_retry_after("\t7 \t", now) == 7.0);
    CHECK(parse_retry_after("  0.25", now) == 0.25);
    CHECK(parse_retry_after("0", now) == 0.0);
    CHECK(parse_retry_after("0.0", now) == 0.0);
    CHECK(parse_retry_after("1e2", now) == 100.0);
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:01 GMT", now) == 1.0);
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == 0.0);
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:27:59 GMT", now) == 0.0); // past: no wait
    CHECK(parse_retry_after(" Wed, 21 Oct 2015 07:30:00 GMT ", now) == 120.0);
    for (const char* bad :
         {"", "   ", "soon", "-1", "+5", "12abc", "1e999", "inf", "nan", "7 seconds",
          "Wed, 32 Oct 2015 07:28:00 GMT", ".5", "-0", "-0.0", "0x10"}) {
        INFO("'" << bad << "'");
        CHECK_FALSE(parse_retry_after(bad, now).has_value());
    }
    // A header value is a view into a longer buffer: only its own bytes count.
    const std::string buffer = "12345, Wed, 21 Oct 2015 07:28:05 GMT";
    CHECK(parse_retry_after(std::string_view(buffer).substr(0, 2), now) == 12.0);
    CHECK(parse_retry_after(std::string_view(buffer).substr(7), now) == 5.0);
    CHECK_FALSE(parse_retry_after(std::string_view(buffer).substr(0, 6), now).has_value());
}
