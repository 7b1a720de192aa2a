#pragma once
// `--where` expressions over canonical rows:
//   FIELD==VALUE  FIELD!=VALUE  FIELD<VALUE  FIELD<=VALUE  FIELD>VALUE  FIELD>=VALUE
//   FIELD contains TEXT   FIELD matches REGEX (RE2, found anywhere)   FIELD exists   FIELD missing
// FIELD is a top-level field name. Comparisons are numeric when the field holds a number and
// VALUE is a JSON number, else they compare text: a string's content or another value's
// canonical JSON (`true`, `null`). A missing field fails every test except != and `missing`.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace llmops::data {

enum class WhereOp { Eq, Ne, Lt, Le, Gt, Ge, Contains, Matches, Exists, Missing };

struct WhereExpr {
    std::string text; // as given
    std::string field;
    WhereOp op = WhereOp::Exists;
    std::string value;
};

// Throws Error(Usage) for malformed text.
WhereExpr parse_where(std::string_view text);

// All expressions must hold (AND). Compiles regexes once; thread-safe to use.
class RowFilter {
  public:
    RowFilter();
    // Throws Error(Usage) for malformed expressions, Error(BadInput) with RE2's message for
    // an invalid regex.
    explicit RowFilter(const std::vector<std::string>& expressions);
    ~RowFilter();
    RowFilter(RowFilter&&) noexcept;
    RowFilter& operator=(RowFilter&&) noexcept;

    bool empty() const { return tests_.empty(); }
    bool matches(std::string_view canonical_row) const;
    const std::vector<WhereExpr>& expressions() const { return exprs_; }

  private:
    struct Test;
    std::vector<WhereExpr> exprs_;
    std::vector<Test> tests_;
};

} // namespace llmops::data
