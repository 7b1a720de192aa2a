#pragma once
// HTTP-dates (RFC 9110 §5.6.7), as a Retry-After header may carry them.
#include <cstdint>
#include <optional>
#include <string_view>

namespace llmops::http {

// Seconds since the Unix epoch for an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), an
// RFC 850 date ("Sunday, 06-Nov-94 08:49:37 GMT") or an asctime date
// ("Sun Nov  6 08:49:37 1994"); nullopt for anything else.
std::optional<std::int64_t> parse_http_date(std::string_view text);

} // namespace llmops::http
