#pragma once
// multipart/form-data (RFC 7578), as `POST /v1/files` receives it: the boundary from the
// Content-Type header, then each part's Content-Disposition name and filename and its bytes.
// Strict and bounded: a malformed body is an error naming what is wrong, never a guess. Beast
// parses HTTP but not multipart bodies; this is the one small parser the gateway owns, and it
// is fuzzed with the chat request path (fuzz/fuzz_serve_request.cpp).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace llmops::serve {

struct FormPart {
    std::string name;
    std::optional<std::string> filename; // set for a file field
    std::string content_type;            // "" when the part has none
    std::string_view data;               // points into the parsed body
};

// The parts of `body`, or a one-line message saying what is malformed. At most `max_parts`
// parts; part headers of at most 8 KiB each.
std::variant<std::vector<FormPart>, std::string> parse_multipart_form(std::string_view content_type,
                                                                      std::string_view body,
                                                                      std::size_t max_parts = 16);

} // namespace llmops::serve
