// JsonSchema: messages, pointers, schema errors and the parts the official suite does not
// cover (see test_json_schema_conformance.cpp for the suite itself).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "json/json_schema.hpp"

using llmops::JsonSchema;
using llmops::SchemaError;
using nlohmann::json;

namespace {

std::vector<std::string> messages(const JsonSchema& schema, const json& instance) {
    std::vector<std::string> out;
    for (const auto& e : schema.validate(instance))
        out.push_back(llmops::to_string(e));
    return out;
}

const json chat_schema = json::parse(R"({
  "type": "object",
  "required": ["name", "messages"],
  "additionalProperties": false,
  "properties": {
    "name": {"type": "string", "minLength": 1},
    "temperature": {"type": "number", "minimum": 0, "maximum": 2},
    "messages": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["role", "content"],
        "properties": {
          "role": {"enum": ["system", "user", "assistant"]},
          "content": {"type": "string"}
        }
      }
    }
  }
})");

} // namespace

TEST_CASE("valid instances produce no errors", "[json_schema]") {
    auto schema = JsonSchema::compile(chat_schema);
    json ok = json::parse(R"({"name": "qa", "temperature": 0.2,
                              "messages": [{"role": "user", "content": "hi"}]})");
    CHECK(schema.is_valid(ok));
    CHECK(schema.validate(ok).empty());
}

TEST_CASE("errors name the pointer, keyword and schema location", "[json_schema]") {
    auto schema = JsonSchema::compile(chat_schema);
    json bad = json::parse(R"({"temperature": 3, "extra": 1,
                               "messages": [{"role": "robot", "content": "x"}]})");
    auto errors = schema.validate(bad);
    auto text = messages(schema, bad);
    CHECK_FALSE(schema.is_valid(bad));
    CHECK(std::find(text.begin(), text.end(), ": missing required property 'name'") != text.end());
    CHECK(std::find(text.begin(), text.end(), "/temperature: must be <= 2") != text.end());
    CHECK(std::find(text.begin(), text.end(), "/extra: property not allowed") != text.end());
    CHECK(std::find(text.begin(), text.end(),
                    R"(/messages/0/role: must be one of "system", "user", "assistant")") !=
          text.end());
    for (const auto& e : errors) {
        if (e.keyword == "maximum") CHECK(e.schema_pointer == "/properties/temperature/maximum");
        if (e.keyword == "additionalProperties") CHECK(e.schema_pointer == "/additionalProperties");
    }
}

TEST_CASE("max_errors caps the list", "[json_schema]") {
    auto schema = JsonSchema::compile(json::parse(R"({"items": {"type": "string"}})"));
    json many = json::array();
    for (int i = 0; i < 50; ++i)
        many.push_back(i);
    CHECK(schema.validate(many, 3).size() == 3);
    CHECK(schema.validate(many, 0).size() == 50);
    CHECK(schema.validate(many).size() == 50);
}

TEST_CASE("type messages and pointer escaping", "[json_schema]") {
    auto schema =
        JsonSchema::compile(json::parse(R"({"properties": {"a/b~c": {"type": "integer"}}})"));
    CHECK(messages(schema, json::parse(R"({"a/b~c": 1.5})")) ==
          std::vector<std::string>{"/a~1b~0c: must be integer, got number"});
    CHECK(schema.is_valid(json::parse(R"({"a/b~c": 2.0})")));
}

TEST_CASE("anyOf and oneOf give one meaningful message", "[json_schema]") {
    SECTION("all branches want another type") {
        auto schema = JsonSchema::compile(
            json::parse(R"({"anyOf": [{"type": "string"}, {"type": "object"}]})"));
        CHECK(messages(schema, 5) ==
              std::vector<std::string>{": must be string or object, got integer"});
    }
    SECTION("the branch of the right shape explains") {
        auto schema = JsonSchema::compile(json::parse(R"({"properties": {"provider": {"anyOf": [
            {"type": "string"},
            {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
        ]}}})"));
        CHECK(messages(schema, json::parse(R"({"provider": {"nme": "x"}})")) ==
              std::vector<std::string>{"/provider: missing required property 'name'"});
    }
    SECTION("ties are listed in one message") {
        auto schema =
            JsonSchema::compile(json::parse(R"({"oneOf": [{"const": "a"}, {"const": "b"}]})"));
        auto text = messages(schema, "c");
        REQUIRE(text.size() == 1);
        CHECK(
            text[0] ==
            R"(: must match one of the oneOf alternatives: must be equal to "a"; or must be equal to "b")");
    }
    SECTION("oneOf matching twice") {
        auto schema =
            JsonSchema::compile(json::parse(R"({"oneOf": [{"type": "integer"}, {"minimum": 0}]})"));
        CHECK(messages(schema, 3) ==
              std::vector<std::string>{
                  ": must match exactly one schema in oneOf, but matches both 0 and 1"});
    }
}

TEST_CASE("numbers compare by value across integer and float", "[json_schema]") {
    auto schema =
        JsonSchema::compile(json::parse(R"({"uniqueItems": true, "items": {"enum": [1, 2.5]}})"));
    CHECK(schema.is_valid(json::parse("[1.0, 2.5]")));
    CHECK_FALSE(schema.is_valid(json::parse("[1, 1.0]")));
    auto big = JsonSchema::compile(json::parse(R"({"const": 9007199254740993})"));
    CHECK(big.is_valid(json::parse("9007199254740993")));
    CHECK_FALSE(big.is_valid(json::parse("9007199254740992")));
    auto limit = JsonSchema::compile(json::parse(R"({"maximum": 18446744073709551615})"));
    CHECK(limit.is_valid(json::parse("18446744073709551615")));
}

TEST_CASE("strings count code points and patterns follow ECMA", "[json_schema]") {
    auto schema =
        JsonSchema::compile(json::parse(R"({"maxLength": 3, "pattern": "^\\p{Letter}+$"})"));
    CHECK(schema.is_valid("h\u00e9\u00e9"));
    CHECK_FALSE(schema.is_valid("h\u00e9\u00e9\u00e9"));
    CHECK(messages(schema, "ab1") ==
          std::vector<std::string>{R"(: must match pattern "^\\p{Letter}+$")"});
    auto escapes = JsonSchema::compile(json::parse(R"({"pattern": "^\\u00e9\\s\\d$"})"));
    CHECK(escapes.is_valid("\u00e9\u00a01"));
    auto dot = JsonSchema::compile(json::parse(R"({"pattern": "^a.b$"})"));
    CHECK_FALSE(dot.is_valid("a\rb"));
    CHECK(dot.is_valid("a\u00e9b"));
}

TEST_CASE("invalid schemas are BadInput", "[json_schema]") {
    auto bad = [](const char* text) {
        try {
            JsonSchema::compile(json::parse(text));
        } catch (const llmops::Error& e) {
            CHECK(e.kind() == llmops::ErrorKind::BadInput);
            return std::string(e.message());
        }
        FAIL("compiled: " << text);
        return std::string();
    };
    CHECK(bad(R"({"type": "text"})").find("/type") != std::string::npos);
    CHECK(bad(R"({"minLength": -1})").find("non-negative integer") != std::string::npos);
    CHECK(bad(R"({"pattern": "(?=a)b"})").find("lookaround") != std::string::npos);
    CHECK(bad(R"({"pattern": "(unclosed"})").find("/pattern") != std::string::npos);
    CHECK(bad(R"({"$ref": "#/$defs/missing"})").find("cannot resolve $ref") != std::string::npos);
    CHECK(bad(R"({"$ref": "https://example.com/s.json"})").find("remote") != std::string::npos);
    CHECK(bad(R"({"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"})").find("cycle") !=
          std::string::npos);
    CHECK(bad(R"({"items": [{"type": "string"}]})").find("prefixItems") != std::string::npos);
    CHECK(bad(R"({"properties": {"a": 3}})").find("/properties/a") != std::string::npos);
    CHECK(bad("[1]").find("object or a boolean") != std::string::npos);
}

TEST_CASE("recursive schemas through $ref and $id", "[json_schema]") {
    auto schema = JsonSchema::compile(json::parse(R"({
        "$id": "https://llmops.dev/tree.json",
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": "tree.json"}},
                       "name": {"$ref": "#name"}},
        "$defs": {"n": {"$anchor": "name", "type": "string"}}
    })"));
    CHECK(schema.is_valid(json::parse(R"({"name": "a", "children": [{"children": []}]})")));
    CHECK(messages(schema, json::parse(R"({"children": [{"children": [{"name": 1}]}]})")) ==
          std::vector<std::string>{"/children/0/children/0/name: must be string, got integer"});
}

TEST_CASE("unevaluatedProperties sees in-place applicators", "[json_schema]") {
    auto schema = JsonSchema::compile(json::parse(R"({
        "allOf": [{"properties": {"a": true}}],
        "properties": {"b": true},
        "unevaluatedProperties": false
    })"));
    CHECK(schema.is_valid(json::parse(R"({"a": 1, "b": 2})")));
    CHECK(messages(schema, json::parse(R"({"a": 1, "c": 2})")) ==
          std::vector<std::string>{"/c: property not allowed"});
}

TEST_CASE("compiled schemas are cheap to copy and reusable", "[json_schema]") {
    auto schema = JsonSchema::compile(chat_schema);
    JsonSchema copy = schema;
    json bad = json::parse(R"({"name": ""})");
    CHECK(copy.validate(bad).size() == 2);
    CHECK(schema.validate(bad).size() == 2);
}
