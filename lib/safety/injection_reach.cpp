// Run counts of rule regexes and run walking (injection_reach.hpp). RE2 does not expose its
// parse tree, so the subset of its syntax the rules use is parsed here; the count is an upper
// bound, which is all the windows need.
#include "safety/injection_reach.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <cctype>
#include <stdexcept>
#include <string>

namespace llmops::safety {

namespace {

// For the strings a sub-pattern matches: the most runs, by the kind of their first and last
// run (0: the string has no run, only bytes of either kind; 1: letters and digits; 2: other).
// -1: no such string.
struct RunSummary {
    std::array<std::array<int, 3>, 3> most{{{-1, -1, -1}, {-1, -1, -1}, {-1, -1, -1}}};

    static RunSummary empty_string() {
        RunSummary s;
        s.most[0][0] = 0;
        return s;
    }
    static RunSummary of_bytes(const std::bitset<256>& bytes) {
        // The bytes of each run class, so that a set is classified with three masks instead of
        // a look at each of its 256 bits (the rules' literals are thousands of one-byte sets).
        static const std::array<std::bitset<256>, 3> kClassBytes = [] {
            std::array<std::bitset<256>, 3> classes;
            for (int c = 0; c < 256; ++c)
                classes[static_cast<std::size_t>(run_class(static_cast<unsigned char>(c)))].set(
                    static_cast<std::size_t>(c));
            return classes;
        }();
        RunSummary s;
        for (int kind = 0; kind < 3; ++kind)
            if ((bytes & kClassBytes[static_cast<std::size_t>(kind)]).any())
                s.most[kind][kind] = kind == 0 ? 0 : 1;
        return s;
    }
    static RunSummary of_class(int kind) { // one byte of run class `kind`
        RunSummary s;
        s.most[kind][kind] = kind == 0 ? 0 : 1;
        return s;
    }
    bool operator==(const RunSummary&) const = default;
};

int saturate(int runs) {
    return std::min(runs, kUnboundedRuns);
}

RunSummary concat(const RunSummary& a, const RunSummary& b) {
    // The (first, last) kinds each side can have: most of the 9 are impossible, and patterns
    // of thousands of atoms are read at startup.
    int a_first[9], a_last[9], b_first[9], b_last[9];
    int a_count = 0;
    int b_count = 0;
    for (int f = 0; f < 3; ++f)
        for (int l = 0; l < 3; ++l) {
            if (a.most[f][l] >= 0) a_first[a_count] = f, a_last[a_count++] = l;
            if (b.most[f][l] >= 0) b_first[b_count] = f, b_last[b_count++] = l;
        }
    RunSummary out;
    for (int i = 0; i < a_count; ++i) {
        const int f1 = a_first[i];
        const int l1 = a_last[i];
        const int ra = a.most[f1][l1];
        for (int j = 0; j < b_count; ++j) {
            const int f2 = b_first[j];
            const int l2 = b_last[j];
            const int rb = b.most[f2][l2];
            int first = f1 == 0 ? f2 : f1;
            int last = l2 == 0 ? l1 : l2;
            int runs = f1 == 0 ? rb : (f2 == 0 ? ra : ra + rb - (l1 == f2 ? 1 : 0));
            int& slot = out.most[first][last];
            slot = std::max(slot, saturate(runs));
        }
    }
    return out;
}

RunSummary either(const RunSummary& a, const RunSummary& b) {
    RunSummary out;
    for (int f = 0; f < 3; ++f)
        for (int l = 0; l < 3; ++l)
            out.most[f][l] = std::max(a.most[f][l], b.most[f][l]);
    return out;
}

RunSummary repeat(const RunSummary& x, int min, int max) { // max < 0: unbounded
    RunSummary chain = RunSummary::empty_string();
    for (int i = 0; i < min; ++i)
        chain = concat(chain, x);
    RunSummary out = chain;
    if (max >= 0) {
        for (int i = min; i < max; ++i) {
            chain = concat(chain, x);
            out = either(out, chain);
        }
        return out;
    }
    // Unbounded: repeat until nothing grows; what still grows after many rounds is unbounded.
    for (int round = 0; round < 64; ++round) {
        RunSummary next = either(out, concat(out, x));
        if (next == out) return out;
        out = next;
    }
    RunSummary next = either(out, concat(out, x));
    for (int f = 0; f < 3; ++f)
        for (int l = 0; l < 3; ++l)
            if (next.most[f][l] != out.most[f][l]) next.most[f][l] = kUnboundedRuns;
    return next;
}

class PatternParser {
  public:
    explicit PatternParser(std::string_view pattern) : p_(pattern) {}

    int max_runs() {
        RunSummary s = alternation();
        if (at_ != p_.size()) fail("unbalanced ')'");
        int most = 0;
        for (const auto& row : s.most)
            for (int runs : row)
                most = std::max(most, runs);
        return most;
    }

  private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::logic_error("max_runs_in_match: " + what + " at offset " + std::to_string(at_) +
                               " of " + std::string(p_));
    }
    bool more() const { return at_ < p_.size(); }
    char peek() const { return p_[at_]; }

    RunSummary alternation() {
        RunSummary out = concatenation();
        while (more() && peek() == '|') {
            ++at_;
            out = either(out, concatenation());
        }
        return out;
    }
    RunSummary concatenation() {
        RunSummary out = RunSummary::empty_string();
        while (more() && peek() != '|' && peek() != ')')
            out = concat(out, quantified());
        return out;
    }
    RunSummary quantified() {
        RunSummary a = atom();
        while (more()) {
            char c = peek();
            int min = 0;
            int max = 0;
            if (c == '*') {
                min = 0, max = -1, ++at_;
            } else if (c == '+') {
                min = 1, max = -1, ++at_;
            } else if (c == '?') {
                min = 0, max = 1, ++at_;
            } else if (c == '{' && counted(min, max)) {
            } else {
                break;
            }
            if (more() && peek() == '?') ++at_; // lazy: the same strings
            a = repeat(a, min, max);
        }
        return a;
    }
    // {n}, {n,} or {n,m}; false (nothing consumed) when '{' is a literal.
    bool counted(int& min, int& max) {
        std::size_t close = p_.find('}', at_);
        if (close == std::string_view::npos) return false;
        std::string body(p_.substr(at_ + 1, close - at_ - 1));
        std::size_t comma = body.find(',');
        auto number = [](const std::string& s, int& out) {
            if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return false;
            out = std::stoi(s);
            return true;
        };
        if (comma == std::string::npos) {
            if (!number(body, min)) return false;
            max = min;
        } else {
            if (!number(body.substr(0, comma), min)) return false;
            std::string upper = body.substr(comma + 1);
            if (upper.empty())
                max = -1;
            else if (!number(upper, max))
                return false;
        }
        at_ = close + 1;
        return true;
    }
    RunSummary atom() {
        char c = p_[at_++];
        switch (c) {
        case '(': {
            if (more() && peek() == '?') {
                ++at_;
                while (more() &&
                       (std::isalpha(static_cast<unsigned char>(peek())) || peek() == '-'))
                    ++at_;
                if (more() && peek() == ')') { // flags only, as in (?m)
                    ++at_;
                    return RunSummary::empty_string();
                }
                if (!more() || peek() != ':') fail("unknown group syntax");
                ++at_;
            }
            RunSummary inner = alternation();
            if (!more() || peek() != ')') fail("missing ')'");
            ++at_;
            return inner;
        }
        case '[':
            return RunSummary::of_bytes(char_class());
        case '.': {
            std::bitset<256> all;
            all.set();
            all.reset('\n');
            return RunSummary::of_bytes(all);
        }
        case '^':
        case '$':
            return RunSummary::empty_string();
        case '\\': {
            std::bitset<256> bytes;
            if (escape(bytes)) return RunSummary::of_bytes(bytes);
            return RunSummary::empty_string(); // \b, \B, \A, \z
        }
        default: // a literal: both cases of a letter are of its class
            return RunSummary::of_class(run_class(static_cast<unsigned char>(c)));
        }
    }
    static std::bitset<256> perl_class(char name) {
        std::bitset<256> set;
        for (int c = 0; c < 256; ++c) {
            bool in = false;
            switch (name | 0x20) {
            case 's':
                in = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
                break;
            case 'd':
                in = c >= '0' && c <= '9';
                break;
            case 'w':
                in = c < 0x80 && (std::isalnum(c) || c == '_');
                break;
            }
            if (in != static_cast<bool>(std::isupper(static_cast<unsigned char>(name))))
                set.set(static_cast<std::size_t>(c));
        }
        return set;
    }
    // After a backslash: the bytes it stands for (true), or a zero-width assertion (false).
    bool escape(std::bitset<256>& bytes) {
        if (!more()) fail("trailing backslash");
        char c = p_[at_++];
        switch (c) {
        case 'b':
        case 'B':
        case 'A':
        case 'z':
            return false;
        case 's':
        case 'S':
        case 'd':
        case 'D':
        case 'w':
        case 'W':
            bytes |= perl_class(c);
            return true;
        case 'x': {
            if (at_ + 2 > p_.size()) fail("short \\x escape");
            bytes.set(
                static_cast<std::size_t>(std::stoi(std::string(p_.substr(at_, 2)), nullptr, 16)));
            at_ += 2;
            return true;
        }
        case 'n':
            bytes.set('\n');
            return true;
        case 't':
            bytes.set('\t');
            return true;
        case 'r':
            bytes.set('\r');
            return true;
        case 'f':
            bytes.set('\f');
            return true;
        case 'v':
            bytes.set('\v');
            return true;
        default:
            if (std::isalnum(static_cast<unsigned char>(c))) fail("unknown escape");
            bytes.set(static_cast<unsigned char>(c));
            return true;
        }
    }
    std::bitset<256> char_class() {
        bool negated = more() && peek() == '^';
        if (negated) ++at_;
        std::bitset<256> set;
        bool first = true;
        while (more() && (peek() != ']' || first)) {
            first = false;
            std::bitset<256> item;
            int low = -1;
            if (peek() == '\\') {
                ++at_;
                std::bitset<256> escaped;
                if (!escape(escaped)) fail("assertion in a class");
                if (escaped.count() == 1) low = first_byte(escaped);
                item = escaped;
            } else {
                low = static_cast<unsigned char>(p_[at_++]);
                item.set(static_cast<std::size_t>(low));
            }
            if (low >= 0 && at_ + 1 < p_.size() && peek() == '-' && p_[at_ + 1] != ']') {
                ++at_;
                int high = 0;
                if (peek() == '\\') {
                    ++at_;
                    std::bitset<256> escaped;
                    if (!escape(escaped) || escaped.count() != 1) fail("bad range end");
                    high = first_byte(escaped);
                } else {
                    high = static_cast<unsigned char>(p_[at_++]);
                }
                for (int c = low; c <= high; ++c)
                    item.set(static_cast<std::size_t>(c));
            }
            set |= item;
        }
        if (!more()) fail("missing ']'");
        ++at_;
        if (negated) return ~set; // negating the unfolded set: a superset of RE2's
        // Both cases of its letters, as the rules are case-insensitive (an upper bound either
        // way): 'A'..'Z' and 'a'..'z' are 32 codes apart.
        static const std::bitset<256> kUpper = letters('A');
        static const std::bitset<256> kLower = letters('a');
        return set | ((set & kUpper) << 32) | ((set & kLower) >> 32);
    }
    static std::bitset<256> letters(char first) {
        std::bitset<256> out;
        for (int i = 0; i < 26; ++i)
            out.set(static_cast<std::size_t>(first + i));
        return out;
    }
    static int first_byte(const std::bitset<256>& bytes) {
        for (int c = 0; c < 256; ++c)
            if (bytes[static_cast<std::size_t>(c)]) return c;
        return -1;
    }

    std::string_view p_;
    std::size_t at_ = 0;
};

} // namespace

int max_runs_in_match(std::string_view pattern) {
    return PatternParser(pattern).max_runs();
}

std::size_t walk_runs_left(std::string_view text, std::size_t at, int runs) {
    const auto* b = reinterpret_cast<const unsigned char*>(text.data());
    for (int step = 0; step < runs && at > 0; ++step) {
        while (at > 0 && run_class(b[at - 1]) == 0)
            --at;
        if (at == 0) break;
        int kind = run_class(b[at - 1]);
        while (at > 0 && (run_class(b[at - 1]) == kind || run_class(b[at - 1]) == 0))
            --at;
    }
    return at;
}

std::size_t walk_runs_right(std::string_view text, std::size_t at, int runs) {
    const auto* b = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    for (int step = 0; step < runs && at < n; ++step) {
        while (at < n && run_class(b[at]) == 0)
            ++at;
        if (at == n) break;
        int kind = run_class(b[at]);
        while (at < n && (run_class(b[at]) == kind || run_class(b[at]) == 0))
            ++at;
    }
    return at;
}

} // namespace llmops::safety
