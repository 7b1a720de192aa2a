#include "store/postgres_sql.hpp"

#include <cctype>
#include <vector>

namespace llmops::store {

namespace {

bool is_word_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

std::string upper(std::string_view word) {
    std::string out(word);
    for (char& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

// Where a literal, quoted name or comment that starts at i ends (one past it); i when none
// starts there.
std::size_t skip_quoted(std::string_view sql, std::size_t i) {
    char c = sql[i];
    if (c == '\'' || c == '"') {
        std::size_t j = i + 1;
        while (j < sql.size()) {
            if (sql[j] == c) {
                if (j + 1 < sql.size() && sql[j + 1] == c) {
                    j += 2; // doubled quote inside
                    continue;
                }
                return j + 1;
            }
            ++j;
        }
        return sql.size();
    }
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
        auto end = sql.find('\n', i);
        return end == std::string_view::npos ? sql.size() : end;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
        auto end = sql.find("*/", i + 2);
        return end == std::string_view::npos ? sql.size() : end + 2;
    }
    return i;
}

// Whether the word at i stands where a column's name does (right after "(" or ","): a column
// called text, not the type.
bool names_a_column(std::string_view sql, std::size_t i) {
    while (i > 0 && std::isspace(static_cast<unsigned char>(sql[i - 1])))
        --i;
    return i == 0 || sql[i - 1] == '(' || sql[i - 1] == ',';
}

// The statement's words (outside literals and comments) with their positions, for look-ahead.
struct Word {
    std::size_t begin, end;
    std::string upper;
};

} // namespace

PostgresStatement translate_to_postgres(std::string_view sql, bool ddl) {
    std::vector<Word> words;
    for (std::size_t i = 0; i < sql.size();) {
        if (std::size_t after = skip_quoted(sql, i); after != i) {
            i = after;
        } else if (is_word_start(sql[i])) {
            std::size_t j = i;
            while (j < sql.size() && is_word_char(sql[j]))
                ++j;
            words.push_back({i, j, upper(sql.substr(i, j - i))});
            i = j;
        } else if (std::isdigit(static_cast<unsigned char>(sql[i]))) {
            while (i < sql.size() && is_word_char(sql[i]))
                ++i; // 1e9, 0x10: not words
        } else {
            ++i;
        }
    }
    auto word_at = [&](std::size_t w) -> const std::string& {
        static const std::string none;
        return w < words.size() ? words[w].upper : none;
    };
    // The word after w when only spaces separate them ("INTEGER PRIMARY", not "INTEGER, PRIMARY").
    auto next_word = [&](std::size_t w) -> const std::string& {
        static const std::string none;
        if (w + 1 >= words.size()) return none;
        for (std::size_t i = words[w].end; i < words[w + 1].begin; ++i)
            if (!std::isspace(static_cast<unsigned char>(sql[i]))) return none;
        return words[w + 1].upper;
    };

    PostgresStatement out;
    std::string& text = out.sql;
    text.reserve(sql.size() + 64);
    bool on_conflict_pending = false; // an INSERT OR IGNORE whose statement has not ended
    // Ends an INSERT OR IGNORE's statement; before RETURNING, a space separates the two.
    auto close_insert = [&](const char* then = "") {
        if (!on_conflict_pending) return;
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
            text.pop_back();
        text += " ON CONFLICT DO NOTHING";
        text += then;
        on_conflict_pending = false;
    };
    std::size_t w = 0; // the next word
    for (std::size_t i = 0; i < sql.size();) {
        if (std::size_t after = skip_quoted(sql, i); after != i) {
            text.append(sql.substr(i, after - i));
            i = after;
            continue;
        }
        char c = sql[i];
        if (c == '?') {
            std::size_t j = i + 1;
            int number = 0;
            while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j])) &&
                   number < 100000)
                number = number * 10 + (sql[j++] - '0');
            if (j == i + 1) number = out.parameters + 1;
            if (number > out.parameters) out.parameters = number;
            text += '$' + std::to_string(number);
            i = j;
            continue;
        }
        if (c == ';') {
            close_insert();
            text += c;
            ++i;
            continue;
        }
        if (w < words.size() && words[w].begin == i) {
            const std::string& word = words[w].upper;
            std::size_t end = words[w].end;
            std::size_t consumed = 1;
            std::string replacement(sql.substr(i, end - i));
            if (word == "INSERT" && next_word(w) == "OR" && next_word(w + 1) == "IGNORE") {
                replacement = std::string(sql.substr(i, end - i));
                on_conflict_pending = true;
                consumed = 3;
            } else if (word == "RETURNING") {
                close_insert(" ");
            } else if (word == "IFNULL") {
                replacement = "COALESCE";
            } else if (word == "INTEGER") {
                replacement = "BIGINT";
                if (ddl && next_word(w) == "PRIMARY" && next_word(w + 1) == "KEY") {
                    replacement = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
                    consumed = 3;
                }
            } else if (word == "REAL") {
                replacement = "DOUBLE PRECISION";
            } else if (word == "BLOB") {
                replacement = "BYTEA";
            } else if (ddl && word == "TEXT" && word_at(w - 1) != "AS" && !names_a_column(sql, i)) {
                replacement = "TEXT COLLATE \"C\"";
            } else if (ddl && word == "AUTOINCREMENT") {
                replacement.clear();
            } else if (ddl && word == "WITHOUT" && next_word(w) == "ROWID") {
                replacement.clear();
                consumed = 2;
            }
            text += replacement;
            i = words[w + consumed - 1].end;
            w += consumed;
            continue;
        }
        text += c;
        ++i;
    }
    close_insert();
    return out;
}

} // namespace llmops::store
