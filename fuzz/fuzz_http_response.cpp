// libFuzzer target: the HTTP response parser. Fed whole or in pieces cut where the input's
// first byte says, it must reach the same outcome (status, body, error or not) and never
// consume more than it was given.
#include "http/http_response_parser.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

struct Outcome {
    bool complete = false, failed = false;
    int status = 0;
    std::string body;
    std::size_t used = 0;
    bool operator==(const Outcome&) const = default;
};

Outcome run(std::string_view text, std::size_t piece) {
    Outcome o;
    llmops::http::HttpResponseParser parser([&](std::string_view b) { o.body.append(b); });
    while (!text.empty() && !parser.complete() && !parser.failed()) {
        std::string_view part = text.substr(0, piece);
        std::size_t used = parser.feed(part);
        if (used > part.size()) std::abort();
        o.used += used;
        text.remove_prefix(part.size());
    }
    if (!parser.complete() && !parser.failed()) parser.finish_at_eof();
    o.complete = parser.complete();
    o.failed = parser.failed();
    o.status = parser.status();
    if (o.failed) o.used = 0; // how far a failing parse got depends on the pieces
    return o;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::size_t piece = 1 + data[0] % 17;
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    Outcome whole = run(text, text.size() + 1);
    Outcome pieces = run(text, piece);
    if (!(whole == pieces)) std::abort();
    return 0;
}
