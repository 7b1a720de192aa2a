#pragma once
// How drift reads text: code points, letters and lower-cased words (maximal runs of letters,
// digits and apostrophes, Unicode categories L* and Nd). Invalid UTF-8 bytes count as one
// non-letter code point each.
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

} // namespace llmops::drift
