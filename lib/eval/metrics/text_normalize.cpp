#include "eval/metrics/text_normalize.hpp"

#include "core/text.hpp"

#include <re2/re2.h>
#include <utf8proc.h>

#include <cstdlib>
#include <memory>

namespace llmops::eval {

namespace {

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
            append_utf8(c, current);
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

bool is_python_space(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_word_char(char32_t c) {
    return c == U'_' || is_unicode_letter_or_number(c);
}

std::string to_lower(std::string_view text) {
    std::u32string cps = decode_utf8(text);
    for (char32_t& c : cps)
        c = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c)));
    return encode_utf8(cps);
}

std::string casefold(std::string_view text) {
    const std::string valid = to_valid_utf8(text);
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
    std::string line = to_valid_utf8(text);
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
