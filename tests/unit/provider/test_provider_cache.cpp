#include "provider/exec_programs.hpp"
#include "provider/response_cache.hpp"
#include "store/migrations.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
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
        // A hit keeps the latency of the call that produced it: latency metrics of a cached
        // rerun measure the model, not the cache.
        CHECK(hit->latency_ms == 123);
        CHECK_FALSE(hit->ttft_ms);
        CHECK(hit->attempts == 0);
        CHECK(cache.get("k1", "openai"));
        ChatResult streamed = r;
        streamed.ttft_ms = 45.5;
        cache.put("k3", streamed, "openai", "m");
        cache.flush();
        auto streamed_hit = cache.get("k3", "openai");
        REQUIRE(streamed_hit);
        CHECK(streamed_hit->ttft_ms == 45.5);
        CHECK(streamed_hit->latency_ms == 123);
    } // destructor flushes hit counts
    {
        // An entry from before latencies were kept (NULL) is a miss: it gets asked again.
        db.exec("UPDATE provider_cache SET latency_ms = NULL WHERE key = 'k3'");
        ResponseCache cache(dir.path() / "store.db");
        CHECK_FALSE(cache.get("k3", "openai"));
        CHECK(cache.get("k2", "openai"));
        db.exec("DELETE FROM provider_cache WHERE key = 'k3'");
    } // destructor flushes hit counts
    CacheStats s = cache_stats(db);
    CHECK(s.entries == 2);
    CHECK(s.hits == 4);
    CHECK(s.groups.at(0).hits == 4);
    CHECK(s.bytes > 0);
    REQUIRE(s.groups.size() == 1);
    CHECK(s.groups[0].provider_type == "openai");
    CHECK_FALSE(s.oldest.empty());

    CHECK(cache_clear(db, 3600.0) == 0); // nothing older than an hour
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(cache_clear(db, 0.0) == 2); // everything created before now
    CHECK(cache_stats(db).entries == 0);
    CHECK(cache_stats(db).hits == 4); // --older-than keeps the hit counts
    CHECK(cache_clear(db) == 0);
    CHECK(cache_stats(db).hits == 0); // a full clear forgets them
    CHECK(iso8601_from_unix_ms(0) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("shell words: blanks split, quotes group, backslashes escape", "[provider]") {
    using V = std::vector<std::string>;
    CHECK(shell_words("python3 model.py --t 0") == V{"python3", "model.py", "--t", "0"});
    CHECK(shell_words("  ./run\\ me.sh  'a b' \"c \\\"d\\\"\" ") ==
          V{"./run me.sh", "a b", "c \"d\""});
    CHECK(shell_words("x ''") == V{"x", ""});
    CHECK(shell_words("").empty());
}

TEST_CASE("exec cache keys change when a program file the command names changes", "[provider]") {
    testing::TempDir dir;
    auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir.path() / name, std::ios::trunc) << text;
    };
    write("model.py", "print('v1')\n");
    write("prompt.cfg", "temperature: 0\n");
    ProviderConfig c;
    c.id = "exec:python3 model.py";
    c.type = ProviderType::Exec;
    c.command = "python3 model.py --config prompt.cfg --missing nothing-here.txt";
    c.working_dir = dir.path();

    nlohmann::json programs = exec_program_fingerprints(c);
    CHECK(programs.size() == 2); // the interpreter on PATH and missing files are not files here
    CHECK(programs.contains("model.py"));
    CHECK(programs.contains("prompt.cfg"));
    CHECK(programs["model.py"].get<std::string>().size() == 32);

    std::string before = RequestKeyer(c).key(ask("hi"));
    CHECK(RequestKeyer(c).key(ask("hi")) == before); // stable while nothing changes
    write("model.py", "print('v2, fixed')\n");
    std::string after_fix = RequestKeyer(c).key(ask("hi"));
    CHECK(after_fix != before);
    write("prompt.cfg", "temperature: 1\n");
    CHECK(RequestKeyer(c).key(ask("hi")) != after_fix);

    // The program itself as the first word, by path.
    ProviderConfig direct = c;
    direct.command = (dir.path() / "model.py").string();
    direct.working_dir.clear();
    CHECK(exec_program_fingerprints(direct).size() == 1);
    // A command that names no file keys as it always did: on the command text alone.
    ProviderConfig plain = c;
    plain.command = "tr a-z A-Z";
    CHECK(exec_program_fingerprints(plain).empty());
    CHECK_FALSE(RequestKeyer(plain).canonical(ask("hi")).contains("programs"));
}
