#include "data/ops/row_filter.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "data/canonical_row.hpp"

#include <charconv>
#include <optional>
#include <re2/re2.h>

namespace llmops::data {

namespace {

struct OpSpelling {
    std::string_view text;
    WhereOp op;
    bool word; // needs a space before it (and after, unless unary)
};

// Longer spellings first, so "<=" wins over "<" at the same position.
constexpr OpSpelling kOps[] = {
    {"==", WhereOp::Eq, false},
    {"!=", WhereOp::Ne, false},
    {"<=", WhereOp::Le, false},
    {">=", WhereOp::Ge, false},
    {"<", WhereOp::Lt, false},
    {">", WhereOp::Gt, false},
    {" contains ", WhereOp::Contains, true},
    {" matches ", WhereOp::Matches, true},
};

bool ends_with_word(std::string_view s, std::string_view word) {
    return s.size() > word.size() && s.substr(s.size() - word.size()) == word &&
           s[s.size() - word.size() - 1] == ' ';
}

// The JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view s) {
    std::size_t i = 0;
    auto digits = [&] {
        std::size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9')
            ++i;
        return i > start;
    };
    if (i < s.size() && s[i] == '-') ++i;
    if (i < s.size() && s[i] == '0')
        ++i;
    else if (!digits())
        return false;
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!digits()) return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (!digits()) return false;
    }
    return i == s.size() && !s.empty();
}

// -1, 0, 1; integers compare exactly, others as doubles.
int compare_numbers(std::string_view a, std::string_view b) {
    std::int64_t ia = 0, ib = 0;
    auto ra = std::from_chars(a.data(), a.data() + a.size(), ia);
    auto rb = std::from_chars(b.data(), b.data() + b.size(), ib);
    if (ra.ec == std::errc() && ra.ptr == a.data() + a.size() && rb.ec == std::errc() &&
        rb.ptr == b.data() + b.size())
        return ia < ib ? -1 : ia > ib ? 1 : 0;
    double da = std::strtod(std::string(a).c_str(), nullptr);
    double db = std::strtod(std::string(b).c_str(), nullptr);
    return da < db ? -1 : da > db ? 1 : 0;
}

bool holds(WhereOp op, int cmp) {
    switch (op) {
    case WhereOp::Eq:
        return cmp == 0;
    case WhereOp::Ne:
        return cmp != 0;
    case WhereOp::Lt:
        return cmp < 0;
    case WhereOp::Le:
        return cmp <= 0;
    case WhereOp::Gt:
        return cmp > 0;
    case WhereOp::Ge:
        return cmp >= 0;
    default:
        return false;
    }
}

} // namespace

WhereExpr parse_where(std::string_view text) {
    const std::string hint =
        "write FIELD==VALUE, FIELD!=VALUE, FIELD<VALUE (<=, >, >=), FIELD contains TEXT, "
        "FIELD matches REGEX, FIELD exists or FIELD missing";
    WhereExpr expr;
    expr.text = std::string(text);
    std::string_view t = trim_blanks(text);
    for (auto [word, op] : {std::pair{std::string_view("exists"), WhereOp::Exists},
                            std::pair{std::string_view("missing"), WhereOp::Missing}}) {
        if (ends_with_word(t, word)) {
            expr.field = std::string(trim_blanks(t.substr(0, t.size() - word.size())));
            expr.op = op;
            if (expr.field.empty()) break;
            return expr;
        }
    }
    // The operator that appears first; at one position the longer spelling.
    std::size_t best_at = std::string_view::npos;
    const OpSpelling* best = nullptr;
    for (const auto& spelling : kOps) {
        std::size_t at = t.find(spelling.text);
        if (at != std::string_view::npos && (best_at == std::string_view::npos || at < best_at)) {
            best_at = at;
            best = &spelling;
        }
    }
    if (!best)
        throw Error(ErrorKind::Usage, "bad --where expression '" + expr.text + "'", {}, hint);
    expr.op = best->op;
    expr.field = std::string(trim_blanks(t.substr(0, best_at)));
    std::string_view value = t.substr(best_at + best->text.size());
    // Word operators keep the value as written; symbol operators allow spaces around it.
    expr.value = std::string(best->word ? value : trim_blanks(value));
    if (expr.field.empty())
        throw Error(ErrorKind::Usage, "bad --where expression '" + expr.text + "': no field name",
                    {}, hint);
    return expr;
}

struct RowFilter::Test {
    std::string key; // canonical (escaped) field name
    WhereOp op;
    std::string value;
    bool numeric_value = false;
    std::unique_ptr<re2::RE2> regex;
};

RowFilter::RowFilter() = default;
RowFilter::~RowFilter() = default;
RowFilter::RowFilter(RowFilter&&) noexcept = default;
RowFilter& RowFilter::operator=(RowFilter&&) noexcept = default;

RowFilter::RowFilter(const std::vector<std::string>& expressions) {
    for (const auto& text : expressions) {
        WhereExpr expr = parse_where(text);
        Test test{canonical_key(expr.field), expr.op, expr.value, is_json_number(expr.value), {}};
        if (expr.op == WhereOp::Matches) {
            RE2::Options options;
            options.set_log_errors(false); // the error goes into our one-line message instead
            test.regex = std::make_unique<re2::RE2>(expr.value, options);
            if (!test.regex->ok())
                throw Error(ErrorKind::BadInput, "invalid regular expression in --where '" +
                                                     expr.text + "': " + test.regex->error());
        }
        exprs_.push_back(std::move(expr));
        tests_.push_back(std::move(test));
    }
}

bool RowFilter::matches(std::string_view row) const {
    for (const Test& test : tests_) {
        std::optional<std::string_view> value = find_field(row, test.key);
        bool ok = false;
        switch (test.op) {
        case WhereOp::Exists:
            ok = value.has_value();
            break;
        case WhereOp::Missing:
            ok = !value.has_value();
            break;
        case WhereOp::Contains:
            ok = value && value_text(*value).find(test.value) != std::string::npos;
            break;
        case WhereOp::Matches:
            ok = value && RE2::PartialMatch(value_text(*value), *test.regex);
            break;
        default:
            if (!value) {
                ok = test.op == WhereOp::Ne;
            } else {
                // Canonical numbers start with '-' or a digit; nothing else does.
                char first = value->front();
                bool numeric_field = first == '-' || (first >= '0' && first <= '9');
                int cmp = numeric_field && test.numeric_value
                              ? compare_numbers(*value, test.value)
                              : value_text(*value).compare(test.value);
                ok = holds(test.op, cmp);
            }
        }
        if (!ok) return false;
    }
    return true;
}

} // namespace llmops::data
