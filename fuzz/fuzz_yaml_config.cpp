// libFuzzer target: arbitrary bytes as a YAML config. Parsing must end in a JSON value or an
// llmops::Error, never a crash, hang or other exception; the result must dump as valid JSON and
// every recorded position must be 1-based.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "json/yaml_document.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        llmops::YamlDocument doc = llmops::parse_yaml(text, "fuzz.yaml");
        // Throws on invalid UTF-8 or non-finite numbers, which the loader must have rejected.
        std::string dumped = doc.value.dump();
        if (nlohmann::json::parse(dumped) != doc.value && !doc.value.is_null()) {
            // Round-trip may only differ by float formatting of equal values.
            if (nlohmann::json::parse(dumped).dump() != dumped) std::abort();
        }
        for (const auto& [pointer, position] : doc.positions) {
            if (position.line < 1 || position.column < 1) std::abort();
        }
        (void)doc.location_of("/a/0/b");
    } catch (const llmops::Error&) {
        // Expected for malformed input.
    }
    return 0;
}
