#include "drift/text_words.hpp"

#include <utf8proc.h>

namespace llmops::drift {

namespace detail {

CodePoint non_ascii_code_point(std::string_view text, std::size_t at) {
    CodePoint out;
    utf8proc_int32_t cp = -1;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + at),
                                    static_cast<utf8proc_ssize_t>(text.size() - at), &cp);
    out.bytes = n > 0 ? static_cast<std::size_t>(n) : 1;
    if (n <= 0 || cp < 0) return out;
    out.valid = true;
    const auto category = utf8proc_category(cp);
    out.letter = category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO;
    out.word = out.letter || category == UTF8PROC_CATEGORY_ND || cp == '\'';
    if (out.word) {
        utf8proc_uint8_t buffer[4];
        const auto len = utf8proc_encode_char(utf8proc_tolower(cp), buffer);
        out.lower_bytes = static_cast<std::size_t>(len);
        for (std::size_t k = 0; k < out.lower_bytes; ++k)
            out.lower[k] = static_cast<char>(buffer[k]);
    }
    return out;
}

} // namespace detail

TextScan scan_text(std::string_view text) {
    TextScan out;
    scan_words(text, out.code_points, out.letters,
               [&](std::string_view w) { out.words.emplace_back(w); });
    return out;
}

void scan_text(std::string_view text, double& code_points, double& letters,
               const std::function<void(std::string_view)>& on_word) {
    scan_words(text, code_points, letters, on_word);
}

std::vector<std::string> text_words(std::string_view text) {
    return scan_text(text).words;
}

} // namespace llmops::drift
