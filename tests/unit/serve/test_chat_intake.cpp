// The chat completions body as the gateway checks it, and the OpenAI shapes it answers with.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "serve/chat_intake.hpp"
#include "serve/openai_shapes.hpp"
#include "serve/serve_config.hpp"

using namespace llmops::serve;
using nlohmann::json;

namespace {

ApiError intake_error_of(const std::string& body) {
    auto parsed = parse_chat_body(body);
    REQUIRE(std::holds_alternative<ApiError>(parsed));
    return std::get<ApiError>(parsed);
}

ChatIntake intake_of(const std::string& body) {
    auto parsed = parse_chat_body(body);
    if (auto* e = std::get_if<ApiError>(&parsed)) FAIL(e->message);
    return std::get<ChatIntake>(parsed);
}

} // namespace

TEST_CASE("a full chat body becomes a typed request", "[serve]") {
    ChatIntake in = intake_of(R"({"model":"qa","user":"u1","stream":true,
        "stream_options":{"include_usage":true},"variables":{"q":"x"},
        "messages":[{"role":"developer","content":"be brief"},
                    {"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{}},{"type":"text","text":"b"}],"name":"ann"}],
        "temperature":0.2,"max_completion_tokens":50,"stop":["\n"],"seed":7,"n":1})");
    CHECK(in.model == "qa");
    CHECK(in.user == "u1");
    CHECK(in.stream);
    CHECK(in.include_usage);
    REQUIRE(in.variables);
    CHECK((*in.variables)["q"] == "x");
    REQUIRE(in.messages.size() == 2);
    CHECK(in.messages[0].role == "system"); // developer is the system role of newer models
    CHECK(in.messages[1].content == "a\nb");
    CHECK(in.messages[1].name == "ann");
    CHECK(in.parameters["temperature"] == 0.2);
    CHECK(in.parameters["max_tokens"] == 50);
    CHECK(in.parameters["seed"] == 7);
    CHECK(in.parameters["stop"] == json::array({"\n"}));
}

TEST_CASE("bad chat bodies are 400s naming the field", "[serve]") {
    CHECK(intake_error_of("{").kind == "bad_json");
    CHECK(intake_error_of("").kind == "bad_json");
    CHECK(intake_error_of("[]").kind == "bad_json");
    CHECK(intake_error_of("null").status == 400);
    CHECK(intake_error_of(R"({"messages":[]})").param == "model");
    CHECK(intake_error_of(R"({"model":""})").param == "model");
    CHECK(intake_error_of(R"({"model":3})").param == "model");
    CHECK(intake_error_of(R"({"model":"m"})").param == "messages");
    CHECK(intake_error_of(R"({"model":"m","messages":{}})").param == "messages");
    CHECK(intake_error_of(R"({"model":"m","messages":[1]})").param == "messages[0]");
    CHECK(intake_error_of(R"({"model":"m","messages":[{"content":"x"}]})").param ==
          "messages[0].role");
    CHECK(intake_error_of(R"({"model":"m","messages":[{"role":"user","content":5}]})").param ==
          "messages[0].content");
    CHECK(intake_error_of(R"({"model":"m","variables":"x"})").param == "variables");
    CHECK(intake_error_of(R"({"model":"m","variables":{},"stream":1})").param == "stream");
    CHECK(intake_error_of(R"({"model":"m","variables":{},"temperature":"hot"})").param ==
          "temperature");
    CHECK(intake_error_of(R"({"model":"m","variables":{},"temperature":2.5})").param ==
          "temperature");
    CHECK(intake_error_of(R"({"model":"m","variables":{},"max_tokens":0})").param == "max_tokens");
    CHECK(intake_error_of(R"({"model":"m","variables":{},"max_tokens":1.5})").param ==
          "max_tokens");
    CHECK(intake_error_of(R"({"model":"m","variables":{},"stop":[1]})").param == "stop");
    CHECK(intake_error_of(R"({"model":"m","variables":{},"n":2})").param == "n");
    CHECK(intake_error_of(R"({"model":"m","variables":{},"user":1})").param == "user");
    CHECK(intake_error_of(R"({"model":"m","variables":{},"response_format":"json"})").param ==
          "response_format");
    CHECK(
        intake_error_of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}")
            .kind == "bad_json");
}

TEST_CASE("error bodies have OpenAI's four fields", "[serve]") {
    ApiError e;
    e.status = 404;
    e.message = "unknown model 'x'";
    e.type = "";
    e.code = "model_not_found";
    json body = json::parse(error_body(e));
    CHECK(body["error"]["message"] == "unknown model 'x'");
    CHECK(body["error"]["type"] == "not_found_error");
    CHECK(body["error"]["param"].is_null());
    CHECK(body["error"]["code"] == "model_not_found");
    CHECK(error_type_for_status(429) == "rate_limit_error");
    CHECK(error_type_for_status(503) == "server_error");
}

TEST_CASE("completions, chunks and model lists", "[serve]") {
    llmops::provider::ChatResult r;
    r.text = "hello";
    r.finish_reason = "length";
    r.prompt_tokens = 3;
    r.completion_tokens = 2;
    json c = json::parse(completion_body("req_1", 100, "m", r));
    CHECK(c["id"] == "chatcmpl-req_1");
    CHECK(c["object"] == "chat.completion");
    CHECK(c["choices"][0]["message"]["content"] == "hello");
    CHECK(c["choices"][0]["finish_reason"] == "length");
    CHECK(c["usage"]["total_tokens"] == 5);
    json k = json::parse(chunk_data("req_1", 100, "m", "assistant", "", ""));
    CHECK(k["object"] == "chat.completion.chunk");
    CHECK(k["choices"][0]["delta"]["role"] == "assistant");
    CHECK(k["choices"][0]["finish_reason"].is_null());
    json u = json::parse(usage_chunk_data("req_1", 100, "m", 3, 2));
    CHECK(u["choices"].empty());
    CHECK(u["usage"]["completion_tokens"] == 2);
    CHECK(sse_event("x") == "data: x\n\n");
    json m = json::parse(models_body({"a", "b"}, "llmops"));
    CHECK(m["data"].size() == 2);
    CHECK(m["data"][1]["id"] == "b");
}

TEST_CASE("the serve: section of llmops.yaml", "[serve]") {
    auto cfg = parse_serve_config(llmops::parse_yaml(R"(serve:
  host: 0.0.0.0
  port: 9000
  passthrough: [a, b]
  log_bodies: none
  drain_timeout: 2m
  limits: {max_body_bytes: 2048, idle_timeout: 500ms, upstream_queue: 0}
  routes:
    qa: {fallbacks: [b, c], cache: true}
    other: {cache: false}
)",
                                                     "llmops.yaml"));
    CHECK(cfg.host == "0.0.0.0");
    CHECK(cfg.port == 9000);
    CHECK(cfg.passthrough.count("b") == 1);
    CHECK(cfg.log_bodies == BodyPolicy::None);
    CHECK(cfg.drain_timeout_s == 120);
    CHECK(cfg.limits.max_body_bytes == 2048);
    CHECK(cfg.limits.idle_timeout_s == Approx(0.5));
    CHECK(cfg.upstream_queue == 0);
    CHECK(cfg.route_fallbacks.at("qa") == std::vector<std::string>{"b", "c"});
    CHECK(cfg.cached_routes == std::set<std::string>{"qa"});
    auto defaults = parse_serve_config(llmops::parse_yaml("providers: {}\n", "llmops.yaml"));
    CHECK(defaults.host == "127.0.0.1");
    CHECK(defaults.log_bodies == BodyPolicy::Hash);
    try {
        parse_serve_config(
            llmops::parse_yaml("serve:\n  limits:\n    idle_timeout: soon\n", "llmops.yaml"));
        FAIL("expected an error");
    } catch (const llmops::Error& e) {
        CHECK(e.where().line == 3);
        CHECK(std::string(e.what()).find("idle_timeout") != std::string::npos);
    }
    CHECK_THROWS(parse_serve_config(llmops::parse_yaml("serve: {colour: red}\n", "llmops.yaml")));
}

TEST_CASE("the completion body is written byte for byte as the JSON tree gives it", "[serve]") {
    // The reference: the same object through nlohmann (keys sorted), as before the direct writer.
    auto reference = [](const std::string& id, std::int64_t created, const std::string& model,
                        const llmops::provider::ChatResult& r) {
        json body = {
            {"id", "chatcmpl-" + id},
            {"object", "chat.completion"},
            {"created", created},
            {"model", model},
            {"choices", json::array({{{"index", 0},
                                      {"message", {{"role", "assistant"}, {"content", r.text}}},
                                      {"logprobs", nullptr},
                                      {"finish_reason",
                                       r.finish_reason.empty() ? "stop" : r.finish_reason}}})},
            {"usage",
             {{"prompt_tokens", r.prompt_tokens},
              {"completion_tokens", r.completion_tokens},
              {"total_tokens", r.prompt_tokens + r.completion_tokens}}},
            {"system_fingerprint", nullptr}};
        return body.dump(-1, ' ', false, json::error_handler_t::replace);
    };
    for (std::string text : {std::string("plain"), std::string(""), std::string("é 中文 🎉"),
                             std::string("quote \" back \\ slash / nl \n tab \t cr \r"),
                             std::string("ctl \x01\x1f\x7f bell \b ff \f"),
                             std::string("a long answer without anything to escape at all")}) {
        llmops::provider::ChatResult r;
        r.text = text;
        r.prompt_tokens = 12;
        r.completion_tokens = 7;
        CHECK(completion_body("req_1", 1700000000, "stub-model", r) ==
              reference("req_1", 1700000000, "stub-model", r));
        r.finish_reason = "length";
        CHECK(completion_body("req_2", -1, "m\"odel", r) == reference("req_2", -1, "m\"odel", r));
    }
    llmops::provider::ChatResult bad;
    bad.text = std::string("broken \xff utf-8");
    std::string body = completion_body("req_3", 1, "m", bad);
    CHECK(body == reference("req_3", 1, "m", bad));
    CHECK(json::parse(body)["choices"][0]["message"]["content"] == "broken \xEF\xBF\xBD utf-8");
}
