// BatchRunner against the stub server (tests/support/stub_llm) and local programs.
#include "core/error.hpp"
#include "provider/batch_runner.hpp"
#include "provider/exec_provider.hpp"
#include "scoped_env.hpp"
#include "store/migrations.hpp"
#include "temp_dir.hpp"
#include "test_provider_stub.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <thread>

using namespace llmops;
using namespace llmops::provider;
using llmops::testing::StubServer;

namespace {

constexpr const char* kKeyVar = "LLMOPS_TEST_PROVIDER_KEY";
constexpr const char* kKey = "sk-test-9f8e7d6c5b4a-SECRET";

// The key variable set for one test, and put back as it was afterwards.
struct KeyEnv : testing::ScopedEnv {
    KeyEnv() : ScopedEnv(kKeyVar, kKey) {}
};

ProviderConfig stub_provider(const StubServer& stub, ProviderType type = ProviderType::OpenAI) {
    ProviderConfig c;
    c.id = "stub";
    c.type = type;
    c.model = "stub-model";
    c.api_key_env = kKeyVar;
    c.timeout_s = 10;
    c.retry.base_delay_ms = 10;
    c.retry.max_delay_ms = 100;
    switch (type) {
    case ProviderType::OpenAI:
        c.base_url = stub.url() + "/v1";
        break;
    case ProviderType::Azure:
        c.base_url = stub.url();
        c.deployment = "dep-1";
        c.api_version = "2024-10-21";
        break;
    case ProviderType::Anthropic:
        c.base_url = stub.url();
        c.anthropic_version = "2023-06-01";
        break;
    default:
        break;
    }
    return c;
}

ChatRequest ask_terse(const std::string& text) {
    ChatRequest r;
    r.messages = {{"system", "You are terse.", ""}, {"user", text, ""}};
    return r;
}

std::vector<ChatResult> run_all(const ProviderConfig& c, std::vector<ChatRequest> requests,
                                EngineOptions options = {}) {
    std::vector<ChatResult> out(requests.size());
    std::vector<int> seen(requests.size(), 0);
    BatchRunner runner(c, std::move(options));
    runner.run(std::move(requests), [&](std::size_t i, ChatResult&& r) {
        REQUIRE(i < out.size());
        ++seen[i];
        out[i] = std::move(r);
    });
    for (int s : seen)
        REQUIRE(s == 1); // every request answered exactly once
    return out;
}

std::string stub_stats(const StubServer& stub) {
    ProviderConfig c; // plain GET through curl would do; reuse exec to avoid another client
    c.type = ProviderType::Exec;
    c.command = "curl -s " + stub.url() + "/stats";
    c.timeout_s = 10;
    return run_exec(c, ask_terse("x")).text;
}

} // namespace

TEST_CASE("openai, azure and anthropic against the stub", "[provider][stub]") {
    KeyEnv key;
    StubServer stub({"--require-key", kKey});
    for (ProviderType type : {ProviderType::OpenAI, ProviderType::Azure, ProviderType::Anthropic}) {
        for (bool stream : {false, true}) {
            CAPTURE(to_string(type), stream);
            ProviderConfig c = stub_provider(stub, type);
            c.stream = stream;
            auto results =
                run_all(c, {ask_terse("hello there"), ask_terse("second one"), ask_terse("third")});
            REQUIRE(results[0].ok());
            CHECK(results[0].text == "HELLO THERE");
            CHECK(results[1].text == "SECOND ONE");
            CHECK(results[0].finish_reason == "stop");
            CHECK(results[0].completion_tokens == 3);
            CHECK(results[0].prompt_tokens > 0);
            CHECK(results[0].latency_ms > 0);
            CHECK(results[0].attempts == 1);
            CHECK_FALSE(results[0].raw.empty());
            CHECK(results[0].raw.find(kKey) == std::string::npos);
            if (type == ProviderType::Azure) CHECK(results[0].model == "dep-1");
            if (stream) {
                REQUIRE(results[0].ttft_ms);
                CHECK(*results[0].ttft_ms <= results[0].latency_ms);
            } else {
                CHECK_FALSE(results[0].ttft_ms);
            }
        }
    }
}

TEST_CASE("a wrong key stops the run with an auth error that does not show the key",
          "[provider][stub]") {
    KeyEnv key;
    StubServer stub({"--require-key", "sk-other"});
    ProviderConfig c = stub_provider(stub);
    try {
        run_all(c, {ask_terse("a"), ask_terse("b")});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Provider);
        CHECK(e.where().http_status == 401);
        CHECK(std::string(e.what()).find(kKey) == std::string::npos);
    }
}

TEST_CASE("a missing key variable fails before any request", "[provider][stub]") {
    testing::ScopedEnv no_key(kKeyVar, nullptr);
    StubServer stub;
    ProviderConfig c = stub_provider(stub);
    try {
        BatchRunner runner(c, {});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Provider);
        CHECK_THAT(std::string(e.what()), Catch::Contains(kKeyVar));
    }
    CHECK_THAT(stub_stats(stub), Catch::Contains("\"total\":0"));
}

TEST_CASE("an unreachable endpoint fails after the retries with URL and last error",
          "[provider][stub]") {
    KeyEnv key;
    ProviderConfig c;
    c.id = "down";
    c.type = ProviderType::OpenAI;
    c.model = "m";
    c.base_url = "http://127.0.0.1:1/v1";
    c.api_key_env = kKeyVar;
    c.retry.max_retries = 2;
    c.retry.base_delay_ms = 5;
    try {
        run_all(c, {ask_terse("a")});
        FAIL("no error");
    } catch (const Error& e) {
        std::string what = e.what();
        CHECK(e.kind() == ErrorKind::Provider);
        CHECK_THAT(what, Catch::Contains("http://127.0.0.1:1/v1/chat/completions"));
        CHECK_THAT(what, Catch::Contains("after 3 attempts"));
        CHECK_THAT(what,
                   Catch::Contains("onnect")); // curl's "Couldn't connect" / "Connection refused"
    }
}

TEST_CASE("malformed answers are per-row errors with the raw body kept", "[provider][stub]") {
    KeyEnv key;
    StubServer stub({"--fault-first", "2", "--faults", "malformed,truncated_json"});
    ProviderConfig c = stub_provider(stub);
    EngineOptions o;
    o.concurrency = 1;
    auto results = run_all(c, {ask_terse("one"), ask_terse("two"), ask_terse("three")}, o);
    CHECK(results[0].error == ProviderErrorKind::BadResponse);
    CHECK(results[1].error == ProviderErrorKind::BadResponse);
    CHECK_FALSE(results[0].raw.empty());
    CHECK_FALSE(results[1].raw.empty());
    CHECK(results[0].attempts == 1); // not retried: the server answered, badly
    REQUIRE(results[2].ok());
    CHECK(results[2].text == "THREE");
}

TEST_CASE("429 with an HTTP-date Retry-After is retried", "[provider][stub]") {
    KeyEnv key;
    StubServer stub(
        {"--fault-first", "1", "--faults", "429", "--retry-after", "1", "--retry-after-date"});
    ProviderConfig c = stub_provider(stub);
    BatchRunner runner(c, {});
    ChatResult got;
    auto summary = runner.run(std::vector<ChatRequest>{ask_terse("x")},
                              [&](std::size_t, ChatResult&& r) { got = r; });
    REQUIRE(got.ok());
    CHECK(got.attempts == 2);
    CHECK(summary.totals.retries == 1);
}

TEST_CASE("a retry after 429 waits at least as long as Retry-After says", "[provider][stub]") {
    KeyEnv key;
    // One 429 with "Retry-After: 1"; the backoff alone would wait 5-10 ms.
    StubServer stub({"--fault-first", "1", "--faults", "429", "--retry-after", "1"});
    ProviderConfig c = stub_provider(stub);
    REQUIRE(c.retry.base_delay_ms < 100);
    using Clock = std::chrono::steady_clock;
    std::vector<std::pair<Clock::time_point, std::string>> log;
    EngineOptions o;
    o.log = [&](std::string_view line) { log.emplace_back(Clock::now(), std::string(line)); };
    BatchRunner runner(c, o);
    ChatResult got;
    runner.run(std::vector<ChatRequest>{ask_terse("x")},
               [&](std::size_t, ChatResult&& r) { got = r; });
    REQUIRE(got.ok());
    CHECK(got.attempts == 2);
    // The moments the 429 was handled (the retry is logged then) and the second POST left.
    std::optional<Clock::time_point> refused, second_post;
    int posts = 0;
    for (const auto& [at, line] : log) {
        if (line.starts_with("retry 1/")) refused = at;
        if (line.starts_with("-> POST") && ++posts == 2) second_post = at;
    }
    REQUIRE(refused);
    REQUIRE(second_post);
    // A lower bound only: the retry came no sooner than the server asked.
    CHECK(*second_post - *refused >= std::chrono::milliseconds(1000));
}

TEST_CASE("20% faults of every kind over 1,000 requests: every row answered or failed",
          "[provider][stub]") {
    KeyEnv key;
    StubServer stub({"--fault-rate", "0.2", "--faults",
                     "429,500,502,503,hang,malformed,truncated,truncated_json", "--hang-ms", "1500",
                     "--retry-after", "0", "--seed", "7", "--keep-requests", "0"});
    ProviderConfig c = stub_provider(stub);
    c.timeout_s = 0.4;
    c.retry.max_retries = 6;
    std::vector<ChatRequest> requests;
    for (int i = 0; i < 1000; ++i)
        requests.push_back(ask_terse("row " + std::to_string(i)));
    EngineOptions o;
    o.concurrency = 32;
    o.fail_fast = false;
    BatchRunner runner(c, o);
    std::vector<ChatResult> out(1000);
    std::vector<int> seen(1000, 0);
    auto summary = runner.run(std::move(requests), [&](std::size_t i, ChatResult&& r) {
        ++seen[i];
        out[i] = std::move(r);
    });
    std::size_t ok = 0, failed = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        REQUIRE(seen[i] == 1);
        if (out[i].ok()) {
            ++ok;
            CHECK(out[i].text == "ROW " + std::to_string(i));
        } else {
            ++failed;
            CHECK_FALSE(out[i].error_message.empty());
            // A bad response is final (never retried); any other failure only once its retries
            // ran out (rare: seven faults in a row, or a loaded machine cutting connections).
            if (out[i].error != ProviderErrorKind::BadResponse)
                CHECK(out[i].attempts == c.retry.max_retries + 1);
            CHECK(out[i].attempts <= c.retry.max_retries + 1);
            CHECK_FALSE(out[i].raw.empty());
        }
    }
    CHECK(ok + failed == 1000);
    CHECK(ok > 900);
    CHECK(summary.totals.retries > 50);
    CHECK(summary.totals.done == 1000);
    CHECK(summary.totals.errors == failed);
}

TEST_CASE("the response cache answers repeats, and the key is in no row, raw body or log",
          "[provider][stub]") {
    KeyEnv key;
    StubServer stub({"--require-key", kKey, "--latency-ms", "20"});
    testing::TempDir dir;
    store::Database db = store::Database::open(dir.path() / "store.db", true);
    store::migrate(db);
    ProviderConfig c = stub_provider(stub);
    c.price = ModelPrice{1.0, 2.0};
    std::vector<std::string> log;
    EngineOptions o;
    o.cache_db = dir.path() / "store.db";
    o.log = [&](std::string_view line) { log.emplace_back(line); };
    std::vector<ChatRequest> requests = {ask_terse("alpha"), ask_terse("beta"), ask_terse("alpha")};
    auto first = run_all(c, requests, o);
    CHECK(first[0].ok());
    CHECK_FALSE(first[0].cached);
    CHECK(first[0].cost_usd > 0);
    auto second = run_all(c, requests, o);
    for (const auto& r : second) {
        CHECK(r.cached);
        CHECK(r.attempts == 0);
        CHECK(r.cost_usd > 0);
    }
    // Cached answers keep what the call that produced them measured.
    CHECK(first[1].latency_ms >= 20);
    CHECK(second[1].latency_ms == first[1].latency_ms);
    CHECK(second[1].prompt_tokens == first[1].prompt_tokens);
    CHECK(second[1].completion_tokens == first[1].completion_tokens);
    CHECK(second[1].cost_usd == first[1].cost_usd);
    CHECK(second[1].text == "BETA");
    CHECK_THAT(stub_stats(stub), Catch::Contains("\"total\":3"));
    o.read_cache = false; // --no-cache
    auto third = run_all(c, {ask_terse("alpha")}, o);
    CHECK_FALSE(third[0].cached);
    CHECK_THAT(stub_stats(stub), Catch::Contains("\"total\":4"));

    // Every column of every cache row, as text.
    store::Statement rows = db.prepare("SELECT * FROM provider_cache");
    int n = 0;
    while (rows.step()) {
        ++n;
        for (int col = 0; col < 13; ++col)
            CHECK(rows.column_optional_text(col).value_or("").find(kKey) == std::string::npos);
    }
    CHECK(n == 2);
    REQUIRE_FALSE(log.empty());
    bool saw_auth = false;
    for (const auto& line : log) {
        CHECK(line.find(kKey) == std::string::npos);
        if (line.find("Authorization: [REDACTED]") != std::string::npos) saw_auth = true;
    }
    CHECK(saw_auth);
}

TEST_CASE("a server that echoes the key gets it stored nowhere", "[provider][stub]") {
    KeyEnv key;
    // Reflects every credential header in answers, model names, bodies and error messages.
    StubServer stub({"--require-key", kKey, "--echo-key", "--fault-first", "1", "--faults", "400"});
    testing::TempDir dir;
    store::Database db = store::Database::open(dir.path() / "store.db", true);
    store::migrate(db);
    constexpr const char* kHeaderSecret = "tok-from-a-header-31415";
    std::vector<std::string> log;
    EngineOptions o;
    o.concurrency = 1;
    o.fail_fast = false;
    o.cache_db = dir.path() / "store.db";
    o.log = [&](std::string_view line) { log.emplace_back(line); };
    auto no_secret = [&](const std::string& text) {
        CHECK(text.find(kKey) == std::string::npos);
        CHECK(text.find(kHeaderSecret) == std::string::npos);
    };
    for (bool stream : {false, true}) {
        INFO("stream " << stream);
        ProviderConfig c = stub_provider(stub);
        c.stream = stream;
        c.headers = {{"X-Secret-Token", kHeaderSecret}};
        // Prompts of their own: a streamed request must not be answered from the cache.
        const std::string first = stream ? "three" : "one", second = stream ? "four" : "two";
        auto results = run_all(c, {ask_terse(first), ask_terse(second)}, o);
        if (!stream) { // the first request of the stub's life gets the injected 400
            CHECK(results[0].error == ProviderErrorKind::BadRequest);
            CHECK_THAT(results[0].error_message, Catch::Contains("[echo"));
        }
        const ChatResult& answered = results[1];
        REQUIRE(answered.ok());
        // The echo was there, and the secrets in it were replaced.
        CHECK_FALSE(answered.cached);
        CHECK_THAT(answered.text, Catch::StartsWith(stream ? "FOUR [echo " : "TWO [echo "));
        CHECK_THAT(answered.text, Catch::Contains("Bearer [REDACTED]"));
        CHECK_THAT(answered.text, Catch::Contains("X-Secret-Token: [REDACTED]"));
        for (const auto& r : results) {
            no_secret(r.text);
            no_secret(r.raw);
            no_secret(r.error_message);
            no_secret(r.model);
        }
        // Answered again from the cache: still nothing.
        auto cached = run_all(c, {ask_terse(second)}, o);
        CHECK(cached[0].cached);
        CHECK(cached[0].text == answered.text);
        no_secret(cached[0].raw);
        no_secret(cached[0].model);
    }
    store::Statement rows = db.prepare("SELECT * FROM provider_cache");
    int n = 0;
    while (rows.step()) {
        ++n;
        for (int col = 0; col < 13; ++col)
            no_secret(rows.column_optional_text(col).value_or(""));
    }
    CHECK(n >= 2);
    for (const auto& line : log)
        no_secret(line);
}

TEST_CASE("cancellation delivers every request, the rest as Cancelled", "[provider][stub]") {
    KeyEnv key;
    StubServer stub({"--latency-ms", "100"});
    ProviderConfig c = stub_provider(stub);
    EngineOptions o;
    o.concurrency = 2;
    BatchRunner runner(c, o);
    std::vector<ChatRequest> requests;
    for (int i = 0; i < 20; ++i)
        requests.push_back(ask_terse("r"));
    std::size_t delivered = 0, cancelled = 0;
    // From another thread, as a SIGINT handler would, once requests are in flight (each waits
    // 100 ms at the stub, so some are still in flight when it lands).
    std::thread canceller([&] {
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (runner.progress().in_flight == 0 && std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        runner.cancel();
    });
    auto summary = runner.run(std::move(requests), [&](std::size_t, ChatResult&& r) {
        ++delivered;
        if (r.error == ProviderErrorKind::Cancelled) ++cancelled;
    });
    canceller.join();
    CHECK(summary.cancelled);
    CHECK(delivered == summary.totals.done);
    CHECK(cancelled > 0);
    CHECK(delivered < 20); // requests never taken from the source are not reported
    CHECK(runner.progress().in_flight == 0);
}

TEST_CASE("exec runs a local program: text and JSON input, errors, timeouts", "[provider]") {
    testing::TempDir dir;
    auto script = [&](const std::string& name, const std::string& body) {
        auto p = dir.path() / name;
        std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
        ::chmod(p.c_str(), 0755);
        return p.string();
    };
    ProviderConfig c;
    c.type = ProviderType::Exec;
    c.timeout_s = 5;
    c.command = script("upper.sh", "tr a-z A-Z");
    c.input_format = ExecFormat::Text;
    EngineOptions two;
    two.concurrency = 2;
    auto r = run_all(c, {ask_terse("hello"), ask_terse("world")}, two);
    REQUIRE(r[0].ok());
    CHECK(r[0].text == "YOU ARE TERSE.\n\nHELLO");
    CHECK(r[1].text == "YOU ARE TERSE.\n\nWORLD");
    CHECK(r[0].completion_tokens > 0);

    c.input_format = ExecFormat::Json;
    c.command = "cat";
    auto j = run_all(c, {ask_terse("hi")});
    REQUIRE(j[0].ok());
    auto doc = nlohmann::json::parse(j[0].text);
    CHECK(doc["messages"][1]["content"] == "hi");

    c.command = "printf '{\"text\":\"T\",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1}}'";
    c.output_json = true;
    auto oj = run_all(c, {ask_terse("hi")});
    REQUIRE(oj[0].ok());
    CHECK(oj[0].text == "T");
    CHECK(oj[0].prompt_tokens == 9);
    c.output_json = false;

    c.command = script("fail.sh", "cat >/dev/null; echo boom >&2; exit 3");
    auto f = run_all(c, {ask_terse("x")});
    CHECK(f[0].error == ProviderErrorKind::Exec);
    CHECK_THAT(f[0].error_message, Catch::Contains("status 3"));
    CHECK_THAT(f[0].error_message, Catch::Contains("boom"));
    CHECK(f[0].attempts == 1); // a program's failure is not retried

    c.command = "sleep 10";
    c.timeout_s = 0.3;
    c.retry.max_retries = 1;
    c.retry.base_delay_ms = 1;
    auto t = run_all(c, {ask_terse("x")});
    CHECK(t[0].error == ProviderErrorKind::Timeout);
    CHECK(t[0].attempts == 2);
}

TEST_CASE("echo returns the rendered prompt", "[provider]") {
    ProviderConfig c = resolve_provider({}, "echo");
    auto r = run_all(c, {ask_terse("ping")});
    REQUIRE(r[0].ok());
    CHECK(r[0].text == "You are terse.\n\nping");
    CHECK(complete(c, ask_terse("x")).text == "You are terse.\n\nx");
}
