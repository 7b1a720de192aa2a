#include "provider/response_cache.hpp"
#include "store/migrations.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

using namespace llmops;
using namespace llmops::provider;

namespace {
ProviderConfig openai() {
    ProviderConfig c;
    c.id = "p";
    c.type = ProviderType::OpenAI;
    c.model = "m";
    c.base_url = "http://h/v1";
    c.api_key_env = "K";
    c.headers = {{"X-Secret-Token", "sk-header-secret"}};
    return c;
}
ChatRequest ask(const std::string& text) {
    ChatRequest r;
    r.messages = {{"user", text, ""}};
    return r;
}
} // namespace

TEST_CASE("cache keys: stable, sensitive to the request, blind to secrets and streaming",
          "[provider]") {
    ProviderConfig c = openai();
    RequestKeyer keyer(c);
    std::string k = keyer.key(ask("hi"));
    CHECK(k.size() == 32);
    CHECK(keyer.key(ask("hi")) == k);
    CHECK(keyer.key(ask("hi!")) != k);
    ChatRequest hot = ask("hi");
    hot.parameters = {{"temperature", 1}};
    CHECK(keyer.key(hot) != k);
    ProviderConfig other_model = c;
    other_model.model = "m2";
    CHECK(RequestKeyer(other_model).key(ask("hi")) != k);
    ProviderConfig other_url = c;
    other_url.base_url = "http://other/v1";
    CHECK(RequestKeyer(other_url).key(ask("hi")) != k);
    ProviderConfig streaming = c;
    streaming.stream = true;
    CHECK(RequestKeyer(streaming).key(ask("hi")) == k);
    ProviderConfig other_headers = c;
    other_headers.headers = {{"X-Secret-Token", "another"}};
    CHECK(RequestKeyer(other_headers).key(ask("hi")) == k);
    // Parameter key order does not matter (canonical JSON).
    ChatRequest a = ask("x"), b = ask("x");
    a.parameters = {{"temperature", 0}, {"top_p", 1}};
    b.parameters = nlohmann::json::parse(R"({"top_p":1,"temperature":0})");
    CHECK(keyer.key(a) == keyer.key(b));

    std::string canonical = keyer.canonical(ask("hi")).dump();
    CHECK(canonical.find("sk-header-secret") == std::string::npos);
    CHECK(canonical.find("Authorization") == std::string::npos);
}

TEST_CASE("cache put, get, stats and clear", "[provider]") {
    testing::TempDir dir;
    store::Database db = store::Database::open(dir.path() / "store.db", true);
    store::migrate(db);
    ChatResult r;
    r.text = "ANSWER";
    r.finish_reason = "stop";
    r.prompt_tokens = 3;
    r.completion_tokens = 2;
    r.model = "m";
    r.raw = "{}";
    r.latency_ms = 123;
    {
        ResponseCache cache(dir.path() / "store.db");
        CHECK_FALSE(cache.get("k1", "openai"));
        cache.put("k1", r, "openai", "m");
        cache.put("k2", r, "openai", "m");
        cache.flush();
        auto hit = cache.get("k1", "openai");
        REQUIRE(hit);
        CHECK(hit->cached);
        CHECK(hit->text == "ANSWER");
        CHECK(hit->prompt_tokens == 3);
        CHECK(hit->completion_tokens == 2);
        CHECK(hit->latency_ms == 0); // latency belongs to the call that made it
        CHECK(cache.get("k1", "openai"));
    } // destructor flushes hit counts
    CacheStats s = cache_stats(db);
    CHECK(s.entries == 2);
    CHECK(s.hits == 2);
    CHECK(s.groups.at(0).hits == 2);
    CHECK(s.bytes > 0);
    REQUIRE(s.groups.size() == 1);
    CHECK(s.groups[0].provider_type == "openai");
    CHECK_FALSE(s.oldest.empty());

    CHECK(cache_clear(db, 3600.0) == 0); // nothing older than an hour
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(cache_clear(db, 0.0) == 2); // everything created before now
    CHECK(cache_stats(db).entries == 0);
    CHECK(cache_stats(db).hits == 2); // --older-than keeps the hit counts
    CHECK(cache_clear(db) == 0);
    CHECK(cache_stats(db).hits == 0); // a full clear forgets them
    CHECK(iso8601_from_unix_ms(0) == "1970-01-01T00:00:00.000Z");
}
