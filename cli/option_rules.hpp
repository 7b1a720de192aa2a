#pragma once
// The one rule for numeric options (counts, durations, rates, seeds, thresholds): the text is
// a plain decimal number, finite, and inside the option's range. Anything else is a usage
// error (exit 2) that names the option, says what it takes and repeats what was typed:
//   llmops: error: --limit: expected a whole number of at least 1, got '-1'
// Every numeric option of every command is declared through these, so no command accepts
// nan, inf, 1e308 or a negative count, and none prints the largest double in full.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <string>

namespace llmops::cli {

// Whole numbers (no sign, no fraction, no exponent) from `min` to `max`. When `max` is the
// largest the value can be, the message says only "of at least MIN".
CLI::Validator whole_number(std::uint64_t min,
                            std::uint64_t max = std::numeric_limits<std::int64_t>::max());
// For seeds: any whole number that fits in 64 bits.
CLI::Validator seed_number();

// Finite decimal numbers from `min` to `max`; with `above_min` the minimum itself is refused
// ("greater than 0"). `unit` ("seconds", "requests per minute") names what is counted.
struct RealRange {
    double min = 0;
    double max = 0;
    bool above_min = false;
    std::string unit;
};
CLI::Validator real_number(RealRange range);

// Durations: a number of seconds, or a number with a unit (500ms, 30s, 2m, 1h, 7d), from
// `min_s` to `max_s` seconds. The text is rewritten to plain seconds for the option's value,
// so attach it with ->transform(), not ->check() (CLI11 discards a check's rewrite).
CLI::Validator duration_seconds(double min_s, double max_s);

// The ranges shared by several commands, so the same option means the same everywhere.
CLI::Validator request_timeout_seconds(); // --timeout: 1ms to 24h
CLI::Validator requests_per_minute();     // --rpm
CLI::Validator tokens_per_minute();       // --tpm
CLI::Validator concurrency_range();       // -j: 1 to 1024
CLI::Validator max_retries_range();       // --max-retries: 0 to 100
CLI::Validator traffic_percent();         // deploy --canary, deploy ramp: 0 to 100

} // namespace llmops::cli
