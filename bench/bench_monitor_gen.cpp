// Fills a project store's request log for bench/bench_monitor.sh: ROWS requests spread evenly
// over the DAYS before now, in time order, through the gateway's own writer
// (serve::RequestLogWriter on the SQLite backend), and prints the writer's rate: rows over the
// wall and CPU time spent from handing it a group of 4,096 records to their commit (making the
// records is not counted; the machine may be shared, so CPU time is the steadier figure).
// usage: bench_monitor_gen DB_FILE ROWS DAYS
#include "serve/request_log.hpp"
#include "stats/statistics.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "core/time.hpp"

using namespace llmops;

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: bench_monitor_gen DB_FILE ROWS DAYS\n");
        return 2;
    }
    const std::string db_file = argv[1];
    const long long rows = std::atoll(argv[2]);
    const double days = std::atof(argv[3]);
    if (rows <= 0 || days <= 0) return 2;
    auto backend = serve::open_store_request_log(std::filesystem::path(db_file));
    stats::Xoshiro256 rng(42);
    auto uniform = [&rng] { return static_cast<double>(rng.next() >> 11) / 9007199254740992.0; };
    const std::int64_t end_ms = now_unix_ms();
    const auto span_ms = static_cast<std::int64_t>(days * 86400000.0);
    const std::int64_t start_ms = end_ms - span_ms;
    static const char* routes[] = {"qa", "summary", "classify", "chat", "extract"};
    static const char* providers[] = {"openai", "anthropic"};
    static const char* models[] = {"gpt-4o-mini", "claude-3-5-haiku"};

    double wall_s = 0, cpu_s = 0;
    auto cpu_now = [] {
        timespec ts{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
    };
    {
        serve::RequestLogWriter writer(*backend);
        std::vector<serve::RequestRecord> group;
        for (long long i = 0; i < rows; ++i) {
            serve::RequestRecord r;
            std::int64_t ms = start_ms + static_cast<std::int64_t>(
                                             static_cast<double>(span_ms) *
                                             (static_cast<double>(i) / static_cast<double>(rows)));
            r.id = serve::make_request_id(ms, static_cast<std::uint32_t>(i));
            r.created_at = iso8601_from_ms(ms);
            r.env = "production";
            r.method = "POST";
            r.path = "/v1/chat/completions";
            std::uint64_t route = rng.below(5);
            r.route = routes[route];
            // Three releases per route over the month; the newest takes 10% as a canary.
            std::int64_t release = 1 + (ms - start_ms) * 3 / (span_ms + 1);
            r.canary = release == 3 && rng.below(10) == 0;
            r.release_number = r.canary ? release : std::max<std::int64_t>(1, release - 1);
            r.release_id = static_cast<std::int64_t>(route) * 10 + *r.release_number;
            r.prompt_version = std::string(routes[route]) + "@" + std::to_string(*r.release_number);
            std::uint64_t p = rng.below(2);
            r.provider = providers[p];
            r.model = models[p];
            r.key_name = "app-" + std::to_string(rng.below(10));
            char user[17];
            std::snprintf(user, sizeof user, "%016llx",
                          static_cast<unsigned long long>(stats::mix64(rng.below(10000))));
            r.user_hash = user;
            bool failed = rng.below(100) < 2;
            r.status = failed ? 502 : 200;
            if (failed) {
                r.error_kind = "upstream_server";
                r.error_message = "HTTP 500 from the provider";
            }
            r.upstream_ms = 200.0 * std::exp(1.2 * (uniform() - 0.5) * 2);
            r.queue_ms = uniform() < 0.9 ? 0.02 : 50 * uniform();
            r.overhead_ms = 0.05 + 0.1 * uniform();
            r.total_ms = r.upstream_ms + r.queue_ms + r.overhead_ms;
            r.streamed = rng.below(10) < 3;
            if (r.streamed) r.ttft_ms = r.upstream_ms * 0.2;
            r.cached = !failed && rng.below(20) == 0;
            r.prompt_tokens = 200 + static_cast<std::int64_t>(rng.below(800));
            r.completion_tokens = failed ? 0 : 20 + static_cast<std::int64_t>(rng.below(300));
            r.cost_usd = r.cached ? 0
                                  : (static_cast<double>(r.prompt_tokens) * 0.15 +
                                     static_cast<double>(r.completion_tokens) * 0.6) /
                                        1e6;
            r.body_policy = "none";
            group.push_back(std::move(r));
            if (group.size() == 4096 || i + 1 == rows) {
                auto wall0 = std::chrono::steady_clock::now();
                double cpu0 = cpu_now();
                for (auto& record : group)
                    writer.append(std::move(record));
                writer.flush();
                cpu_s += cpu_now() - cpu0;
                wall_s +=
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
                group.clear();
            }
        }
    }
    std::printf("rows=%lld wall_s=%.3f cpu_s=%.3f rows_per_cpu_second=%.0f "
                "rows_per_second=%.0f\n",
                rows, wall_s, cpu_s, static_cast<double>(rows) / cpu_s,
                static_cast<double>(rows) / wall_s);
    return 0;
}
