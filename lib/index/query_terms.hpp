#pragma once
// Free query text to an FTS5 MATCH expression in which nothing the user typed is syntax.
// The text is split by the index's own FTS5 tokenizer (the one that split the passages), so
// query terms and indexed terms agree exactly; each distinct term becomes a quoted string,
// and the strings are joined with OR. Quotes, AND/OR/NOT/NEAR, '-', ':', '*', '^' and
// parentheses in user text are separators or plain words, never operators.
#include "store/database.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::index {

class QueryTokenizer {
  public:
    // spec: an FTS5 tokenize= value, e.g. "unicode61 remove_diacritics 2". Throws Error(Store)
    // when FTS5 or the tokenizer is missing.
    QueryTokenizer(store::Database& db, std::string_view spec);
    ~QueryTokenizer();
    QueryTokenizer(QueryTokenizer&&) noexcept;
    QueryTokenizer& operator=(QueryTokenizer&&) = delete;
    QueryTokenizer(const QueryTokenizer&) = delete;
    QueryTokenizer& operator=(const QueryTokenizer&) = delete;

    // The distinct terms of text, in order of first appearance. Throws Error(BadInput) for a
    // text over 2 GiB (FTS5 takes an int length).
    std::vector<std::string> terms(std::string_view text) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// "t1" OR "t2" ...: each term a quoted FTS5 string ('"' doubled). Empty for no terms.
std::string match_expression(const std::vector<std::string>& terms);

} // namespace llmops::index
