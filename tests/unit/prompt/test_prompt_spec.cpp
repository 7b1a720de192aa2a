#include "core/error.hpp"
#include "core/file_io.hpp"
#include "prompt/prompt_schema.hpp"
#include "prompt/prompt_spec.hpp"

#include <catch2/catch.hpp>

using namespace llmops;
using namespace llmops::prompt;
using nlohmann::json;

namespace {

const char* const kQaSpec = R"(name: qa-answer
description: Answer a question from the given context
messages:
  - role: system
    content: You answer strictly from the context.
  - role: user
    content: |
      {{#examples}}Q: {{question}}
      A: {{answer}}
      {{/examples}}Context: {{context}}
      Question: {{question}}
variables:
  question: {type: string, required: true}
  context: {type: string, default: ""}
examples: [{question: "2+2?", answer: "4"}]
model: {temperature: 0, max_tokens: 256, stop: ["\n\n"]}
)";

LoadedSpec prompt_spec_of(const std::string& text, const ParentLoader& loader = {}) {
    return parse_prompt_spec(text, "qa.yaml", loader);
}

// The error a spec raises, as "message (where)".
std::string prompt_spec_error_of(const std::string& text, const ParentLoader& loader = {}) {
    try {
        prompt_spec_of(text, loader);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BadInput);
        return e.what();
    }
    return "no error";
}

} // namespace

TEST_CASE("the embedded schema is schemas/prompt.schema.json", "[prompt]") {
    json file =
        json::parse(read_file(std::string(LLMOPS_SOURCE_DIR) + "/schemas/prompt.schema.json"));
    CHECK(file == json::parse(prompt_spec_schema_text()));
}

TEST_CASE("a spec parses and compiles", "[prompt]") {
    LoadedSpec s = prompt_spec_of(kQaSpec);
    const CompiledPrompt& p = *s.prompt;
    CHECK(p.spec.name == "qa-answer");
    CHECK_FALSE(p.completion);
    REQUIRE(p.messages.size() == 2);
    CHECK(p.messages[1].role == "user");
    CHECK(p.templates.size() == 2);
    CHECK(p.variables.at("question").required);
    CHECK(p.variables.at("context").default_value == json(""));
    CHECK(p.examples.size() == 1);
    CHECK(p.model["max_tokens"] == 256);
    CHECK(s.warnings.empty());
    CHECK(p.used_top_level == std::set<std::string>{"context", "examples", "question"});
}

TEST_CASE("completion-style specs use one template", "[prompt]") {
    LoadedSpec s = prompt_spec_of("name: c\ntemplate: 'Say {{word}}'\nvariables: {word: {}}\n");
    CHECK(s.prompt->completion);
    CHECK(s.prompt->templates.size() == 1);
}

TEST_CASE("schema errors point at the YAML line and column", "[prompt]") {
    CHECK_THAT(prompt_spec_error_of("name: x\nmessages:\n  - role: robot\n    content: hi\n"),
               Catch::Contains("/messages/0/role") && Catch::Contains("qa.yaml:3:"));
    CHECK_THAT(prompt_spec_error_of("name: x\ntemplate: t\nmodel: {temperature: 5}\n"),
               Catch::Contains("/model/temperature: must be <= 2") &&
                   Catch::Contains("qa.yaml:3:"));
    CHECK_THAT(prompt_spec_error_of("description: no name\ntemplate: t\n"),
               Catch::Contains("missing required property 'name'"));
    CHECK_THAT(prompt_spec_error_of("name: x\ntemplate: t\ncolour: red\n"),
               Catch::Contains("/colour"));
}

TEST_CASE("semantic errors are located too", "[prompt]") {
    CHECK_THAT(prompt_spec_error_of("name: x\n"),
               Catch::Contains("needs 'messages' or 'template'"));
    CHECK_THAT(prompt_spec_error_of("name: x\ntemplate: a\nmessages: [{role: user, content: b}]\n"),
               Catch::Contains("either 'messages' or 'template'") && Catch::Contains("qa.yaml:2:"));
    CHECK_THAT(prompt_spec_error_of(
                   "name: x\ntemplate: '{{n}}'\nvariables:\n  n: {type: integer, default: abc}\n"),
               Catch::Contains("default of variable 'n' must be integer, got string") &&
                   Catch::Contains("qa.yaml:4:"));
    CHECK_THAT(prompt_spec_error_of("name: x\ntemplate: t\noutput: {json_schema: {type: 12}}\n"),
               Catch::Contains("invalid output JSON schema") && Catch::Contains("qa.yaml:3:"));
    CHECK_THAT(prompt_spec_error_of("name: x\nextends: x\n"),
               Catch::Contains("cannot extend itself"));
}

TEST_CASE("template compile errors map to the file position", "[prompt]") {
    // Literal block: template line 2 is file line 6; the tag starts after 6 spaces of indent.
    std::string text =
        "name: x\nmessages:\n  - role: user\n    content: |\n      ok\n      {{#open}}\n";
    CHECK_THAT(prompt_spec_error_of(text),
               Catch::Contains("unclosed section 'open'") && Catch::Contains("qa.yaml:6:7"));
    // Plain scalar on the key's line.
    CHECK_THAT(prompt_spec_error_of("name: x\ntemplate: ab {{/x}}\n"),
               Catch::Contains("qa.yaml:2:14"));
    // Quoted scalar: one column further for the quote.
    CHECK_THAT(prompt_spec_error_of("name: x\ntemplate: \"ab {{/x}}\"\n"),
               Catch::Contains("qa.yaml:2:15"));
}

TEST_CASE("undeclared variables are listed at their first use, unused ones warned", "[prompt]") {
    LoadedSpec s =
        prompt_spec_of("name: x\ntemplate: |\n  Hi {{who}} {{who}}{{#items}}{{sep}}{{/items}}\n"
                       "variables:\n  unused: {type: string}\n");
    // `sep` is looked up inside a section: it may be an item's field.
    REQUIRE(s.undeclared.size() == 2);
    CHECK(s.undeclared[0].message == "variable 'who' is used but not declared");
    CHECK(s.undeclared[0].where.line == 3);
    CHECK(s.undeclared[0].where.column == 6);
    CHECK(s.undeclared[1].message == "variable 'items' is used but not declared");
    REQUIRE(s.warnings.size() == 1);
    CHECK(s.warnings[0].message == "variable 'unused' is declared but not used");
    CHECK(s.warnings[0].where.line == 5);
    // Declared optional, a default, or the spec's own examples: nothing to report.
    LoadedSpec ok =
        prompt_spec_of("name: x\ntemplate: '{{a}}{{b}}{{#examples}}{{q}}{{/examples}}'\n"
                       "variables: {a: {required: false}, b: {default: 1}}\n"
                       "examples: [{q: 1}]\n");
    CHECK(ok.undeclared.empty());
    CHECK(ok.warnings.empty());
}

TEST_CASE("a variable used only inside a section counts as used", "[prompt]") {
    LoadedSpec s = prompt_spec_of("name: x\ntemplate: '{{#items}}{{sep}}{{/items}}'\n"
                                  "variables: {items: {type: array}, sep: {type: string}}\n");
    CHECK(s.warnings.empty());
}

TEST_CASE("extends resolves the parent through the loader", "[prompt]") {
    LoadedSpec base = parse_prompt_spec("name: base\nmessages:\n  - role: system\n    content: "
                                        "'Rules: {{$rules}}be brief{{/rules}}'\n"
                                        "  - role: user\n    content: '{{question}}'\n"
                                        "variables: {question: {type: string, required: "
                                        "true}}\nmodel: {temperature: 0.5, max_tokens: 10}\n",
                                        "base.yaml", {});
    std::string asked;
    ParentLoader loader = [&](std::string_view ref) {
        asked = std::string(ref);
        return base.prompt;
    };
    LoadedSpec child = prompt_spec_of(
        "name: child\nextends: base@production\n"
        "messages:\n  - role: system\n    content: '{{<base}}{{$rules}}cite{{/rules}}{{/base}}'\n"
        "  - role: user\n    content: '{{<base}}{{/base}}'\n"
        "model: {max_tokens: 99}\n",
        loader);
    CHECK(asked == "base@production");
    const CompiledPrompt& p = *child.prompt;
    CHECK(p.parent == base.prompt);
    CHECK(p.variables.count("question"));
    CHECK(p.model["temperature"] == 0.5);
    CHECK(p.model["max_tokens"] == 99);
    CHECK(p.ancestor_sources[0].at("base") == "Rules: {{$rules}}be brief{{/rules}}");
    CHECK(child.warnings.empty());

    // A child without messages keeps the parent's.
    LoadedSpec same =
        prompt_spec_of("name: child2\nextends: base\nmodel: {temperature: 1}\n", loader);
    CHECK(same.prompt->messages.size() == 2);

    // Including something that is not an ancestor, or a message the parent lacks, is an error.
    CHECK_THAT(prompt_spec_error_of("name: c\nextends: base\ntemplate: '{{>other}}'\n", loader),
               Catch::Contains("unknown partial 'other'"));
    CHECK_THAT(
        prompt_spec_error_of(
            "name: c\nextends: base\nmessages:\n  - {role: user, content: a}\n"
            "  - {role: user, content: b}\n  - {role: user, content: '{{<base}}{{/base}}'}\n",
            loader),
        Catch::Contains("'base' has no message 3"));
    // Without a registry, extends cannot be resolved.
    CHECK_THAT(prompt_spec_error_of("name: c\nextends: base\n"),
               Catch::Contains("needs the prompt registry"));
}

TEST_CASE("variable types", "[prompt]") {
    CHECK(value_has_type(json(3), "integer"));
    CHECK(value_has_type(json(3.0), "integer"));
    CHECK_FALSE(value_has_type(json(3.5), "integer"));
    CHECK(value_has_type(json(3.5), "number"));
    CHECK_FALSE(value_has_type(json("3"), "number"));
    CHECK(value_has_type(json::array(), "array"));
    CHECK(value_has_type(json(nullptr), "any"));
    CHECK(json_type_name(json(true)) == "boolean");
}
