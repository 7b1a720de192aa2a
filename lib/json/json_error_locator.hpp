#pragma once
// Slow-path helpers that explain why a JSON text was rejected, with a byte offset. Only called
// after the fast parser failed, so they favour precision over speed.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace llmops {

struct JsonProblem {
    std::string message;    // e.g. "syntax error while parsing object - unexpected end of input"
    std::size_t offset = 0; // byte offset of the offending character
};

// Why `text` is not valid JSON, or nullopt when it is. Uses nlohmann's SAX parser, whose
// messages and positions are more precise than simdjson's.
std::optional<JsonProblem> describe_json_syntax_error(std::string_view text);

struct DuplicateKey {
    std::string key;        // unescaped
    std::size_t offset = 0; // offset of the opening quote of the second occurrence
};

// The first key (in text order) that repeats within its object. `text` should be valid JSON;
// invalid text gives an answer but no guarantees.
std::optional<DuplicateKey> find_duplicate_key(std::string_view text);

// A key or value shown inside an error message: escaped like JSON, cut to ~80 bytes.
std::string quote_for_message(std::string_view text);

} // namespace llmops
