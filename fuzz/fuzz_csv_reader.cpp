// libFuzzer target: the CSV reader over arbitrary bytes (with and without type inference)
// must return rows or throw llmops::Error, never crash; every row must be canonical JSON.
#include "core/error.hpp"
#include "data/formats/row_reader.hpp"
#include "json/canonical_json.hpp"

#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte picks the options, the rest is the file.
    const bool infer = (data[0] & 1) != 0;
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    llmops::data::ReaderOptions options;
    options.allow_empty = true;
    options.infer_types = infer;
    options.max_row_bytes = 1 << 16;
    try {
        auto reader = llmops::data::open_row_reader(bytes, "fuzz.csv",
                                                    llmops::data::InputFormat::Csv, options);
        llmops::data::Row row;
        while (reader->next(row)) {
            const auto reparsed = nlohmann::json::parse(row.json, nullptr, false);
            if (!reparsed.is_object() || llmops::canonical_json(reparsed) != row.json) std::abort();
        }
    } catch (const llmops::Error&) {
    }
    return 0;
}
