#include "data/schema_summary.hpp"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace llmops::data {

namespace {
// The first '"' at or after p, or end. Inline (SSE2) rather than memchr: strings in rows are
// short, and a library call per string was a visible share of `data add`.
const char* find_quote(const char* p, const char* end) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    while (end - p >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(v, quote));
        if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
        p += 16;
    }
#endif
    while (p < end && *p != '"')
        ++p;
    return p;
}
// Equality without a library call for the short keys rows have.
bool same_text(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i]) return false;
    return true;
}
} // namespace

std::size_t skip_canonical_value(std::string_view text, std::size_t at) {
    if (at >= text.size()) return text.size();
    char c = text[at];
    if (c == '"') {
        // Scan to the next quote; it closes the string unless an odd run of backslashes
        // precedes it.
        std::size_t i = at + 1;
        const char* end = text.data() + text.size();
        for (;;) {
            const char* q = find_quote(text.data() + i, end);
            if (q == end) return text.size();
            std::size_t quote = static_cast<std::size_t>(q - text.data());
            std::size_t backslashes = 0;
            while (quote - backslashes > at + 1 && text[quote - backslashes - 1] == '\\')
                ++backslashes;
            if (backslashes % 2 == 0) return quote + 1;
            i = quote + 1;
        }
    }
    if (c == '{' || c == '[') {
        int depth = 0;
        for (std::size_t i = at; i < text.size(); ++i) {
            char d = text[i];
            if (d == '"') {
                i = skip_canonical_value(text, i) - 1;
            } else if (d == '{' || d == '[') {
                ++depth;
            } else if (d == '}' || d == ']') {
                if (--depth == 0) return i + 1;
            }
        }
        return text.size();
    }
    // Scalars run to the next ',', '}' or ']' (canonical text has no whitespace).
    std::size_t i = at;
    while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']')
        ++i;
    return i;
}

namespace {
// The JsonType of a canonical value, as an int.
int type_index(std::string_view value) {
    if (value.empty()) return 4;
    switch (value[0]) {
    case '"':
        return 0;
    case '{':
        return 5;
    case '[':
        return 6;
    case 't':
    case 'f':
        return 3;
    case 'n':
        return 4;
    default:
        return value.find_first_of(".eE") == std::string_view::npos ? 1 : 2;
    }
}
} // namespace

const char* canonical_value_type(std::string_view value) {
    return json_type_name(static_cast<JsonType>(type_index(value)));
}

void SchemaSummary::add_row(std::string_view row) {
    std::size_t position = 0;
    for_each_member(row, [this, &position](std::string_view key, std::string_view value) {
        count(position++, key, type_index(value));
    });
    last_row_fields_ = position;
    has_rows_ = true;
}

void SchemaSummary::add_fields(const std::vector<FieldType>& fields, bool keys_repeat) {
    static_assert(static_cast<int>(JsonType::Array) == 6, "type_index follows JsonType");
    const std::size_t n = fields.size();
    if (keys_repeat && has_rows_ && last_row_fields_ == n) {
        // The row before had these keys at these positions: its fields are the slots.
        for (std::size_t i = 0; i < n; ++i)
            ++last_order_[i]->counts[static_cast<int>(fields[i].type)];
        return;
    }
    for (std::size_t i = 0; i < n; ++i)
        count(i, fields[i].key, static_cast<int>(fields[i].type));
    last_row_fields_ = n;
    has_rows_ = true;
}

void SchemaSummary::count(std::size_t position, std::string_view key, int type) {
    // Rows usually share their keys: try the field seen at this position last time before
    // searching the map.
    if (position >= last_order_.size()) last_order_.resize(position + 1, nullptr);
    FieldTypes*& slot = last_order_[position];
    if (!slot || !same_text(slot->name, key)) {
        auto it = fields_.find(key);
        if (it == fields_.end())
            it = fields_.emplace(std::string(key), FieldTypes{std::string(key), {}}).first;
        slot = &it->second;
    }
    ++slot->counts[type];
}

void SchemaSummary::merge(const SchemaSummary& other) {
    for (const auto& [name, types] : other.fields_) {
        auto it = fields_.find(name);
        if (it == fields_.end()) it = fields_.emplace(name, FieldTypes{name, {}}).first;
        for (int i = 0; i < 7; ++i)
            it->second.counts[i] += types.counts[i];
    }
}

nlohmann::json SchemaSummary::to_json() const {
    nlohmann::json fields = nlohmann::json::object();
    for (const auto& [name, types] : fields_) {
        nlohmann::json counts = nlohmann::json::object();
        for (int i = 0; i < 7; ++i)
            if (types.counts[i]) counts[json_type_name(static_cast<JsonType>(i))] = types.counts[i];
        fields[name] = counts;
    }
    return {{"fields", fields}};
}

} // namespace llmops::data
