#include "safety/pii_context.hpp"

#include "core/text.hpp"

#include <algorithm>

namespace llmops::safety {

namespace {

// Bytes of UTF-8 letters (>= 0x80) count as word bytes, so "téléphone" is one word.
bool is_context_word_byte(char c) {
    const auto u = static_cast<unsigned char>(c);
    return is_ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || u >= 0x80;
}

std::string lower_word(std::string_view word) {
    std::string out(word);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Far enough for a handful of words, near enough that a huge text costs nothing.
constexpr std::size_t kMaxContextBytes = 160;

// Up to `n` words before byte `begin`, in text order (no copies: this runs for every candidate).
void words_before(std::string_view text, std::size_t begin, std::size_t n,
                  std::vector<std::string_view>& words) {
    words.clear();
    std::size_t i = begin;
    const std::size_t floor = begin > kMaxContextBytes ? begin - kMaxContextBytes : 0;
    while (words.size() < n && i > floor) {
        while (i > floor && !is_context_word_byte(text[i - 1]))
            --i;
        std::size_t end = i;
        while (i > floor && is_context_word_byte(text[i - 1]))
            --i;
        if (end > i) words.push_back(text.substr(i, end - i));
    }
    std::reverse(words.begin(), words.end());
}

void words_after(std::string_view text, std::size_t end, std::size_t n,
                 std::vector<std::string_view>& words) {
    words.clear();
    std::size_t i = end;
    const std::size_t ceiling = std::min(text.size(), end + kMaxContextBytes);
    while (words.size() < n && i < ceiling) {
        while (i < ceiling && !is_context_word_byte(text[i]))
            ++i;
        std::size_t start = i;
        while (i < ceiling && is_context_word_byte(text[i]))
            ++i;
        if (i > start) words.push_back(text.substr(start, i - start));
    }
}

// A word of the text equals a (lower-case) phrase word once its ASCII letters are lowered.
inline bool same_word(std::string_view word, const std::string& lower) {
    if (word.size() != lower.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
        const char c = word[i];
        if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != lower[i]) return false;
    }
    return true;
}

bool contains_phrase(const std::vector<std::string_view>& words, const ContextPhrase& phrase) {
    if (phrase.empty() || phrase.size() > words.size()) return false;
    return std::search(words.begin(), words.end(), phrase.begin(), phrase.end(),
                       [](std::string_view word, const std::string& lower) {
                           return same_word(word, lower);
                       }) != words.end();
}

} // namespace

std::vector<ContextPhrase> context_phrases(const std::vector<std::string>& words) {
    std::vector<ContextPhrase> phrases;
    for (const auto& text : words) {
        ContextPhrase phrase;
        std::size_t i = 0;
        while (i < text.size()) {
            while (i < text.size() && !is_context_word_byte(text[i]))
                ++i;
            std::size_t start = i;
            while (i < text.size() && is_context_word_byte(text[i]))
                ++i;
            if (i > start) phrase.push_back(lower_word(text.substr(start, i - start)));
        }
        if (!phrase.empty()) phrases.push_back(std::move(phrase));
    }
    return phrases;
}

bool has_context(std::string_view text, std::size_t begin, std::size_t end,
                 const std::vector<ContextPhrase>& phrases, std::size_t n_before,
                 std::size_t n_after) {
    if (phrases.empty()) return false;
    thread_local std::vector<std::string_view> before, after;
    words_before(text, begin, n_before, before);
    words_after(text, end, n_after, after);
    for (const auto& phrase : phrases)
        if (contains_phrase(before, phrase) || contains_phrase(after, phrase)) return true;
    return false;
}

} // namespace llmops::safety
