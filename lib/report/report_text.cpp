#include "report/report_text.hpp"

#include "core/text.hpp"

#include <fmt/format.h>

namespace llmops::report {

std::string clip_text(std::string_view text, std::size_t max_bytes) {
    std::string valid = to_valid_utf8(text);
    if (valid.size() <= max_bytes) return valid;
    std::string clipped(utf8_prefix(valid, max_bytes));
    clipped += fmt::format("…[truncated: {} bytes in all]", text.size());
    return clipped;
}

} // namespace llmops::report
