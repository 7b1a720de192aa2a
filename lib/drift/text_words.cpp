#include "drift/text_words.hpp"

#include <utf8proc.h>

namespace llmops::drift {

namespace {

bool is_word_char(utf8proc_int32_t cp) {
    if (cp == '\'') return true;
    const auto category = utf8proc_category(cp);
    return (category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO) ||
           category == UTF8PROC_CATEGORY_ND;
}

bool is_letter(utf8proc_int32_t cp) {
    const auto category = utf8proc_category(cp);
    return category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO;
}

} // namespace

TextScan scan_text(std::string_view text) {
    TextScan out;
    scan_text(text, out.code_points, out.letters,
              [&](std::string_view w) { out.words.emplace_back(w); });
    return out;
}

void scan_text(std::string_view text, double& code_points, double& letters,
               const std::function<void(std::string_view)>& on_word) {
    code_points = 0;
    letters = 0;
    thread_local std::string word;
    word.clear();
    auto flush = [&] {
        if (!word.empty()) on_word(word);
        word.clear();
    };
    std::size_t i = 0;
    while (i < text.size()) {
        const unsigned char byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x80) { // ASCII: the same classes without a table lookup
            ++i;
            code_points += 1;
            const bool lower = byte >= 'a' && byte <= 'z', upper = byte >= 'A' && byte <= 'Z';
            if (lower || upper) letters += 1;
            if (lower || upper || (byte >= '0' && byte <= '9') || byte == '\'') {
                word.push_back(upper ? static_cast<char>(byte - 'A' + 'a')
                                     : static_cast<char>(byte));
            } else {
                flush();
            }
            continue;
        }
        utf8proc_int32_t cp = -1;
        const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                                        static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
        i += n > 0 ? static_cast<std::size_t>(n) : 1;
        code_points += 1;
        if (n <= 0 || cp < 0) {
            flush();
            continue;
        }
        if (is_letter(cp)) letters += 1;
        if (is_word_char(cp)) {
            utf8proc_uint8_t buffer[4];
            const auto len = utf8proc_encode_char(utf8proc_tolower(cp), buffer);
            word.append(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(len));
        } else {
            flush();
        }
    }
    flush();
}

std::vector<std::string> text_words(std::string_view text) {
    return scan_text(text).words;
}

} // namespace llmops::drift
