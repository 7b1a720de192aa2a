#include "eval/judge_answer.hpp"

#include "core/text.hpp"

#include <charconv>

#include <re2/re2.h>

namespace llmops::eval {

using nlohmann::json;

namespace {

// The end (one past the closing brace) of the balanced {...} starting at `open`, skipping
// braces inside JSON strings; npos when it never closes.
std::size_t balanced_end(std::string_view text, std::size_t open) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = open; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{') {
            ++depth;
        } else if (c == '}') {
            if (--depth == 0) return i + 1;
        }
    }
    return std::string_view::npos;
}

const json* find_key(const json& object, std::initializer_list<std::string_view> names) {
    for (auto it = object.begin(); it != object.end(); ++it) {
        std::string key = ascii_lower(it.key());
        for (auto name : names)
            if (key == name) return &*it;
    }
    return nullptr;
}

std::optional<double> parse_number(std::string_view s) {
    s = trim_spaces(s);
    double value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end == s.data()) return std::nullopt;
    return value;
}

// "score: 4", "Score: 4/5", "**Score:** 4", "score of 4 out of 5", "\"score\" = 4".
const re2::RE2& score_pattern() {
    static const re2::RE2 pattern(
        R"re((?i)\bscore\b[\s"'*]*(?:[:=]|is|of)?[\s"'*]*(\d+(?:\.\d+)?)(?:\s*(?:/|out of)\s*(\d+(?:\.\d+)?))?)re");
    return pattern;
}

struct ScoreText {
    std::optional<double> score;
    std::optional<double> scale;
};

ScoreText find_score_text(std::string_view text) {
    std::string number, denominator;
    if (!re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), score_pattern(),
                                &number, &denominator))
        return {};
    ScoreText out;
    out.score = parse_number(number);
    if (!denominator.empty()) out.scale = parse_number(denominator);
    return out;
}

std::optional<bool> read_pass(const json& value) {
    if (value.is_boolean()) return value.get<bool>();
    if (!value.is_string()) return std::nullopt;
    std::string text = ascii_lower(value.get<std::string>());
    if (text == "pass" || text == "passed" || text == "yes" || text == "true") return true;
    if (text == "fail" || text == "failed" || text == "no" || text == "false") return false;
    return std::nullopt;
}

} // namespace

std::optional<json> first_json_object(std::string_view text) {
    for (std::size_t open = text.find('{'); open != std::string_view::npos;
         open = text.find('{', open + 1)) {
        std::size_t end = balanced_end(text, open);
        if (end == std::string_view::npos) continue;
        auto value = json::parse(text.substr(open, end - open), nullptr, false);
        if (!value.is_discarded() && value.is_object()) return value;
    }
    return std::nullopt;
}

JudgeVerdict parse_judge_answer(std::string_view text) {
    JudgeVerdict verdict;
    if (auto object = first_json_object(text)) {
        if (const json* score = find_key(*object, {"score", "rating"})) {
            if (score->is_number()) {
                verdict.score = score->get<double>();
            } else if (score->is_string()) {
                // "4" or "4/5"
                std::string s = score->get<std::string>();
                auto found = find_score_text("score: " + s);
                verdict.score = found.score;
                verdict.scale = found.scale;
            }
        }
        if (const json* pass = find_key(*object, {"pass", "passed"}))
            verdict.pass = read_pass(*pass);
        if (const json* reason = find_key(*object, {"reason", "reasoning", "explanation"}))
            verdict.reason = reason->is_string() ? reason->get<std::string>() : reason->dump();
        if (verdict.score || verdict.pass) return verdict;
    }
    auto found = find_score_text(text);
    verdict.score = found.score;
    verdict.scale = found.scale;
    if (verdict.reason.empty()) verdict.reason = std::string(trim_spaces(text));
    return verdict;
}

} // namespace llmops::eval
