#pragma once
// How drift reads text: code points, letters and lower-cased words (maximal runs of letters,
// digits and apostrophes, Unicode categories L* and Nd). Invalid UTF-8 bytes count as one
// non-letter code point each.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::drift {

struct TextScan {
    double code_points = 0, letters = 0;
    std::vector<std::string> words;
};

TextScan scan_text(std::string_view text);
// The same counts, each word handed to on_word as a view valid during the call (no allocation
// per word).
void scan_text(std::string_view text, double& code_points, double& letters,
               const std::function<void(std::string_view)>& on_word);
std::vector<std::string> text_words(std::string_view text);

namespace detail {

// One non-ASCII code point at text[at]: its length in bytes (at least 1) and classes, and the
// UTF-8 of its lower case in `lower` when it belongs to a word.
struct CodePoint {
    std::size_t bytes = 1;
    bool valid = false, letter = false, word = false;
    char lower[4] = {};
    std::size_t lower_bytes = 0;
};
CodePoint non_ascii_code_point(std::string_view text, std::size_t at);

} // namespace detail

// scan_text with the callback inlined, for the hot loop of reading a column: a word of
// lower-case ASCII is handed over as a view into `text`, without a copy.
template <typename OnWord>
void scan_words(std::string_view text, double& code_points, double& letters, OnWord&& on_word) {
    std::size_t points = 0, letter_count = 0;
    thread_local std::string lowered; // the current word, once it needed lower-casing
    constexpr std::size_t none = std::string_view::npos;
    std::size_t start = none; // where the current word began, while it is a view into text
    bool copied = false;
    auto flush = [&](std::size_t end) {
        if (copied) {
            on_word(std::string_view(lowered));
            lowered.clear();
            copied = false;
        } else if (start != none) {
            on_word(text.substr(start, end - start));
        }
        start = none;
    };
    auto to_copy = [&](std::size_t at) {
        lowered.assign(start == none ? std::string_view() : text.substr(start, at - start));
        copied = true;
    };
    std::size_t i = 0;
    while (i < text.size()) {
        const unsigned char byte = static_cast<unsigned char>(text[i]);
        if (static_cast<unsigned char>(byte - 'a') < 26) {
            // A run of lower-case letters, most of any text: taken whole in a tight loop.
            std::size_t end = i + 1;
            while (end < text.size() && static_cast<unsigned char>(text[end] - 'a') < 26)
                ++end;
            points += end - i;
            letter_count += end - i;
            if (copied)
                lowered.append(text.data() + i, end - i);
            else if (start == none)
                start = i;
            i = end;
            continue;
        }
        if (byte < 0x80) { // other ASCII: the same classes without a table lookup
            ++points;
            const bool lower = byte >= 'a' && byte <= 'z', upper = byte >= 'A' && byte <= 'Z';
            if (lower || upper) ++letter_count;
            if (lower || (byte >= '0' && byte <= '9') || byte == '\'') {
                if (copied)
                    lowered.push_back(static_cast<char>(byte));
                else if (start == none)
                    start = i;
            } else if (upper) {
                if (!copied) to_copy(i);
                lowered.push_back(static_cast<char>(byte - 'A' + 'a'));
            } else {
                flush(i);
            }
            ++i;
            continue;
        }
        const detail::CodePoint cp = detail::non_ascii_code_point(text, i);
        ++points;
        if (!cp.valid) {
            flush(i);
        } else {
            if (cp.letter) ++letter_count;
            if (cp.word) {
                if (!copied) to_copy(i);
                lowered.append(cp.lower, cp.lower_bytes);
            } else {
                flush(i);
            }
        }
        i += cp.bytes;
    }
    flush(text.size());
    code_points = static_cast<double>(points);
    letters = static_cast<double>(letter_count);
}

} // namespace llmops::drift
