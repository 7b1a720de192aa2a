#include "http/sse_parser.hpp"
#include "provider/request_codec.hpp"

#include <catch2/catch.hpp>

using namespace llmops::provider;
using nlohmann::json;

namespace {
ProviderConfig openai_config() {
    ProviderConfig c;
    c.id = "t";
    c.type = ProviderType::OpenAI;
    c.model = "gpt-test";
    c.base_url = "http://h/v1";
    c.api_key_env = "X";
    return c;
}

ChatRequest two_messages() {
    ChatRequest r;
    r.messages = {{"system", "Be brief.", ""}, {"user", "hello", ""}};
    return r;
}
} // namespace

TEST_CASE("openai body merges parameters: request over provider, extra flattened", "[provider]") {
    ProviderConfig c = openai_config();
    c.parameters = {{"temperature", 0.5}, {"max_tokens", 10}, {"extra", {{"top_k", 3}}}};
    ChatRequest r = two_messages();
    r.parameters = {{"temperature", 0.1},
                    {"response_format", {{"type", "json_object"}}},
                    {"extra", {{"seed_x", 1}}}};
    json body = make_codec(c)->body(r);
    CHECK(body["model"] == "gpt-test");
    CHECK(body["messages"].size() == 2);
    CHECK(body["messages"][0] == json({{"role", "system"}, {"content", "Be brief."}}));
    CHECK(body["temperature"] == 0.1);
    CHECK(body["max_tokens"] == 10);
    CHECK(body["top_k"] == 3);
    CHECK(body["seed_x"] == 1);
    CHECK(body["response_format"]["type"] == "json_object");
    CHECK_FALSE(body.contains("extra"));
    CHECK_FALSE(body.contains("stream"));
    r.model = "other";
    CHECK(make_codec(c)->body(r)["model"] == "other");
}

TEST_CASE("openai and azure headers carry the key in their own header", "[provider]") {
    ProviderConfig c = openai_config();
    c.headers = {{"X-Team", "qa"}};
    auto h = make_codec(c)->headers("sk-1");
    CHECK(std::find(h.begin(), h.end(),
                    std::pair<std::string, std::string>{"Authorization", "Bearer sk-1"}) !=
          h.end());
    CHECK(std::find(h.begin(), h.end(), std::pair<std::string, std::string>{"X-Team", "qa"}) !=
          h.end());
    c.type = ProviderType::Azure;
    c.deployment = "dep";
    c.api_version = "2024-10-21";
    auto az = make_codec(c)->headers("sk-1");
    CHECK(std::find(az.begin(), az.end(), std::pair<std::string, std::string>{"api-key", "sk-1"}) !=
          az.end());
    CHECK(c.endpoint_url() ==
          "http://h/v1/openai/deployments/dep/chat/completions?api-version=2024-10-21");
    CHECK_FALSE(make_codec(c)->body(two_messages()).contains("model"));
    // No key: no auth header at all (local servers).
    for (const auto& [name, value] : make_codec(openai_config())->headers(""))
        CHECK(name != "Authorization");
}

TEST_CASE("openai responses are parsed, and malformed ones are BadResponse", "[provider]") {
    auto codec = make_codec(openai_config());
    ChatResult r;
    codec->parse_response(
        R"({"model":"m1","choices":[{"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2}})",
        r);
    REQUIRE(r.ok());
    CHECK(r.text == "Hi");
    CHECK(r.finish_reason == "stop");
    CHECK(r.prompt_tokens == 5);
    CHECK(r.completion_tokens == 2);
    CHECK(r.model == "m1");

    for (const char* bad : {"not json", "[1]", R"({"choices":[]})", R"({"choices":[{"x":1}]})",
                            R"({"choices":[{"message":{"role":"assistant","content":5}}]})"}) {
        ChatResult b;
        codec->parse_response(bad, b);
        CHECK(b.error == ProviderErrorKind::BadResponse);
        CHECK_FALSE(b.error_message.empty());
    }
}

TEST_CASE("SSE parser handles split blocks, CRLF, comments and multi-line data", "[provider]") {
    std::vector<std::pair<std::string, std::string>> events;
    llmops::http::SseParser p(
        [&](std::string_view e, std::string_view d) { events.emplace_back(e, d); });
    std::string stream =
        ": keep-alive\r\nevent: a\r\ndata: one\r\n\r\ndata: x\ndata: y\n\ndata: [DONE]\n\n";
    for (char ch : stream)
        p.feed(std::string_view(&ch, 1)); // worst case: one byte at a time
    p.finish();
    REQUIRE(events.size() == 3);
    CHECK(events[0] == std::pair<std::string, std::string>{"a", "one"});
    CHECK(events[1] == std::pair<std::string, std::string>{"", "x\ny"});
    CHECK(events[2].second == "[DONE]");
}

TEST_CASE("openai stream decoding: text, finish, usage, TTFT signal, cut streams", "[provider]") {
    ProviderConfig c = openai_config();
    c.stream = true;
    auto codec = make_codec(c);
    CHECK(codec->body(two_messages())["stream"] == true);
    CHECK(codec->body(two_messages())["stream_options"]["include_usage"] == true);
    auto d = codec->stream_decoder();
    d->feed("data: "
            "{\"model\":\"m\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}"
            "\n\n");
    CHECK_FALSE(d->got_token());
    d->feed(
        "data: {\"choices\":[{\"delta\":{\"content\":\"HEL\"}}]}\n\ndata: {\"choices\":[{\"del");
    CHECK(d->got_token());
    d->feed("ta\":{\"content\":\"LO\"}}]}\n\ndata: "
            "{\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    d->feed(
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\ndata: "
        "[DONE]\n\n");
    ChatResult r;
    d->finish(r);
    REQUIRE(r.ok());
    CHECK(r.text == "HELLO");
    CHECK(r.finish_reason == "stop");
    CHECK(r.prompt_tokens == 3);
    CHECK(r.completion_tokens == 2);

    auto cut = codec->stream_decoder();
    cut->feed("data: {\"choices\":[{\"delta\":{\"content\":\"HEL\"}}]}\n\n");
    ChatResult rc;
    cut->finish(rc);
    CHECK(rc.error == ProviderErrorKind::BadResponse);

    auto bad = codec->stream_decoder();
    bad->feed("data: {not json\n\ndata: [DONE]\n\n");
    ChatResult rb;
    bad->finish(rb);
    CHECK(rb.error == ProviderErrorKind::BadResponse);
}

TEST_CASE("anthropic body: system field, stop_sequences, default max_tokens", "[provider]") {
    ProviderConfig c;
    c.type = ProviderType::Anthropic;
    c.model = "claude-test";
    c.anthropic_version = "2023-06-01";
    ChatRequest r = two_messages();
    r.parameters = {{"stop", "END"}, {"seed", 3}, {"temperature", 0.2}};
    auto codec = make_codec(c);
    json body = codec->body(r);
    CHECK(body["system"] == "Be brief.");
    CHECK(body["messages"].size() == 1);
    CHECK(body["messages"][0]["role"] == "user");
    CHECK(body["stop_sequences"] == json::array({"END"}));
    CHECK(body["max_tokens"] == 1024);
    CHECK(body["temperature"] == 0.2);
    CHECK_FALSE(body.contains("seed"));
    auto h = codec->headers("k");
    CHECK(std::find(h.begin(), h.end(), std::pair<std::string, std::string>{"x-api-key", "k"}) !=
          h.end());
    CHECK(std::find(h.begin(), h.end(),
                    std::pair<std::string, std::string>{"anthropic-version", "2023-06-01"}) !=
          h.end());

    ChatResult res;
    codec->parse_response(
        R"({"model":"claude-test","content":[{"type":"text","text":"A"},{"type":"text","text":"B"}],"stop_reason":"max_tokens","usage":{"input_tokens":7,"output_tokens":1}})",
        res);
    REQUIRE(res.ok());
    CHECK(res.text == "AB");
    CHECK(res.finish_reason == "length");
    CHECK(res.prompt_tokens == 7);
    CHECK(res.completion_tokens == 1);
}

TEST_CASE("anthropic stream decoding", "[provider]") {
    ProviderConfig c;
    c.type = ProviderType::Anthropic;
    c.model = "m";
    c.stream = true;
    auto d = make_codec(c)->stream_decoder();
    d->feed("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"m\","
            "\"usage\":{\"input_tokens\":4,\"output_tokens\":0}}}\n\n"
            "event: ping\ndata: {\"type\":\"ping\"}\n\n"
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":"
            "{\"type\":\"text_delta\",\"text\":\"HI\"}}\n\n");
    CHECK(d->got_token());
    d->feed("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
            "\"end_turn\"},\"usage\":{\"output_tokens\":1}}\n\n"
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    ChatResult r;
    d->finish(r);
    REQUIRE(r.ok());
    CHECK(r.text == "HI");
    CHECK(r.finish_reason == "stop");
    CHECK(r.prompt_tokens == 4);
    CHECK(r.completion_tokens == 1);
}

TEST_CASE("error messages are taken from vendor error bodies", "[provider]") {
    CHECK(error_message_from_body(R"({"error":{"message":"slow down","type":"x"}})") ==
          "slow down");
    CHECK(error_message_from_body(R"({"type":"error","error":{"type":"a","message":"bad key"}})") ==
          "bad key");
    CHECK(error_message_from_body("plain\ntext") == "plain text");
}
