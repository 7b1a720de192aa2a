// libFuzzer target: the JSONL reader over arbitrary bytes must return rows or throw
// llmops::Error, never crash. Each row is also checked against the slow nlohmann path: the
// canonical text must parse and canonicalise to itself.
#include "core/error.hpp"
#include "data/formats/row_reader.hpp"
#include "json/canonical_json.hpp"

#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    llmops::data::ReaderOptions options;
    options.allow_empty = true;
    options.max_row_bytes = 1 << 16;
    try {
        auto reader = llmops::data::open_row_reader(bytes, "fuzz.jsonl",
                                                    llmops::data::InputFormat::Jsonl, options);
        llmops::data::Row row;
        while (reader->next(row)) {
            const auto reparsed = nlohmann::json::parse(row.json, nullptr, false);
            if (reparsed.is_discarded() || llmops::canonical_json(reparsed) != row.json)
                std::abort(); // canonical text is not a fixed point
        }
    } catch (const llmops::Error&) {
    }
    // The whole input as one JSON text: both ways in must agree when the fast one accepts it.
    try {
        const std::string fast = llmops::canonical_json_text(bytes);
        const auto slow = nlohmann::json::parse(bytes, nullptr, false);
        if (slow.is_discarded() || llmops::canonical_json(slow) != fast) std::abort();
    } catch (const llmops::Error&) {
    }
    return 0;
}
