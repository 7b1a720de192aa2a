// Deterministic answers and token estimates of the stub model server.
#pragma once

#include "core/text.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace stub_llm {

using nlohmann::json;

// Text of a message "content": a string, or an array of parts whose {type:text} parts are
// joined with "\n" (image and tool parts carry no text). Anything else has no text.
inline std::string content_text(const json& content) {
    if (content.is_string()) return content.get<std::string>();
    std::string out;
    if (!content.is_array()) return out;
    bool first = true;
    for (const auto& part : content) {
        if (!part.is_object()) continue;
        auto type = part.find("type");
        auto text = part.find("text");
        if (type == part.end() || *type != "text" || text == part.end() || !text->is_string())
            continue;
        if (!first) out += '\n';
        out += text->get_ref<const std::string&>();
        first = false;
    }
    return out;
}

// Characters are Unicode code points, so counts do not depend on encoding width; tokens are
// llmops' own estimate of them (core/text.hpp).
inline std::size_t count_chars(std::string_view s) {
    return llmops::code_point_count(s);
}

inline std::uint64_t estimate_tokens(std::size_t chars) {
    return llmops::approx_tokens_of_chars(chars);
}

// Keeps at most max_chars code points, never splitting one.
inline std::string cut_chars(const std::string& s, std::size_t max_chars) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
            if (n == max_chars) return s.substr(0, i);
            ++n;
        }
    }
    return s;
}

// ASCII only: locale-independent, so answers are the same on every machine.
inline std::string ascii_upper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

// Stream pieces: each is a run of whitespace plus the word after it, like tokens that carry
// their leading space. Concatenated they give back the answer exactly.
inline std::vector<std::string> stream_pieces(const std::string& answer) {
    std::vector<std::string> out;
    std::size_t i = 0;
    auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
    while (i < answer.size()) {
        std::size_t j = i;
        while (j < answer.size() && is_space(answer[j]))
            ++j;
        while (j < answer.size() && !is_space(answer[j]))
            ++j;
        out.push_back(answer.substr(i, j - i));
        i = j;
    }
    return out;
}

struct AnswerRule {
    std::string match;
    std::string answer;
};

// Rules from a JSONL file: {"match": "...", "answer": "..."}; a non-string answer is sent as
// its JSON text (handy for structured-output tests). The first rule whose match occurs in the
// prompt wins; a linear scan, which is fine for fixture-sized files.
class AnswerBook {
  public:
    static AnswerBook load(const std::string& path) {
        std::ifstream in(path);
        if (!in) throw std::runtime_error("cannot open answers file " + path);
        AnswerBook book;
        std::string line;
        std::size_t line_no = 0;
        while (std::getline(in, line)) {
            ++line_no;
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            auto where = [&] { return path + ":" + std::to_string(line_no); };
            json j = json::parse(line, nullptr, false);
            if (j.is_discarded() || !j.is_object())
                throw std::runtime_error("not a JSON object (" + where() + ")");
            auto m = j.find("match");
            auto a = j.find("answer");
            if (m == j.end() || !m->is_string() || a == j.end())
                throw std::runtime_error("needs a string \"match\" and an \"answer\" (" + where() +
                                         ")");
            book.rules_.push_back(
                {m->get<std::string>(), a->is_string() ? a->get<std::string>() : a->dump()});
        }
        return book;
    }

    std::optional<std::string> find(const std::string& prompt) const {
        for (const auto& r : rules_)
            if (prompt.find(r.match) != std::string::npos) return r.answer;
        return std::nullopt;
    }

    std::size_t size() const { return rules_.size(); }

  private:
    std::vector<AnswerRule> rules_;
};

} // namespace stub_llm
