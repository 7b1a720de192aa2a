#include "index/query_terms.hpp"

#include "core/error.hpp"
#include "index/fts5_api.hpp"

#include <climits>
#include <sqlite3.h>
#include <unordered_set>

namespace llmops::index {

struct QueryTokenizer::Impl {
    fts5_tokenizer methods{};
    Fts5Tokenizer* instance = nullptr;
    ~Impl() {
        if (instance) methods.xDelete(instance);
    }
};

namespace {

std::vector<std::string> split_spec(std::string_view spec) {
    std::vector<std::string> words;
    std::size_t at = 0;
    while (at < spec.size()) {
        std::size_t end = spec.find(' ', at);
        if (end == std::string_view::npos) end = spec.size();
        if (end > at) words.emplace_back(spec.substr(at, end - at));
        at = end + 1;
    }
    return words;
}

struct TermCollector {
    std::vector<std::string> terms;
    std::unordered_set<std::string> seen;
    bool out_of_memory = false;
};

int collect_term(void* context, int flags, const char* token, int size, int, int) {
    auto* collector = static_cast<TermCollector*>(context);
    // Colocated tokens are synonyms of the previous one; unicode61 makes none.
    if ((flags & FTS5_TOKEN_COLOCATED) != 0 || size <= 0) return SQLITE_OK;
    try {
        std::string term(token, static_cast<std::size_t>(size));
        if (collector->seen.insert(term).second) collector->terms.push_back(std::move(term));
    } catch (const std::bad_alloc&) {
        collector->out_of_memory = true;
        return SQLITE_NOMEM;
    }
    return SQLITE_OK;
}

} // namespace

QueryTokenizer::QueryTokenizer(store::Database& db, std::string_view spec)
    : impl_(std::make_unique<Impl>()) {
    std::vector<std::string> words = split_spec(spec);
    if (words.empty()) throw_store_error("an index has an empty tokenizer setting");
    fts5_api& api = fts5_api_of(db);
    void* context = nullptr;
    if (api.xFindTokenizer(&api, words[0].c_str(), &context, &impl_->methods) != SQLITE_OK)
        throw_store_error("SQLite has no FTS5 tokenizer '" + words[0] + "'");
    std::vector<const char*> args;
    for (std::size_t i = 1; i < words.size(); ++i)
        args.push_back(words[i].c_str());
    if (impl_->methods.xCreate(context, args.data(), static_cast<int>(args.size()),
                               &impl_->instance) != SQLITE_OK) {
        impl_->instance = nullptr;
        throw_store_error("cannot create the FTS5 tokenizer '" + std::string(spec) + "'");
    }
}

QueryTokenizer::~QueryTokenizer() = default;
QueryTokenizer::QueryTokenizer(QueryTokenizer&&) noexcept = default;

std::vector<std::string> QueryTokenizer::terms(std::string_view text) const {
    if (text.size() > static_cast<std::size_t>(INT_MAX))
        throw_bad_input("the query text is too long (over 2 GiB)");
    if (text.empty()) return {};
    TermCollector collector;
    int rc = impl_->methods.xTokenize(impl_->instance, &collector, FTS5_TOKENIZE_QUERY, text.data(),
                                      static_cast<int>(text.size()), collect_term);
    if (collector.out_of_memory) throw std::bad_alloc();
    if (rc != SQLITE_OK) throw_store_error("the FTS5 tokenizer failed on the query text");
    return std::move(collector.terms);
}

std::string match_expression(const std::vector<std::string>& terms) {
    std::string expression;
    for (const auto& term : terms) {
        if (!expression.empty()) expression += " OR ";
        expression += '"';
        for (char c : term) {
            if (c == '"') expression += '"';
            expression += c;
        }
        expression += '"';
    }
    return expression;
}

} // namespace llmops::index
