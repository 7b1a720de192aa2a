#include "core/error.hpp"
#include "prompt/prompt_render.hpp"
#include "prompt/prompt_spec.hpp"

#include <catch2/catch.hpp>

using namespace llmops;
using namespace llmops::prompt;
using nlohmann::json;

namespace {

CompiledPromptPtr compile_text(const std::string& yaml) {
    return parse_prompt_spec(yaml, "p.yaml", {}).prompt;
}

const char* const kQa = R"(name: qa
messages:
  - role: system
    content: Answer from the context.
  - role: user
    content: |
      {{#examples}}Q: {{question}}
      A: {{answer}}
      {{/examples}}Context: {{context}}
      Question: {{question}}
variables:
  question: {type: string, required: true}
  context: {type: string, default: "none"}
  n: {type: integer}
examples: [{question: "2+2?", answer: "4"}]
model: {name: gpt-x, temperature: 0, max_tokens: 256, stop: ["\n\n"]}
output: {json_schema: {type: object}}
)";

std::string render_error_of(PromptRenderer& r, json vars, long row = -1) {
    try {
        r.render(std::move(vars), row);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BadInput);
        return e.what();
    }
    return "no error";
}

} // namespace

TEST_CASE("render fills defaults and exposes examples", "[prompt]") {
    PromptRenderer r(compile_text(kQa));
    RenderedPrompt out = r.render(json{{"question", "Why?"}});
    REQUIRE(out.messages.size() == 2);
    CHECK(out.messages[0].role == "system");
    CHECK(out.messages[0].content == "Answer from the context.");
    // Examples: the section's items shadow the top-level question.
    CHECK(out.messages[1].content == "Q: 2+2?\nA: 4\nContext: none\nQuestion: Why?\n");
    // No HTML escaping in prompts.
    out = r.render(json{{"question", "a < b & \"c\""}, {"context", "x"}});
    CHECK(out.messages[1].content == "Q: 2+2?\nA: 4\nContext: x\nQuestion: a < b & \"c\"\n");
}

TEST_CASE("the context is restored between renders", "[prompt]") {
    PromptRenderer r(compile_text(kQa));
    r.render(json{{"question", "1"}, {"context", "override"}, {"examples", json::array()}});
    RenderedPrompt out = r.render(json{{"question", "2"}});
    CHECK(out.messages[1].content == "Q: 2+2?\nA: 4\nContext: none\nQuestion: 2\n");
    // Even after an error.
    CHECK_THROWS(r.render(json{{"question", "3"}, {"n", "not a number"}}));
    out = r.render(json{{"question", "4"}});
    CHECK(out.messages[1].content == "Q: 2+2?\nA: 4\nContext: none\nQuestion: 4\n");
}

TEST_CASE("missing required variables name the variable, prompt and row", "[prompt]") {
    PromptRenderer r(compile_text(kQa));
    CHECK(render_error_of(r, json::object()) ==
          "missing required variable 'question' for prompt p.yaml");
    CHECK_THAT(render_error_of(r, json{{"question", nullptr}}, 7),
               Catch::Contains("missing required variable 'question'") &&
                   Catch::Contains("(row 7)"));
    CHECK_THAT(render_error_of(r, json{{"question", "q"}, {"n", "x"}}),
               Catch::Contains("variable 'n' for prompt p.yaml must be integer, got string"));
    CHECK_THAT(render_error_of(r, json::array()), Catch::Contains("must be a JSON object"));
}

TEST_CASE("an undeclared interpolation never renders as a hole", "[prompt]") {
    PromptRenderer r(compile_text("name: t\ntemplate: 'Hello {{who}}{{#opt}}!{{/opt}}'\n"));
    CHECK_THAT(render_error_of(r, json::object(), 3),
               Catch::Contains("missing variable 'who'") && Catch::Contains("row 3"));
    CHECK(r.render(json{{"who", "Ann"}}).text == "Hello Ann");
    // An optional declared variable without default renders as nothing.
    PromptRenderer opt(compile_text("name: t\ntemplate: 'Hi {{who}}.'\nvariables: {who: {}}\n"));
    CHECK(opt.render(json::object()).text == "Hi .");
}

TEST_CASE("extends renders the parent's blocks with the child's overrides", "[prompt]") {
    CompiledPromptPtr base = compile_text(
        "name: base\nmessages:\n  - role: system\n    content: 'Rules: {{$rules}}be "
        "brief{{/rules}}.'\n"
        "  - role: user\n    content: '{{question}}'\nvariables: {question: {required: true}}\n");
    ParentLoader loader = [&](std::string_view) { return base; };
    CompiledPromptPtr child =
        parse_prompt_spec(
            "name: child\nextends: base\nmessages:\n"
            "  - {role: system, content: '{{<base}}{{$rules}}cite {{source}}{{/rules}}{{/base}}'}\n"
            "  - {role: user, content: '{{<base}}{{/base}}'}\n"
            "variables: {source: {default: wiki}}\n",
            "child.yaml", loader)
            .prompt;
    PromptRenderer r(child);
    RenderedPrompt out = r.render(json{{"question", "Q?"}});
    CHECK(out.messages[0].content == "Rules: cite wiki.");
    CHECK(out.messages[1].content == "Q?");
    PromptRenderer rb(base);
    CHECK(rb.render(json{{"question", "Q?"}}).messages[0].content == "Rules: be brief.");
}

TEST_CASE("variables from the command line are typed by their declaration", "[prompt]") {
    CompiledPromptPtr p = compile_text("name: t\ntemplate: '{{a}}{{b}}{{c}}{{d}}{{e}}'\n"
                                       "variables: {a: {type: integer}, b: {type: boolean}, c: "
                                       "{type: array}, d: {type: string}}\n");
    CHECK(variable_from_text(*p, "a", "42") == json(42));
    CHECK(variable_from_text(*p, "b", "true") == json(true));
    CHECK(variable_from_text(*p, "c", "[1,2]") == json::array({1, 2}));
    CHECK(variable_from_text(*p, "d", "42") == json("42"));
    CHECK(variable_from_text(*p, "e", "[x") == json("[x")); // undeclared: text
    CHECK_THROWS_WITH(variable_from_text(*p, "a", "4x"),
                      Catch::Contains("must be integer, got '4x'"));
    CHECK_THROWS_WITH(variable_from_text(*p, "c", "{}"), Catch::Contains("must be array"));
}

TEST_CASE("json, JSON lines and OpenAI bodies", "[prompt]") {
    CompiledPromptPtr p = compile_text(kQa);
    PromptRenderer r(p);
    RenderedPrompt out = r.render(json{{"question", "Why?"}});
    json j = rendered_to_json(*p, out);
    CHECK(j["prompt"] == "p.yaml");
    CHECK(j["messages"][0] == json{{"role", "system"}, {"content", "Answer from the context."}});

    std::string line;
    append_rendered_json_line(*p, out, 5, line);
    CHECK(line.back() == '\n');
    json parsed = json::parse(line);
    CHECK(parsed["row"] == 5);
    CHECK(parsed["messages"] == j["messages"]);

    json body = openai_request_body(*p, out);
    CHECK(body["model"] == "gpt-x");
    CHECK(body["temperature"] == 0);
    CHECK(body["max_tokens"] == 256);
    CHECK(body["stop"] == json::array({"\n\n"}));
    CHECK(body["messages"].size() == 2);
    CHECK(body["response_format"]["type"] == "json_schema");
    CHECK(body["response_format"]["json_schema"]["name"] == "qa");
    CHECK(body["response_format"]["json_schema"]["schema"] == json{{"type", "object"}});
    CHECK(openai_endpoint(*p) == "/v1/chat/completions");

    CompiledPromptPtr c = compile_text("name: c\ntemplate: 'Say {{w}}'\nvariables: {w: {}}\n"
                                       "model: {extra: {logprobs: true}}\n");
    PromptRenderer rc(c);
    json cb = openai_request_body(*c, rc.render(json{{"w", "hi"}}));
    CHECK(cb == json{{"prompt", "Say hi"}, {"logprobs", true}});
    CHECK(openai_endpoint(*c) == "/v1/completions");
}
