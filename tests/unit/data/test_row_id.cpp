// The `id` of a canonical row, as prompt render --id and runs show read it.
#include <catch2/catch.hpp>

#include "data/dataset_rows.hpp"

using llmops::data::row_id;

TEST_CASE("row_id reads a string or number id", "[data]") {
    CHECK(row_id(R"({"id":"q04","question":"x"})") == "q04");
    CHECK(row_id(R"({"answer":"a","id":12})") == "12");
    CHECK(row_id(R"({"id":"caf\u00e9 \"x\""})") == "café \"x\"");
    CHECK(row_id(R"({"a":{"id":"inner"},"id":"outer"})") == "outer");
}

TEST_CASE("row_id is empty without a usable id", "[data]") {
    CHECK_FALSE(row_id(R"({"question":"x"})"));
    CHECK_FALSE(row_id(R"({"id":null})"));
    CHECK_FALSE(row_id(R"({"id":["a"]})"));
    CHECK_FALSE(row_id(R"({"ids":"a"})"));
    CHECK_FALSE(row_id("{}"));
}
