// YAML -> JSON loading: core-schema typing, positions, and errors with file:line:column.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "json/json_schema.hpp"
#include "json/yaml_document.hpp"

using llmops::parse_yaml;
using nlohmann::json;

namespace {

llmops::Error yaml_error(const std::string& text) {
    try {
        parse_yaml(text, "c.yaml");
    } catch (const llmops::Error& e) {
        return e;
    }
    FAIL("parsed without error: " << text);
    throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("plain scalars follow the YAML 1.2 core schema", "[yaml]") {
    auto doc = parse_yaml(R"(
a: ~
b: null
c:
d: true
e: False
f: 42
g: -7
h: 0x1F
i: 0o17
j: 1.5
k: 1e3
l: .5
m: yes
n: "42"
o: 'true'
p: 0123
q: 12:30
r: 99999999999999999999
s: !!str 12
t: !!float 3
u: 18446744073709551615
)",
                          "c.yaml");
    const json& v = doc.value;
    CHECK(v["a"].is_null());
    CHECK(v["b"].is_null());
    CHECK(v["c"].is_null());
    CHECK(v["d"] == true);
    CHECK(v["e"] == false);
    CHECK(v["f"] == 42);
    CHECK(v["g"] == -7);
    CHECK(v["h"] == 31);
    CHECK(v["i"] == 15);
    CHECK(v["j"] == 1.5);
    CHECK(v["k"].is_number_float());
    CHECK(v["k"] == 1000.0);
    CHECK(v["l"] == 0.5);
    CHECK(v["m"] == "yes");
    CHECK(v["n"] == "42");
    CHECK(v["o"] == "true");
    CHECK(v["p"] == 123);
    CHECK(v["q"] == "12:30");
    CHECK(v["r"].is_number_float());
    CHECK(v["s"] == "12");
    CHECK(v["t"].is_number_float());
    CHECK(v["u"].get<std::uint64_t>() == 18446744073709551615ULL);
}

TEST_CASE("structure: sequences, nested maps, keys, anchors, merges", "[yaml]") {
    auto doc = parse_yaml(R"(
base: &base {model: gpt, temperature: 0.2}
run:
  <<: *base
  temperature: 0.7
list: [1, two, {three: 3}]
1: one
? [x, y]
: pair
)",
                          "c.yaml");
    const json& v = doc.value;
    CHECK(v["run"] == json::parse(R"({"model": "gpt", "temperature": 0.7})"));
    CHECK(v["list"] == json::parse(R"([1, "two", {"three": 3}])"));
    CHECK(v["1"] == "one");
    CHECK(v[R"(["x","y"])"] == "pair");
}

TEST_CASE("positions are 1-based and keyed by JSON pointer", "[yaml]") {
    auto doc = parse_yaml("name: qa\nmessages:\n  - role: user\n    content: hi\n  - role: bot\n",
                          "prompts/qa.yaml");
    auto at = doc.location_of("/messages/1/role");
    CHECK(at.file == "prompts/qa.yaml");
    CHECK(at.line == 5);
    CHECK(at.column == 11);
    CHECK(doc.location_of("/name").line == 1);
    CHECK(doc.location_of("/name").column == 7);
    // Absent pointer: nearest ancestor.
    auto missing = doc.location_of("/messages/0/nope");
    CHECK(missing.line == 3);
    CHECK(missing.column == 5);
    CHECK(doc.location_of("").line == 1);
}

TEST_CASE("errors carry file:line:column", "[yaml]") {
    SECTION("syntax error") {
        auto e = yaml_error("a: [1, 2\nb: 3\n");
        CHECK(e.kind() == llmops::ErrorKind::BadInput);
        CHECK(e.where().file == "c.yaml");
        CHECK(e.where().line >= 1);
        CHECK(std::string(e.what()).find("c.yaml:") != std::string::npos);
    }
    SECTION("duplicate key") {
        auto e = yaml_error("a: 1\nb: 2\na: 3\n");
        CHECK(e.message().find("duplicate key \"a\"") != std::string::npos);
        CHECK(e.where().line == 3);
        CHECK(e.where().column == 1);
    }
    SECTION("several documents") {
        auto e = yaml_error("a: 1\n---\nb: 2\n");
        CHECK(e.message().find("several documents") != std::string::npos);
    }
    SECTION("infinity") {
        auto e = yaml_error("x: 1\ny: .inf\n");
        CHECK(e.where().line == 2);
        CHECK(e.where().column == 4);
    }
    SECTION("bad explicit tag") {
        auto e = yaml_error("x: !!int abc\n");
        CHECK(e.message().find("!!int") != std::string::npos);
    }
    SECTION("alias bomb") {
        std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
        std::string prev = "a";
        for (int i = 0; i < 8; ++i) {
            std::string name = std::string("l").append(std::to_string(i));
            text.append(name).append(": &").append(name).append(" [");
            for (int k = 0; k < 10; ++k)
                text += (k ? ", *" : "*") + prev;
            text += "]\n";
            prev = name;
        }
        auto e = yaml_error(text);
        CHECK(e.message().find("too large") != std::string::npos);
    }
}

TEST_CASE("empty input and comments only are null", "[yaml]") {
    CHECK(parse_yaml("", "e.yaml").value.is_null());
    CHECK(parse_yaml("# nothing\n", "e.yaml").value.is_null());
}

TEST_CASE("schema errors point into the YAML file", "[yaml][json_schema]") {
    auto schema = llmops::JsonSchema::compile(json::parse(R"({
        "type": "object",
        "properties": {
            "temperature": {"maximum": 2},
            "messages": {"items": {"properties": {"role": {"enum": ["system", "user"]}}}}
        }
    })"));
    auto doc = parse_yaml("temperature: 3\nmessages:\n  - role: robot\n", "p.yaml");
    try {
        llmops::validate_or_throw(schema, doc);
        FAIL("no error");
    } catch (const llmops::Error& e) {
        CHECK(e.kind() == llmops::ErrorKind::BadInput);
        CHECK(e.message() == "/messages/0/role: must be one of \"system\", \"user\"");
        CHECK(e.where().to_string() == "p.yaml:3:11");
        CHECK(e.hint().find("/temperature: must be <= 2 (p.yaml:1:14)") != std::string::npos);
    }
    auto err = llmops::schema_error_at(doc, {"/temperature", "maximum", "must be <= 2", ""});
    CHECK(std::string(err.what()) == "/temperature: must be <= 2 (p.yaml:1:14)");
}

TEST_CASE("load_yaml_file reads from disk", "[yaml]") {
    auto path = std::filesystem::temp_directory_path() / "llmops_test_yaml_document.yaml";
    {
        std::ofstream out(path);
        out << "name: x\n";
    }
    auto doc = llmops::load_yaml_file(path);
    CHECK(doc.value == json::parse(R"({"name": "x"})"));
    CHECK(doc.location_of("/name").file == path.string());
    std::filesystem::remove(path);
    CHECK_THROWS_AS(llmops::load_yaml_file(path), llmops::Error);
}
