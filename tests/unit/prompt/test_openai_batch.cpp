// One line of an OpenAI Batch API input file per rendered row.
#include "prompt/openai_batch.hpp"
#include "prompt/prompt_spec.hpp"

#include <catch2/catch.hpp>

using namespace llmops::prompt;
using nlohmann::json;

TEST_CASE("a batch line names the row and carries the request body", "[prompt][openai_batch]") {
    CompiledPromptPtr p = parse_prompt_spec(R"(name: qa
messages:
  - role: user
    content: "Q: {{question}}"
variables:
  question: {type: string, required: true}
model: {name: gpt-x, temperature: 0}
)",
                                            "qa.yaml", {})
                              .prompt;
    PromptRenderer renderer(p);
    RenderedPrompt rendered = renderer.render(json{{"question", "2+2?"}});
    std::string out = "earlier\n";
    append_openai_batch_line(*p, rendered, 7, out);
    REQUIRE(out.rfind("earlier\n", 0) == 0);
    REQUIRE(out.back() == '\n');
    const std::string line = out.substr(8, out.size() - 9);
    CHECK(line.find('\n') == std::string::npos);
    json parsed = json::parse(line);
    CHECK(parsed["custom_id"] == "row-7");
    CHECK(parsed["method"] == "POST");
    CHECK(parsed["url"] == "/v1/chat/completions");
    CHECK(parsed["body"] == openai_request_body(*p, rendered));
    CHECK(parsed["body"]["messages"][0]["content"] == "Q: 2+2?");
}
