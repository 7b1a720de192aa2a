// A key refused by `additionalProperties: false` names the declared property it resembles.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "json/json_schema.hpp"

using llmops::JsonSchema;
using nlohmann::json;

namespace {
std::vector<std::string> suggestion_messages(const JsonSchema& schema, const json& value) {
    std::vector<std::string> out;
    for (const auto& e : schema.validate(value))
        out.push_back(to_string(e));
    return out;
}
} // namespace

TEST_CASE("a misspelt key in a closed object gets a suggestion", "[json_schema]") {
    JsonSchema schema = JsonSchema::compile(json::parse(R"({
        "type": "object", "additionalProperties": false,
        "properties": {"temperature": {"type": "number"}, "top_p": {"type": "number"}}})"));
    CHECK(
        suggestion_messages(schema, {{"temprature", 0}}) ==
        std::vector<std::string>{"/temprature: property not allowed; did you mean 'temperature'?"});
    CHECK(suggestion_messages(schema, {{"colour", 0}}) ==
          std::vector<std::string>{"/colour: property not allowed"});
    CHECK(schema.is_valid({{"top_p", 1}}));
    CHECK_FALSE(schema.is_valid({{"top_q", 1}}));
}

TEST_CASE("an open object or a schema for the extra keys gives no suggestion", "[json_schema]") {
    JsonSchema typed = JsonSchema::compile(json::parse(R"({
        "type": "object", "additionalProperties": {"type": "string"},
        "properties": {"name": {"type": "string"}}})"));
    CHECK(suggestion_messages(typed, {{"nam", 1}}) ==
          std::vector<std::string>{"/nam: must be string, got integer"});
}
