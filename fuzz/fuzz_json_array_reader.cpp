// libFuzzer target: the streaming JSON-array reader must return rows or throw llmops::Error.
#include "core/error.hpp"
#include "data/formats/row_reader.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    llmops::data::ReaderOptions options;
    options.allow_empty = true;
    options.max_row_bytes = 1 << 16;
    try {
        auto reader = llmops::data::open_row_reader(bytes, "fuzz.json",
                                                    llmops::data::InputFormat::Json, options);
        llmops::data::Row row;
        while (reader->next(row)) {
        }
    } catch (const llmops::Error&) {
    }
    return 0;
}
