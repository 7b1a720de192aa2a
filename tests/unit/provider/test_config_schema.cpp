// schemas/llmops.schema.json against the binary: the same rules for providers and prices as the
// loader, and every llmops.yaml the project ships or documents passes both.
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "provider/provider_config.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"
#include "json/json_schema.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <sstream>

using namespace llmops;
using nlohmann::json;

namespace {

const std::filesystem::path kSource = LLMOPS_SOURCE_DIR;

json file_schema() {
    return json::parse(read_file(kSource / "schemas/llmops.schema.json"));
}

// The schema without annotations (they do not change what validates), and without a
// propertyNames left empty by that (an empty schema accepts every name).
json without_annotations(const json& node, bool is_name_map = false) {
    static const std::set<std::string> annotations = {
        "$schema", "$id", "title", "description", "$comment", "default", "examples"};
    if (node.is_array()) {
        json out = json::array();
        for (const auto& item : node)
            out.push_back(without_annotations(item));
        return out;
    }
    if (!node.is_object()) return node;
    json out = json::object();
    for (const auto& [key, value] : node.items()) {
        if (!is_name_map && annotations.count(key)) continue;
        bool names = !is_name_map && (key == "properties" || key == "$defs");
        json stripped = without_annotations(value, names);
        if (!is_name_map && key == "propertyNames" && stripped == json::object()) continue;
        out[key] = std::move(stripped);
    }
    return out;
}

// The fenced ```yaml blocks of a markdown file that are whole llmops.yaml files: all of them in
// docs/config.md, and those the quickstart writes to llmops.yaml.
std::vector<std::string> yaml_blocks(const std::filesystem::path& doc, bool only_llmops_yaml) {
    std::istringstream in(read_file(doc));
    std::vector<std::string> blocks;
    std::string line, block, previous;
    bool inside = false, wanted = false;
    while (std::getline(in, line)) {
        if (!inside && line.rfind("```yaml", 0) == 0) {
            inside = true;
            wanted = !only_llmops_yaml || previous == "<!-- file: llmops.yaml -->";
            block.clear();
        } else if (inside && line == "```") {
            inside = false;
            if (wanted) blocks.push_back(block);
        } else if (inside) {
            block += line + "\n";
        }
        previous = line;
    }
    return blocks;
}

} // namespace

TEST_CASE("schemas/llmops.schema.json has the loader's rules for providers and prices",
          "[provider]") {
    json file = without_annotations(file_schema());
    json loader = without_annotations(provider::provider_catalog_schema());
    CHECK(file["properties"]["providers"] == loader["properties"]["providers"]);
    CHECK(file["properties"]["prices"] == loader["properties"]["prices"]);
    CHECK(file["$defs"] == loader["$defs"]);
}

TEST_CASE("every shipped and documented llmops.yaml passes the schema and the loader",
          "[provider]") {
    JsonSchema schema = JsonSchema::compile(file_schema());
    std::vector<std::pair<std::string, std::string>> configs; // name, text

    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path());
    configs.emplace_back("llmops init", read_file(paths.config_file));
    configs.emplace_back("examples/project/llmops.yaml",
                         read_file(kSource / "examples/project/llmops.yaml"));
    for (const auto& block : yaml_blocks(kSource / "docs/config.md", false))
        configs.emplace_back("docs/config.md", block);
    for (const auto& block : yaml_blocks(kSource / "docs/quickstart.md", true))
        configs.emplace_back("docs/quickstart.md", block);
    REQUIRE(configs.size() >= 5);

    for (const auto& [name, text] : configs) {
        INFO(name << ":\n" << text);
        YamlDocument doc = parse_yaml(text, name);
        for (const auto& error : schema.validate(doc.value))
            FAIL_CHECK(to_string(error));
        CHECK_NOTHROW(provider::parse_provider_catalog(doc));
    }
}

TEST_CASE("the schema rejects misspelt keys at any level", "[provider]") {
    JsonSchema schema = JsonSchema::compile(file_schema());
    CHECK_FALSE(schema.is_valid(parse_yaml("provider: {x: {type: echo}}\n", "a").value));
    CHECK_FALSE(
        schema.is_valid(parse_yaml("providers: {x: {type: exec, comand: y}}\n", "b").value));
    CHECK_FALSE(schema.is_valid(parse_yaml("prices: {m: {input: 1}}\n", "c").value));
    CHECK(schema.is_valid(parse_yaml("", "empty").value));
}
