// Unicode normalisation for comparing texts (core/text.hpp).
#include "core/text.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <utf8proc.h>

namespace llmops {

namespace {

bool is_space(char32_t cp) {
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F) || cp == 0x85)
        return true;
    if (cp < 0x80) return false;
    auto category = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
    return category == UTF8PROC_CATEGORY_ZS || category == UTF8PROC_CATEGORY_ZL ||
           category == UTF8PROC_CATEGORY_ZP;
}

// ASCII is its own NFKC form and folds by tolower: the common case, without utf8proc's
// allocation and per-code-point tables.
std::optional<std::string> normalize_ascii(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool pending_space = false;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u >= 0x80) return std::nullopt;
        if (is_space(u)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out.push_back(' ');
        pending_space = false;
        out.push_back(u >= 'A' && u <= 'Z' ? static_cast<char>(u + ('a' - 'A')) : c);
    }
    return out;
}

} // namespace

std::string normalize_text(std::string_view text) {
    if (auto ascii = normalize_ascii(text)) return std::move(*ascii);
    utf8proc_uint8_t* mapped = nullptr;
    const auto options = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                                        UTF8PROC_COMPAT | UTF8PROC_CASEFOLD);
    utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                      static_cast<utf8proc_ssize_t>(text.size()), &mapped, options);
    // utf8proc allocates with malloc; free it on every path.
    std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(mapped, &std::free);
    std::string_view folded = n < 0 ? text
                                    : std::string_view(reinterpret_cast<const char*>(mapped),
                                                       static_cast<std::size_t>(n));
    std::string out;
    out.reserve(folded.size());
    bool pending_space = false;
    for (std::size_t at = 0; at < folded.size();) {
        char32_t cp = 0xFFFD;
        // An invalid byte cannot occur in valid UTF-8; step over it rather than loop forever.
        const std::size_t len = std::max<std::size_t>(decode_utf8_at(folded, at, cp), 1);
        if (is_space(cp)) {
            pending_space = !out.empty();
        } else {
            if (pending_space) out.push_back(' ');
            pending_space = false;
            out.append(folded.substr(at, len));
        }
        at += len;
    }
    return out;
}

} // namespace llmops
