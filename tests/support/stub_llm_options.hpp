// Command-line options of the stub model-provider server (tests/support/stub_llm.cpp).
// Header-only because CMake turns every tests/support/*.cpp into its own executable.
#pragma once

#include "stub_llm_faults.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace stub_llm {

enum class AnswerMode { upper, echo, answers };

struct Options {
    std::string host = "127.0.0.1";
    int port = 0;
    std::string port_file;
    int threads = 64;
    std::string require_key;
    bool echo_key = false;          // reflect credential headers in answers and errors
    std::optional<AnswerMode> mode; // unset: answers when --answers is given, else upper
    std::string answers_file;
    std::vector<std::string> models = {"stub-model"};
    int latency_ms = 0;
    int jitter_ms = 0;
    int sse_chunk_delay_ms = 0;
    double fault_rate = 0.0;
    std::vector<Fault> faults = {parse_fault("429"), parse_fault("500")};
    bool faults_given = false;
    FaultOrder fault_order = FaultOrder::random;
    std::uint64_t fault_first = 0;
    std::uint64_t seed = 0;
    std::string retry_after = "1"; // seconds; "none" sends no Retry-After
    bool retry_after_date = false;
    int hang_ms = 30000;
    int slow_sse_delay_ms = 2000;
    int keep_alive_timeout_s = 2;
    int shutdown_grace_ms = 5000;
    std::size_t keep_requests = 100;
    bool log = false;
};

inline constexpr const char* usage_text = R"(usage: stub_llm [options]

A deterministic OpenAI- and Anthropic-shaped model server for tests and benchmarks.
Listens on 127.0.0.1 only. Prints "PORT <n>" on stdout once it accepts connections.

  --port N                 port to listen on; 0 (default) picks a free one
  --port-file FILE         also write the port (atomically) to FILE
  --threads N              worker threads = concurrent connections served (default 64)
  --require-key KEY        demand KEY: "Authorization: Bearer KEY" (OpenAI), "api-key: KEY"
                           (Azure), "x-api-key: KEY" + "anthropic-version" (Anthropic)
  --echo-key               reflect the credential headers it got (Authorization, api-key,
                           x-api-key, any *key*/*token*/*secret* header) in every answer,
                           its model name, its body and error messages: a hostile endpoint
  --mode upper|echo|answers
                           upper: last user message upper-cased (ASCII; default)
                           echo: last user message verbatim
                           answers: first --answers line whose "match" occurs in the last
                           user message, else upper (default when --answers is given)
  --answers FILE.jsonl     lines {"match": "...", "answer": "..."}
  --models A,B             ids listed by GET /v1/models (default stub-model)
  --latency-ms N           added latency per model request (default 0)
  --jitter-ms N            plus a deterministic 0..N ms (default 0)
  --sse-chunk-delay-ms N   delay between streamed chunks (default 0)
  --fault-rate R           fraction 0..1 of model requests that get a fault (default 0)
  --faults LIST            fault kinds, comma-separated (default 429,500):
                           429, 503 or any 4xx/5xx status, hang, malformed, truncated,
                           truncated_json, slow_sse
  --fault-order random|round-robin
                           random (default): seeded coin per request, kind drawn at random;
                           round-robin: faults evenly spaced (first request faulted), kinds in
                           list order
  --fault-first N          the first N model requests always get a fault (kinds in order)
  --seed S                 seed for fault and jitter choices (default 0)
  --retry-after V          Retry-After seconds on 429/503 (default 1; "none" omits it)
  --retry-after-date       send Retry-After as an HTTP-date (now + V seconds)
  --hang-ms N              how long "hang" waits before answering (default 30000)
  --slow-sse-delay-ms N    delay between chunks under "slow_sse" (default 2000)
  --keep-alive-timeout S   close idle keep-alive connections after S seconds (default 2)
  --shutdown-grace-ms N    on shutdown, wait this long for connections, then exit (default 5000)
  --keep-requests N        remember the last N model requests for GET /requests (default 100)
  --log                    one line per request on stderr
  -h, --help               this text

Per-request headers: X-Stub-Fault: KIND (or "none") overrides the fault plan;
X-Stub-Latency-Ms: N overrides --latency-ms/--jitter-ms.
Control endpoints: GET /stats, POST /reset-stats, GET /requests, GET /healthz, POST /shutdown.
Exits 0 on SIGTERM, SIGINT or POST /shutdown; 2 on a usage error; 1 if it cannot listen.
)";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline long long parse_int(const std::string& flag, const std::string& text, long long lo,
                           long long hi) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0 || v < lo || v > hi)
        throw UsageError(
            fmt::format("{} wants an integer in [{}, {}], got '{}'", flag, lo, hi, text));
    return v;
}

inline std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        std::string item = text.substr(start, comma - start);
        if (!item.empty()) out.push_back(item);
        start = comma + 1;
    }
    return out;
}

// Accepts "--flag value" and "--flag=value". Throws UsageError; returns nullopt for --help.
inline std::optional<Options> parse_options(int argc, char** argv) {
    Options o;
    const int max_ms = 24 * 3600 * 1000;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        std::string value;
        bool has_inline_value = false;
        if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            has_inline_value = true;
        }
        auto next = [&]() -> const std::string& {
            if (has_inline_value) return value;
            if (i + 1 >= argc) throw UsageError(arg + " needs a value");
            value = argv[++i];
            return value;
        };
        if (arg == "-h" || arg == "--help") {
            return std::nullopt;
        } else if (arg == "--port") {
            o.port = static_cast<int>(parse_int(arg, next(), 0, 65535));
        } else if (arg == "--port-file") {
            o.port_file = next();
        } else if (arg == "--threads") {
            o.threads = static_cast<int>(parse_int(arg, next(), 1, 4096));
        } else if (arg == "--require-key") {
            o.require_key = next();
            if (o.require_key.empty()) throw UsageError("--require-key wants a non-empty key");
        } else if (arg == "--echo-key") {
            o.echo_key = true;
        } else if (arg == "--mode") {
            const std::string& m = next();
            if (m == "upper")
                o.mode = AnswerMode::upper;
            else if (m == "echo")
                o.mode = AnswerMode::echo;
            else if (m == "answers")
                o.mode = AnswerMode::answers;
            else
                throw UsageError("--mode wants upper, echo or answers, got '" + m + "'");
        } else if (arg == "--answers") {
            o.answers_file = next();
        } else if (arg == "--models") {
            o.models = split_list(next());
            if (o.models.empty()) throw UsageError("--models wants at least one id");
        } else if (arg == "--latency-ms") {
            o.latency_ms = static_cast<int>(parse_int(arg, next(), 0, max_ms));
        } else if (arg == "--jitter-ms") {
            o.jitter_ms = static_cast<int>(parse_int(arg, next(), 0, max_ms));
        } else if (arg == "--sse-chunk-delay-ms") {
            o.sse_chunk_delay_ms = static_cast<int>(parse_int(arg, next(), 0, max_ms));
        } else if (arg == "--fault-rate") {
            const std::string& r = next();
            char* end = nullptr;
            double v = std::strtod(r.c_str(), &end);
            if (r.empty() || *end != '\0' || !(v >= 0.0 && v <= 1.0))
                throw UsageError("--fault-rate wants a number in [0, 1], got '" + r + "'");
            o.fault_rate = v;
        } else if (arg == "--faults") {
            o.faults.clear();
            for (const auto& k : split_list(next())) {
                Fault f = parse_fault(k);
                if (f.kind == FaultKind::none)
                    throw UsageError("--faults: unknown fault kind '" + k + "'");
                o.faults.push_back(f);
            }
            if (o.faults.empty()) throw UsageError("--faults wants at least one kind");
            o.faults_given = true;
        } else if (arg == "--fault-order") {
            const std::string& m = next();
            if (m == "random")
                o.fault_order = FaultOrder::random;
            else if (m == "round-robin")
                o.fault_order = FaultOrder::round_robin;
            else
                throw UsageError("--fault-order wants random or round-robin, got '" + m + "'");
        } else if (arg == "--fault-first") {
            o.fault_first = static_cast<std::uint64_t>(parse_int(arg, next(), 0, 1LL << 40));
        } else if (arg == "--seed") {
            o.seed = static_cast<std::uint64_t>(parse_int(arg, next(), 0, 1LL << 62));
        } else if (arg == "--retry-after") {
            o.retry_after = next();
            if (o.retry_after != "none") parse_int(arg, o.retry_after, 0, 1 << 30);
        } else if (arg == "--retry-after-date") {
            o.retry_after_date = true;
        } else if (arg == "--hang-ms") {
            o.hang_ms = static_cast<int>(parse_int(arg, next(), 0, max_ms));
        } else if (arg == "--slow-sse-delay-ms") {
            o.slow_sse_delay_ms = static_cast<int>(parse_int(arg, next(), 0, max_ms));
        } else if (arg == "--keep-alive-timeout") {
            o.keep_alive_timeout_s = static_cast<int>(parse_int(arg, next(), 0, 3600));
        } else if (arg == "--shutdown-grace-ms") {
            o.shutdown_grace_ms = static_cast<int>(parse_int(arg, next(), 0, max_ms));
        } else if (arg == "--keep-requests") {
            o.keep_requests = static_cast<std::size_t>(parse_int(arg, next(), 0, 1000000));
        } else if (arg == "--log") {
            o.log = true;
        } else {
            throw UsageError("unknown option '" + arg + "'");
        }
        if (has_inline_value &&
            (arg == "--retry-after-date" || arg == "--log" || arg == "--echo-key"))
            throw UsageError(arg + " takes no value");
    }
    if (o.mode == AnswerMode::answers && o.answers_file.empty())
        throw UsageError("--mode answers needs --answers FILE");
    return o;
}

} // namespace stub_llm
