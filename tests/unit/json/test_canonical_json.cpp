#include "core/error.hpp"
#include "json/canonical_json.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using llmops::canonical_json;
using llmops::canonical_json_text;

namespace {

// Both ways in must give the same bytes.
std::string both(const std::string& text) {
    const std::string fast = canonical_json_text(text);
    const std::string slow = canonical_json(nlohmann::json::parse(text));
    CHECK(fast == slow);
    return fast;
}

std::string canonical_error_of(const std::string& text) {
    try {
        canonical_json_text(text);
    } catch (const llmops::Error& e) {
        CHECK(e.kind() == llmops::ErrorKind::BadInput);
        return e.what();
    }
    return "no error";
}

} // namespace

TEST_CASE("canonical JSON sorts keys by bytes and drops whitespace", "[data]") {
    CHECK(both(R"( { "b" : 1 , "a" : [ 1 , 2 ] , "A" : {} } )") == R"({"A":{},"a":[1,2],"b":1})");
    CHECK(both(R"({"é":1,"z":2,"":3})") == R"({"":3,"z":2,"é":1})");
    CHECK(both(R"({"o":{"y":1,"x":{"q":null,"p":true}}})") ==
          R"({"o":{"x":{"p":true,"q":null},"y":1}})");
    CHECK(both("[]") == "[]");
    CHECK(both("\"x\"") == "\"x\"");
}

TEST_CASE("canonical JSON spells each number one way", "[data]") {
    CHECK(both("[1.0, 1, 1e0, 10e-1, 1E+0]") == "[1,1,1,1,1]");
    CHECK(both("[1e2, -0, -0.0, 0.1, -1.5, 1e-7, 1.5e-7, 123.456]") ==
          "[100,0,0,0.1,-1.5,1e-7,1.5e-7,123.456]");
    CHECK(both("[1e21, 1e20, 1.5e300, 0.000001, 0.0000001]") ==
          "[1e+21,100000000000000000000,1.5e+300,0.000001,1e-7]");
    CHECK(both("[9223372036854775807, -9223372036854775808, 18446744073709551615]") ==
          "[9223372036854775807,-9223372036854775808,18446744073709551615]");
    // Integral doubles in the integer range are spelled as the integer they equal.
    CHECK(both("[9.223372036854775808e18, 1e18]") == "[9223372036854775808,1000000000000000000]");
    // Beyond uint64 an integer is a double.
    CHECK(both("[18446744073709551616, 123456789012345678901234567890]") ==
          "[18446744073709552000,1.2345678901234568e+29]");
    CHECK(both("[1e-400, 5e-324]") == "[0,5e-324]");
}

TEST_CASE("canonical JSON escapes only what must be escaped", "[data]") {
    CHECK(both(R"(["\/", "\u00e9", "\ud83d\ude00", "a\"b\\c"])") ==
          "[\"/\",\"é\",\"😀\",\"a\\\"b\\\\c\"]");
    CHECK(both(R"(["\b\f\n\r\t", "\u0001\u001f\u0000", "\u007f"])") ==
          "[\"\\b\\f\\n\\r\\t\",\"\\u0001\\u001f\\u0000\",\"\x7f\"]");
    // Escapes in keys sort by the unescaped bytes.
    CHECK(both(R"({"\u0062":1,"a":2})") == R"({"a":2,"b":1})");
    // Long strings take the 8-bytes-at-a-time path, with escapes at every offset.
    std::string long_text(100, 'x');
    for (std::size_t i = 0; i < long_text.size(); i += 13)
        long_text[i] = '"';
    const std::string json = nlohmann::json(long_text).dump();
    CHECK(canonical_json_text(json) == json);
}

TEST_CASE("canonical JSON rejects bad text with a position", "[data]") {
    CHECK(canonical_error_of(R"({"a":1,"a":2})") == "duplicate key \"a\" (line 1, column 8)");
    CHECK(canonical_error_of("{\"a\":1,\n \"b\":{\"c\":1,\"c\":2}}") ==
          "duplicate key \"c\" (line 2, column 13)");
    CHECK(canonical_error_of(R"({"a" 1})") ==
          "malformed JSON: syntax error while parsing object separator "
          "- unexpected number literal; expected ':' (line 1, "
          "column 6)");
    CHECK(canonical_error_of("{\"a\":\"\xff\"}") == "invalid UTF-8 (line 1, column 7)");
    CHECK(canonical_error_of(R"(["\ud800"])") != "no error");
    CHECK(canonical_error_of("[1e400]") != "no error");
    CHECK(canonical_error_of("") != "no error");
    CHECK(canonical_error_of(std::string(2000, '[') + std::string(2000, ']')) ==
          "JSON nested too deeply (more than 1024 levels)");
    // Big integers go the slow way round, which must still find duplicates.
    CHECK(canonical_error_of(R"({"a":123456789012345678901234567890,"a":1})") ==
          "duplicate key \"a\" (line 1, column 37)");
}

TEST_CASE("canonical JSON from nlohmann values", "[data]") {
    nlohmann::json value = {{"z", 1.0}, {"a", {1, 2.5, "s"}}, {"m", nullptr}};
    CHECK(canonical_json(value) == R"({"a":[1,2.5,"s"],"m":null,"z":1})");
    CHECK_THROWS_AS(canonical_json(nlohmann::json(std::nan(""))), llmops::Error);
    CHECK_THROWS_AS(canonical_json(nlohmann::json("bad \xff")), llmops::Error);
    // Depth is capped for built values as for text: objects and arrays alike.
    nlohmann::json deep_object = 1;
    nlohmann::json deep_array = 1;
    for (std::size_t i = 0; i < llmops::kMaxJsonDepth + 1; ++i) {
        deep_object = nlohmann::json{{"k", std::move(deep_object)}};
        deep_array = nlohmann::json::array({std::move(deep_array)});
    }
    CHECK_THROWS_WITH(canonical_json(deep_object), Catch::Contains("nested too deeply"));
    CHECK_THROWS_WITH(canonical_json(deep_array), Catch::Contains("nested too deeply"));
}

TEST_CASE("number literals canonicalise like parsed numbers", "[data]") {
    for (const char* literal :
         {"0", "-0", "1.50", "1e2", "-12.5e-3", "18446744073709551616", "9007199254740993",
          "2.2250738585072011e-308", "18446744073709551615", "-9007199254740993",
          "-9223372036854775808"}) {
        std::string out;
        REQUIRE(llmops::append_canonical_number_text(literal, out));
        CHECK(out == canonical_json_text(literal));
    }
    // Integers keep every digit: neither goes through a double.
    std::string exact;
    REQUIRE(llmops::append_canonical_number_text("18446744073709551615", exact));
    CHECK(exact == "18446744073709551615");
    exact.clear();
    REQUIRE(llmops::append_canonical_number_text("-9007199254740993", exact));
    CHECK(exact == "-9007199254740993");
    std::string out;
    CHECK_FALSE(llmops::append_canonical_number_text("1e400", out));
    CHECK(out.empty());
}
