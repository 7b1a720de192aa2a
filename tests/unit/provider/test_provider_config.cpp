#include "core/error.hpp"
#include "http/header_redaction.hpp"
#include "provider/cost.hpp"
#include "provider/credentials.hpp"
#include "provider/provider_config.hpp"

#include "scoped_env.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

using namespace llmops;
using namespace llmops::provider;
using llmops::testing::ScopedEnv;

namespace {
ProviderCatalog parse_providers(const std::string& yaml) {
    return parse_provider_catalog(parse_yaml(yaml, "llmops.yaml"));
}

} // namespace

TEST_CASE("providers and prices are read from llmops.yaml", "[provider]") {
    ScopedEnv base("OPENAI_BASE_URL", nullptr);
    auto catalog = parse_providers(R"yaml(
version: 1
prices:
  gpt-4o-mini: {input: 0.15, output: 0.6}
providers:
  default:
    type: openai
    model: gpt-4o-mini
    base_url: http://localhost:8000/v1/
    headers: {X-Team: qa}
    parameters: {temperature: 0}
    stream: true
    timeout: 30s
    retries: {max: 2, base_delay: 250ms, max_delay: 4s}
    rate_limit: {requests_per_minute: 500, tokens_per_minute: 100000}
  claude:
    type: anthropic
    model: claude-3-5-haiku-latest
    price: {input: 0.8, output: 4}
  local:
    type: exec
    command: ./model.sh --fast
    format: text
    timeout: 5
  azure:
    type: azure
    base_url: https://x.openai.azure.com
    deployment: gpt4o
  ollama:
    type: openai
    model: llama3
    base_url: http://localhost:11434/v1
    api_key_env: ""
)yaml");
    REQUIRE(catalog.providers.size() == 5);
    const auto& d = catalog.providers.at("default");
    CHECK(d.type == ProviderType::OpenAI);
    CHECK(d.base_url == "http://localhost:8000/v1");
    CHECK(d.endpoint_url() == "http://localhost:8000/v1/chat/completions");
    CHECK(d.api_key_env == "OPENAI_API_KEY");
    CHECK(d.headers.size() == 1);
    CHECK(d.parameters["temperature"] == 0);
    CHECK(d.stream);
    CHECK(d.timeout_s == 30);
    CHECK(d.retry.max_retries == 2);
    CHECK(d.retry.base_delay_ms == 250);
    CHECK(d.retry.max_delay_ms == 4000);
    CHECK(d.requests_per_minute == 500);
    CHECK(d.tokens_per_minute == 100000);
    const auto& c = catalog.providers.at("claude");
    CHECK(c.base_url == "https://api.anthropic.com");
    CHECK(c.api_key_env == "ANTHROPIC_API_KEY");
    CHECK(c.anthropic_version == "2023-06-01");
    const auto& l = catalog.providers.at("local");
    CHECK(l.command == "./model.sh --fast");
    CHECK(l.input_format == ExecFormat::Text);
    CHECK(l.api_key_env.empty());
    const auto& a = catalog.providers.at("azure");
    CHECK(a.api_key_env == "AZURE_OPENAI_API_KEY");
    CHECK(a.endpoint_url().find("/openai/deployments/gpt4o/chat/completions?api-version=") !=
          std::string::npos);
    CHECK(catalog.providers.at("ollama").api_key_env.empty());

    // Prices: the table by model, or the provider's own.
    auto resolved = resolve_provider(catalog, "default");
    REQUIRE(resolved.price);
    CHECK(resolved.price->input_per_million == 0.15);
    CHECK(cost_usd(resolved.price, 1'000'000, 2'000'000) == Approx(0.15 + 1.2));
    CHECK(resolve_provider(catalog, "claude").price->output_per_million == 4);
    CHECK(resolve_provider(catalog, "openai:gpt-4o-mini").price);
    CHECK(cost_usd(std::nullopt, 10, 10) == 0);
}

TEST_CASE("bad provider config is an error at its line", "[provider]") {
    auto expect_error = [](const std::string& yaml, long line, const std::string& part) {
        try {
            parse_providers(yaml);
            FAIL("no error for: " << yaml);
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::BadInput);
            CHECK(e.where().line == line);
            CHECK_THAT(std::string(e.what()), Catch::Contains(part));
        }
    };
    expect_error("providers:\n  a:\n    type: gpt\n", 3, "type");
    expect_error("providers:\n  a:\n    type: openai\n    model: m\n    temprature: 1\n", 5,
                 "temprature");
    expect_error("providers:\n  a:\n    type: exec\n", 3, "command");
    expect_error("providers:\n  a:\n    type: openai\n    model: m\n    timeout: soon\n", 5,
                 "timeout");
    expect_error("providers:\n  a:\n    type: openai\n", 3, "model");
}

TEST_CASE("inline provider ids", "[provider]") {
    ScopedEnv base("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/");
    ProviderCatalog empty;
    auto o = resolve_provider(empty, "openai:gpt-4o-mini");
    CHECK(o.type == ProviderType::OpenAI);
    CHECK(o.model == "gpt-4o-mini");
    CHECK(o.base_url == "http://127.0.0.1:9/v1"); // OPENAI_BASE_URL honoured
    CHECK(resolve_provider(empty, "anthropic:claude-x").type == ProviderType::Anthropic);
    auto e = resolve_provider(empty, "exec:./m.sh a b");
    CHECK(e.type == ProviderType::Exec);
    CHECK(e.command == "./m.sh a b");
    CHECK(resolve_provider(empty, "echo").type == ProviderType::Echo);
    CHECK_THROWS_AS(resolve_provider(empty, "nope"), Error);
    CHECK_THROWS_AS(resolve_provider(empty, "openai:"), Error);
}

TEST_CASE("durations", "[provider]") {
    CHECK(parse_duration_seconds("30") == 30.0);
    CHECK(parse_duration_seconds("500ms") == 0.5);
    CHECK(parse_duration_seconds("2m") == 120.0);
    CHECK(parse_duration_seconds("7d") == 7 * 86400.0);
    CHECK_FALSE(parse_duration_seconds("7 days"));
    CHECK_FALSE(parse_duration_seconds(""));
    CHECK_FALSE(parse_duration_seconds("-1s"));
}

TEST_CASE("a missing API key variable fails naming it, and secrets are redacted", "[provider]") {
    ScopedEnv key("LLMOPS_TEST_MISSING_KEY", nullptr);
    ProviderConfig c;
    c.id = "p";
    c.type = ProviderType::OpenAI;
    c.api_key_env = "LLMOPS_TEST_MISSING_KEY";
    try {
        read_api_key(c);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Provider);
        CHECK(exit_code_for(e.kind()) == 5);
        CHECK_THAT(std::string(e.what()), Catch::Contains("LLMOPS_TEST_MISSING_KEY"));
    }
    c.api_key_env.clear();
    CHECK(read_api_key(c).empty());
    CHECK(http::redact("a sk-1 b sk-1", "sk-1") == "a [REDACTED] b [REDACTED]");
    CHECK(http::redact("abc", "") == "abc");
    CHECK(http::redacted_header_line("Authorization", "Bearer sk") == "Authorization: [REDACTED]");
    CHECK(http::redacted_header_line("x-api-key", "sk") == "x-api-key: [REDACTED]");
    CHECK(http::redacted_header_line("Content-Type", "application/json") ==
          "Content-Type: application/json");
}

TEST_CASE("the secret scrubber removes the key and secret header values from results",
          "[provider]") {
    ProviderConfig c;
    c.id = "p";
    c.type = ProviderType::OpenAI;
    c.headers = {{"X-Secret-Token", "tok-header-12345"},
                 {"Authorization", "Bearer sk-bearer-6789"},
                 {"X-Trace", "visible-value"}};
    SecretScrubber secrets(c, "sk-the/key\"42");
    CHECK_FALSE(secrets.empty());
    CHECK(secrets.scrub("k=sk-the/key\"42; t=tok-header-12345") == "k=[REDACTED]; t=[REDACTED]");
    // As it appears escaped inside a JSON body, and with '/' escaped as some servers write it.
    CHECK(secrets.scrub(R"({"k":"sk-the/key\"42"})") == R"({"k":"[REDACTED]"})");
    CHECK(secrets.scrub(R"({"k":"sk-the\/key\"42"})") == R"({"k":"[REDACTED]"})");
    // The token of a Bearer header alone, as a server would echo it.
    CHECK(secrets.scrub("token sk-bearer-6789 seen") == "token [REDACTED] seen");
    CHECK(secrets.scrub("X-Trace: visible-value") == "X-Trace: visible-value");

    ChatResult r;
    r.text = "your key is sk-the/key\"42";
    r.raw = R"({"echo":"Bearer sk-bearer-6789"})";
    r.error_message = "HTTP 500: tok-header-12345";
    r.model = "m sk-the/key\"42";
    r.finish_reason = "stop";
    secrets.scrub(r);
    CHECK(r.text == "your key is [REDACTED]");
    CHECK(r.raw == R"({"echo":"[REDACTED]"})"); // the whole header value is a secret
    CHECK(r.error_message == "HTTP 500: [REDACTED]");
    CHECK(r.model == "m [REDACTED]");
    CHECK(r.finish_reason == "stop");

    // Placeholders of a few characters are not secrets: "x" must not vanish from answers.
    ProviderConfig local;
    local.type = ProviderType::OpenAI;
    SecretScrubber placeholder(local, "x");
    CHECK(placeholder.empty());
    CHECK(placeholder.scrub("xxx") == "xxx");
    CHECK(SecretScrubber(local, "").empty());
}
