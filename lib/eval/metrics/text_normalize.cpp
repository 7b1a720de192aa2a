#include "eval/metrics/text_normalize.hpp"

#include <re2/re2.h>
#include <utf8proc.h>

#include <cstdlib>
#include <memory>

namespace llmops::eval {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes one code point at text[i]; returns its length in bytes, or 0 when invalid.
std::size_t decode_one(std::string_view text, std::size_t i, char32_t& out) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80) {
        out = b0;
        return 1;
    }
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > text.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const unsigned char b = byte(i + k);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    out = cp;
    return len;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Valid UTF-8 copy of text, so RE2 and utf8proc never see broken sequences.
std::string sanitize_utf8(std::string_view text) {
    return encode_utf8(decode_utf8(text));
}

bool is_ascii_punctuation(char32_t c) {
    // Python's string.punctuation: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
}

std::vector<std::string> split_code_points(const std::u32string& cps) {
    std::vector<std::string> tokens;
    std::string current;
    for (char32_t c : cps) {
        if (is_python_space(c)) {
            if (!current.empty()) tokens.push_back(std::move(current));
            current.clear();
        } else {
            append_utf8(current, c);
        }
    }
    if (!current.empty()) tokens.push_back(std::move(current));
    return tokens;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    std::size_t pos = 0;
    while ((pos = text.find(from, pos)) != std::string::npos) {
        text.replace(pos, from.size(), to);
        pos += to.size();
    }
    return text;
}

} // namespace

std::u32string decode_utf8(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        char32_t cp = 0;
        const std::size_t len = decode_one(text, i, cp);
        if (len == 0) {
            out += kReplacement;
            ++i;
        } else {
            out += cp;
            i += len;
        }
    }
    return out;
}

std::string encode_utf8(std::u32string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char32_t c : text)
        append_utf8(out, c);
    return out;
}

std::size_t code_point_count(std::string_view text) {
    std::size_t n = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        char32_t cp = 0;
        const std::size_t len = decode_one(text, i, cp);
        i += len == 0 ? 1 : len;
        ++n;
    }
    return n;
}

bool is_python_space(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_word_char(char32_t c) {
    if (c == U'_') return true;
    if (c < 0x80)
        return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9');
    switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return true;
    default:
        return false;
    }
}

std::string to_lower(std::string_view text) {
    std::u32string cps = decode_utf8(text);
    for (char32_t& c : cps)
        c = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c)));
    return encode_utf8(cps);
}

std::string casefold(std::string_view text) {
    const std::string valid = sanitize_utf8(text);
    utf8proc_uint8_t* mapped = nullptr;
    const auto options =
        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
    const utf8proc_ssize_t n =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(valid.data()),
                     static_cast<utf8proc_ssize_t>(valid.size()), &mapped, options);
    // utf8proc allocates with malloc; free it on every path.
    std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(mapped, &std::free);
    if (n < 0) return to_lower(valid); // only on allocation failure: input is valid UTF-8
    return std::string(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(n));
}

std::vector<std::string> split_whitespace(std::string_view text) {
    return split_code_points(decode_utf8(text));
}

std::string normalize_answer(std::string_view text) {
    std::u32string lowered = decode_utf8(to_lower(text));

    std::u32string no_punct;
    no_punct.reserve(lowered.size());
    for (char32_t c : lowered)
        if (!is_ascii_punctuation(c)) no_punct += c;

    // re.sub(r'\b(a|an|the)\b', ' ', s): an article is replaced when no word character touches
    // it on either side (Python's \b is Unicode-aware, hence is_word_char).
    static const std::u32string kArticles[] = {U"the", U"an", U"a"};
    std::u32string no_articles;
    no_articles.reserve(no_punct.size());
    const std::size_t n = no_punct.size();
    std::size_t i = 0;
    while (i < n) {
        bool replaced = false;
        if (i == 0 || !is_word_char(no_punct[i - 1])) {
            for (const auto& article : kArticles) {
                const std::size_t end = i + article.size();
                if (end <= n && no_punct.compare(i, article.size(), article) == 0 &&
                    (end == n || !is_word_char(no_punct[end]))) {
                    no_articles += U' ';
                    i = end;
                    replaced = true;
                    break;
                }
            }
        }
        if (!replaced) no_articles += no_punct[i++];
    }

    std::string out;
    for (const auto& token : split_code_points(no_articles)) {
        if (!out.empty()) out += ' ';
        out += token;
    }
    return out;
}

std::vector<std::string> tokenize_13a(std::string_view text) {
    std::string line = sanitize_utf8(text);
    line = replace_all(std::move(line), "<skipped>", "");
    line = replace_all(std::move(line), "-\n", "");
    line = replace_all(std::move(line), "\n", " ");
    line = replace_all(std::move(line), "&quot;", "\"");
    line = replace_all(std::move(line), "&amp;", "&");
    line = replace_all(std::move(line), "&lt;", "<");
    line = replace_all(std::move(line), "&gt;", ">");
    line = " " + line + " ";

    // The four rules of sacrebleu's TokenizerRegexp, applied in order, each over the whole line
    // (RE2's GlobalReplace and Python's re.sub both replace non-overlapping matches left to
    // right). Rule 1's class is {|}~ [\]^_` space!"#$%& ()*+ :;<=>?@ and '/'.
    static const RE2 kPunct(R"(([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40\x2f]))");
    static const RE2 kPeriodCommaAfter(R"(([^0-9])([.,]))");
    static const RE2 kPeriodCommaBefore(R"(([.,])([^0-9]))");
    static const RE2 kDashAfterDigit(R"(([0-9])(-))");
    RE2::GlobalReplace(&line, kPunct, R"( \1 )");
    RE2::GlobalReplace(&line, kPeriodCommaAfter, R"(\1 \2 )");
    RE2::GlobalReplace(&line, kPeriodCommaBefore, R"( \1 \2)");
    RE2::GlobalReplace(&line, kDashAfterDigit, R"(\1 \2 )");
    return split_whitespace(line);
}

std::vector<std::string> tokenize_rouge(std::string_view text) {
    std::vector<std::string> tokens;
    std::string current;
    for (char32_t c : decode_utf8(text)) {
        if (c == 0x130) { // Python lowers U+0130 to "i" + U+0307, and U+0307 separates
            current += 'i';
            tokens.push_back(std::move(current));
            current.clear();
            continue;
        }
        const auto lower =
            static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c)));
        if ((lower >= U'a' && lower <= U'z') || (lower >= U'0' && lower <= U'9')) {
            current += static_cast<char>(lower);
        } else if (!current.empty()) {
            tokens.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty()) tokens.push_back(std::move(current));
    return tokens;
}

} // namespace llmops::eval
