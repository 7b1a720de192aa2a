#include "json/json_string.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace llmops;

TEST_CASE("JSON strings decode with or without their quotes", "[json]") {
    std::string scratch;
    CHECK(decode_json_string(R"("a\"b\\c\u0001")", scratch) == "a\"b\\c\x01");
    CHECK(decode_json_string(R"("plain")", scratch) == "plain");
    CHECK(decode_json_string(R"(t\tab)", scratch) == "t\tab"); // a canonical key
    CHECK(decode_json_string(R"("\u00e9\ud83d\ude00\/")") == "\u00e9\U0001F600/");
    CHECK(decode_json_string(R"("lone \ud800!")") == "lone \uFFFD!");
    // Cut short (a truncated top value): the incomplete escape is dropped.
    CHECK(decode_json_string(R"("cut \u00)", scratch) == "cut ");
    CHECK(decode_json_string(R"("cut \)", scratch) == "cut ");
    // No escape: a view into the text itself.
    const std::string text = R"("view" rest)";
    CHECK(decode_json_string(text, scratch).data() == text.data() + 1);
}

TEST_CASE("JSON strings report how much they read", "[json]") {
    std::string scratch;
    std::size_t consumed = 0;
    CHECK(decode_json_string(R"("ab" : 1)", scratch, &consumed) == "ab");
    CHECK(consumed == 4);
    CHECK(decode_json_string(R"("a\"b",)", scratch, &consumed) == "a\"b");
    CHECK(consumed == 6);
    CHECK(decode_json_string(R"("open)", scratch, &consumed) == "open");
    CHECK(consumed == 5);
    CHECK(json_hex4("00e9") == 0xE9);
    CHECK(json_hex4("0g00") == -1);
}
