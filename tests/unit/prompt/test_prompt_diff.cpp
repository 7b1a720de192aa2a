#include "prompt/prompt_diff.hpp"
#include "prompt/spec_yaml.hpp"
#include "json/yaml_document.hpp"

#include <catch2/catch.hpp>

using namespace llmops;
using namespace llmops::prompt;
using nlohmann::json;

TEST_CASE("specs written as YAML read back as the same value", "[prompt]") {
    json spec = {
        {"name", "qa-answer"},
        {"description", "Answer: from context"},
        {"messages",
         {{{"role", "system"}, {"content", "You answer strictly."}},
          {{"role", "user"},
           {"content", "{{#examples}}Q: {{question}}\n{{/examples}}Question: {{question}}\n"}},
          {{"role", "assistant"}, {"content", "no trailing newline\nsecond"}},
          {{"role", "user"}, {"content", "two trailing\n\n"}},
          {{"role", "user"}, {"content", "  leading spaces\nx"}}}},
        {"variables",
         {{"question", {{"type", "string"}, {"required", true}}}, {"context", {{"default", ""}}}}},
        {"examples",
         {{{"question", "true"}, {"answer", "4"}}, {{"question", "null"}, {"answer", 4.5}}}},
        {"model",
         {{"temperature", 0},
          {"max_tokens", 256},
          {"stop", {"\n\n", "#"}},
          {"extra", json::object()}}},
        {"output", {{"json_schema", {{"type", "object"}, {"required", json::array()}}}}},
        {"x-odd key", {{1, 2}, {3}}},
    };
    std::string text = spec_to_yaml(spec);
    INFO(text);
    CHECK(text.rfind("name: qa-answer\n", 0) == 0);
    CHECK(text.find("content: |\n") != std::string::npos);
    CHECK(text.find("|-\n") != std::string::npos);
    CHECK(parse_yaml(text, "t").value == spec);
}

TEST_CASE("diff shows changed template lines and parameters", "[prompt]") {
    json a = {{"name", "qa"},
              {"messages", {{{"role", "user"}, {"content", "line 1\nline 2\nline 3\n"}}}},
              {"model", {{"temperature", 0}}}};
    json b = a;
    b["messages"][0]["content"] = "line 1\nline two\nline 3\n";
    b["model"]["temperature"] = 0.5;
    PromptDiff d = diff_specs("qa@1", a, "qa@2", b);
    INFO(d.unified);
    CHECK_FALSE(d.identical);
    CHECK(d.added_lines == 2);
    CHECK(d.removed_lines == 2);
    CHECK(d.unified.rfind("--- qa@1\n+++ qa@2\n@@ ", 0) == 0);
    CHECK(d.unified.find("-      line 2\n+      line two\n") != std::string::npos);
    CHECK(d.unified.find("-  temperature: 0\n+  temperature: 0.5\n") != std::string::npos);

    PromptDiff same = diff_specs("qa@1", a, "qa@1", a);
    CHECK(same.identical);
    CHECK(same.unified.empty());
}

TEST_CASE("unified hunks follow diff -u numbering", "[prompt]") {
    std::string a, b;
    for (int i = 1; i <= 20; ++i) {
        a += std::to_string(i) + "\n";
        b += (i == 10 ? std::string("ten") : std::to_string(i)) + "\n";
    }
    b += "21\n";
    PromptDiff d = diff_texts("a", a, "b", b);
    CHECK(d.unified == "--- a\n+++ b\n@@ -7,7 +7,7 @@\n 7\n 8\n 9\n-10\n+ten\n 11\n 12\n 13\n"
                       "@@ -18,3 +18,4 @@\n 18\n 19\n 20\n+21\n");
    PromptDiff only_add = diff_texts("a", "", "b", "x\n");
    CHECK(only_add.unified == "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n");
}
