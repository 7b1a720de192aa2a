// Canary assignment: sticky per user, monotone in the weight, and close to the weight.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "deploy/traffic_split.hpp"

#include <string>

using namespace llmops::deploy;

TEST_CASE("a user's bucket depends only on the route and the key", "[deploy]") {
    CHECK(traffic_bucket("qa", "alice") == traffic_bucket("qa", "alice"));
    CHECK(traffic_bucket("qa", "alice") < kTrafficBuckets);
    // The route is part of the hash, so one user is not in every canary at once.
    int same = 0;
    for (int i = 0; i < 1000; ++i) {
        std::string key = "user-" + std::to_string(i);
        same += traffic_bucket("qa", key) == traffic_bucket("summarize", key) ? 1 : 0;
    }
    CHECK(same < 10);
    // The separator keeps ("ab", "c") and ("a", "bc") apart.
    CHECK(traffic_bucket("ab", "c") != traffic_bucket("a", "bc"));
}

TEST_CASE("the canary split over 10,000 keys is within 2 points of each weight", "[deploy]") {
    for (double percent : {1.0, 10.0, 25.0, 50.0, 90.0}) {
        std::uint32_t bp = weight_basis_points(percent);
        int in = 0;
        for (int i = 0; i < 10000; ++i)
            in += bucket_in_canary(traffic_bucket("qa", "user-" + std::to_string(i)), bp) ? 1 : 0;
        INFO("weight " << percent << "%: " << in << " of 10000");
        CHECK(std::abs(in / 100.0 - percent) <= 2.0);
    }
}

TEST_CASE("raising the weight never moves a user out of the canary", "[deploy]") {
    const double steps[] = {0, 5, 10, 25, 50, 75, 100};
    for (int i = 0; i < 5000; ++i) {
        std::uint32_t bucket = traffic_bucket("qa", "k" + std::to_string(i));
        bool was_in = false;
        for (double s : steps) {
            bool in = bucket_in_canary(bucket, weight_basis_points(s));
            REQUIRE((!was_in || in));
            was_in = in;
        }
        CHECK(was_in); // at 100% everyone is in
    }
}

TEST_CASE("weights are percentages from 0 to 100 in basis points", "[deploy]") {
    CHECK(weight_basis_points(0) == 0);
    CHECK(weight_basis_points(12.5) == 1250);
    CHECK(weight_basis_points(100) == 10000);
    CHECK_THROWS_AS(weight_basis_points(-1), llmops::Error);
    CHECK_THROWS_AS(weight_basis_points(100.5), llmops::Error);
    CHECK_THROWS_AS(weight_basis_points(std::nan("")), llmops::Error);
}
