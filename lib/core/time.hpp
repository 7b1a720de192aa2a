#pragma once
#include <cstdint>
#include <string>

namespace llmops {

// Now as ISO 8601 UTC with milliseconds: 2026-11-27T22:31:02.123Z (sorts as text).
std::string now_iso8601();
std::int64_t now_unix_ms();

} // namespace llmops
