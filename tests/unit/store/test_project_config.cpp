// llmops.yaml: unknown top-level keys are errors at their position, with a suggestion.
#include <catch2/catch.hpp>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "store/project_config.hpp"
#include "json/yaml_document.hpp"

using llmops::Error;
using llmops::parse_yaml;
using llmops::store::check_project_config;

namespace {
Error config_error(const std::string& text) {
    try {
        check_project_config(parse_yaml(text, "llmops.yaml"));
    } catch (const Error& e) {
        return e;
    }
    FAIL("accepted: " << text);
    throw std::logic_error("unreachable");
}
} // namespace

TEST_CASE("known top-level keys are accepted", "[project_config]") {
    CHECK_NOTHROW(check_project_config(parse_yaml("", "llmops.yaml")));
    CHECK_NOTHROW(check_project_config(
        parse_yaml("version: 1\nproviders:\n  e: {type: echo}\nprices: {}\n", "llmops.yaml")));
    CHECK_NOTHROW(check_project_config(
        parse_yaml("limits: {template_steps: 1000}\nenvironments: {}\n", "llmops.yaml")));
}

TEST_CASE("an unknown top-level key is an error at its value", "[project_config]") {
    Error e = config_error("version: 1\nprovider:\n  local: {type: echo}\n");
    CHECK(e.kind() == llmops::ErrorKind::BadInput);
    CHECK(e.message() == "unknown top-level key 'provider'; did you mean 'providers'?");
    CHECK(e.where().file == "llmops.yaml");
    CHECK(e.where().line == 3);
    CHECK(e.where().column == 3);
    CHECK(e.hint().find("version, providers, prices, limits, environments") != std::string::npos);

    Error far = config_error("models: []\n");
    CHECK(far.message() == "unknown top-level key 'models'");
    CHECK(far.where().line == 1);
}

TEST_CASE("llmops.yaml must be a mapping", "[project_config]") {
    CHECK(config_error("- a\n- b\n").message() == "llmops.yaml must be a mapping of sections");
}

TEST_CASE("the known keys are the schema's top-level properties", "[project_config]") {
    auto schema = nlohmann::json::parse(
        llmops::read_file(std::string(LLMOPS_SOURCE_DIR) + "/schemas/llmops.schema.json"));
    std::vector<std::string> properties;
    for (const auto& [key, value] : schema.at("properties").items())
        properties.push_back(key);
    std::vector<std::string> known = llmops::store::project_config_keys();
    std::sort(properties.begin(), properties.end());
    std::sort(known.begin(), known.end());
    CHECK(known == properties);
    CHECK(std::find(known.begin(), known.end(), "alerts") != known.end());
    CHECK(std::find(known.begin(), known.end(), "safety") != known.end());
    CHECK(schema.at("additionalProperties") == false);
}
