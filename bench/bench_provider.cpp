// Drives BatchRunner against an OpenAI-compatible endpoint (the stub) for bench_provider.sh:
//   bench_provider --url URL [--requests N] [--concurrency C] [--cache-db FILE] [--stream]
// Prints one line: requests ok errors retries cache_hits wall_s req_per_s.
#include "provider/batch_runner.hpp"
#include "store/migrations.hpp"

#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <optional>
#include <string>

using namespace llmops;
using namespace llmops::provider;

int main(int argc, char** argv) {
    std::string url, cache_db;
    std::size_t requests = 10000, concurrency = 32;
    bool stream = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                fmt::print(stderr, "{} needs a value\n", a);
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--url")
            url = value();
        else if (a == "--requests")
            requests = std::stoul(value());
        else if (a == "--concurrency")
            concurrency = std::stoul(value());
        else if (a == "--cache-db")
            cache_db = value();
        else if (a == "--stream")
            stream = true;
        else {
            fmt::print(stderr, "unknown option {}\n", a);
            return 2;
        }
    }
    if (url.empty()) {
        fmt::print(stderr, "--url is required\n");
        return 2;
    }
    try {
        ProviderConfig c;
        c.id = "bench";
        c.type = ProviderType::OpenAI;
        c.model = "stub-model";
        c.base_url = url + "/v1";
        c.api_key_env = "";
        c.stream = stream;
        c.timeout_s = 30;
        EngineOptions o;
        o.concurrency = concurrency;
        if (!cache_db.empty()) {
            store::Database db = store::Database::open(cache_db, true);
            store::migrate(db);
            o.cache_db = std::filesystem::path(cache_db);
        }
        BatchRunner runner(c, o);
        std::size_t next = 0, errors = 0;
        auto summary = runner.run(
            [&]() -> std::optional<ChatRequest> {
                if (next >= requests) return std::nullopt;
                ChatRequest r;
                r.messages = {{"system", "You are a helpful support assistant.", ""},
                              {"user",
                               fmt::format("Question {}: how do I reset my password "
                                           "on the billing page?",
                                           next++),
                               ""}};
                r.parameters = {{"temperature", 0}, {"max_tokens", 64}};
                return r;
            },
            [&](std::size_t, ChatResult&& r) {
                if (!r.ok()) {
                    if (++errors <= 3) fmt::print(stderr, "error: {}\n", r.error_message);
                }
            });
        const auto& t = summary.totals;
        fmt::print("requests={} ok={} errors={} retries={} cache_hits={} wall_s={:.3f} "
                   "req_per_s={:.0f}\n",
                   t.done, t.succeeded, t.errors, t.retries, t.cache_hits, summary.wall_s,
                   static_cast<double>(t.done) / summary.wall_s);
        return errors == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        fmt::print(stderr, "bench_provider: {}\n", e.what());
        return 1;
    }
}
