#pragma once
// Sticky, monotone canary assignment. A user key is hashed with the route into one of 10,000
// buckets; the canary serves the buckets below its weight in basis points. A user's bucket
// never changes, so a user in the canary at 10% is in it at 25% and 50% (monotone), and the
// share of users in the canary converges to the weight. Reference: docs/deploy.md.
#include <cstdint>
#include <string_view>

namespace llmops::deploy {

inline constexpr std::uint32_t kTrafficBuckets = 10000;

// XXH3-64 (seed 0) of route, a 0x1F separator, and the key, modulo 10,000.
std::uint32_t traffic_bucket(std::string_view route, std::string_view user_key);

// A weight in percent (0..100, up to two decimals) as basis points; throws Error(Usage) for a
// weight that is not finite or outside 0..100.
std::uint32_t weight_basis_points(double percent);

inline bool bucket_in_canary(std::uint32_t bucket, std::uint32_t canary_basis_points) {
    return bucket < canary_basis_points;
}

} // namespace llmops::deploy
