#include "json/canonical_json.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "json/json_error_locator.hpp"
#include "json/json_string.hpp"
#include "json/single_pass_canonicalizer.hpp"
#include "json/text_buffer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <locale.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>
#include <vector>

namespace llmops {

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);

namespace {

const char* type_name(simdjson::dom::element_type type) {
    using T = simdjson::dom::element_type;
    switch (type) {
    case T::ARRAY:
        return "array";
    case T::OBJECT:
        return "object";
    case T::STRING:
        return "string";
    case T::INT64:
    case T::UINT64:
    case T::DOUBLE:
        return "number";
    case T::BOOL:
        return "boolean";
    case T::NULL_VALUE:
        return "null";
    }
    return "value";
}

const char* type_name(const nlohmann::json& value) {
    switch (value.type()) {
    case nlohmann::json::value_t::array:
        return "array";
    case nlohmann::json::value_t::object:
        return "object";
    case nlohmann::json::value_t::string:
        return "string";
    case nlohmann::json::value_t::boolean:
        return "boolean";
    case nlohmann::json::value_t::null:
        return "null";
    default:
        return "number";
    }
}

std::size_t first_non_space(const char* data, std::size_t size) {
    std::size_t i = 0;
    while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
        ++i;
    return i;
}

JsonTextError too_deep(std::size_t offset) {
    return JsonTextError(
        JsonIssue::TooDeep,
        "JSON nested too deeply (more than " + std::to_string(kMaxJsonDepth) + " levels)", offset);
}

JsonTextError duplicate_key_error(std::string_view text, std::string_view key) {
    // Where: found again by scanning the text; only on this error path.
    auto found = find_duplicate_key(text);
    std::size_t offset = found ? found->offset : std::string_view::npos;
    std::string_view shown = found ? std::string_view(found->key) : key;
    return JsonTextError(JsonIssue::DuplicateKey, "duplicate key " + quote_for_message(shown),
                         offset);
}

class NlohmannWriter {
  public:
    explicit NlohmannWriter(std::string& out) : out_(out) {}

    void write(const nlohmann::json& value, std::size_t depth) {
        using V = nlohmann::json::value_t;
        switch (value.type()) {
        case V::null:
            out_ += "null";
            return;
        case V::boolean:
            out_ += value.get<bool>() ? "true" : "false";
            return;
        case V::number_integer:
            append_canonical_int(value.get<std::int64_t>(), out_);
            return;
        case V::number_unsigned:
            append_canonical_uint(value.get<std::uint64_t>(), out_);
            return;
        case V::number_float: {
            const double d = value.get<double>();
            if (!std::isfinite(d))
                throw JsonTextError(JsonIssue::NumberOutOfRange, "number out of range",
                                    std::string_view::npos);
            append_canonical_double(d, out_);
            return;
        }
        case V::string:
            write_string(value.get_ref<const std::string&>());
            return;
        case V::array: {
            if (depth >= kMaxJsonDepth) throw too_deep(std::string_view::npos);
            out_ += '[';
            bool first = true;
            for (const auto& element : value) {
                if (!first) out_ += ',';
                first = false;
                write(element, depth + 1);
            }
            out_ += ']';
            return;
        }
        case V::object: {
            if (depth >= kMaxJsonDepth) throw too_deep(std::string_view::npos);
            // nlohmann::json keeps keys unique and sorted, but ordered_json-like inputs or a
            // different comparator must not change our bytes: sort explicitly.
            std::vector<std::pair<std::string_view, const nlohmann::json*>> members;
            members.reserve(value.size());
            for (const auto& item : value.items())
                members.emplace_back(item.key(), &item.value());
            std::sort(members.begin(), members.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
            out_ += '{';
            for (std::size_t i = 0; i < members.size(); ++i) {
                if (i > 0) out_ += ',';
                write_string(members[i].first);
                out_ += ':';
                write(*members[i].second, depth + 1);
            }
            out_ += '}';
            return;
        }
        case V::binary:
        case V::discarded:
            break;
        }
        throw JsonTextError(JsonIssue::Malformed, "value has no JSON text form",
                            std::string_view::npos);
    }

  private:
    void write_string(std::string_view text) {
        if (!is_valid_utf8(text))
            throw JsonTextError(JsonIssue::InvalidUtf8, "invalid UTF-8 in a string",
                                std::string_view::npos);
        append_json_string(text, out_);
    }

    std::string& out_;
};

// strtod in the C locale whatever the process locale: for numbers from_chars rejects.
double strtod_c(const std::string& text) {
    static locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
    return strtod_l(text.c_str(), nullptr, c_locale);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Building blocks

namespace {

// True when one of the 8 bytes is < 0x20, '"' or '\\' (exact "any byte" tests, SWAR).
inline bool may_need_escape(std::uint64_t w) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    const std::uint64_t control = (w - ones * 0x20) & ~w & highs;
    const std::uint64_t q = w ^ (ones * '"');
    const std::uint64_t b = w ^ (ones * '\\');
    return (control | ((q - ones) & ~q & highs) | ((b - ones) & ~b & highs)) != 0;
}

template <class Out> void write_json_string(std::string_view utf8, Out& out) {
    static constexpr char kHex[] = "0123456789abcdef";
    const char* p = utf8.data();
    const std::size_t n = utf8.size();
    out.reserve(out.size() + n + 2);
    out += '"';
    std::size_t i = 0;
    std::size_t run = 0; // start of bytes not yet copied
    while (i < n) {
        // Most strings need no escaping: skip 8 clean bytes at a time.
        while (i + 8 <= n) {
            std::uint64_t word;
            std::memcpy(&word, p + i, 8);
            if (may_need_escape(word)) break;
            i += 8;
        }
        const std::size_t stop = std::min(n, i + 8);
        for (; i < stop; ++i) {
            const char esc = kJsonEscape[static_cast<unsigned char>(p[i])];
            if (esc == 0) continue;
            out.append(p + run, i - run);
            if (esc == 'u') {
                const auto c = static_cast<unsigned char>(p[i]);
                const char seq[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
                out.append(seq, 6);
            } else {
                const char seq[2] = {'\\', esc};
                out.append(seq, 2);
            }
            run = i + 1;
        }
    }
    out.append(p + run, n - run);
    out += '"';
}

template <class Out> void write_int(std::int64_t value, Out& out) {
    char buf[24];
    auto result = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, static_cast<std::size_t>(result.ptr - buf));
}

template <class Out> void write_uint(std::uint64_t value, Out& out) {
    char buf[24];
    auto result = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, static_cast<std::size_t>(result.ptr - buf));
}

template <class Out> void write_double(double value, Out& out) {
    if (value == 0) { // also -0
        out += '0';
        return;
    }
    if (std::trunc(value) == value) {
        // Integral values an integer type can hold are spelled like that integer, so 1.0, 1e0
        // and 1 are one number.
        if (value >= -9223372036854775808.0 && value < 9223372036854775808.0) {
            write_int(static_cast<std::int64_t>(value), out);
            return;
        }
        if (value > 0 && value < 18446744073709551616.0) {
            write_uint(static_cast<std::uint64_t>(value), out);
            return;
        }
    }
    // Shortest round-trip digits, then ECMAScript's layout (as in RFC 8785).
    char buf[40];
    auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<std::size_t>(result.ptr - buf));
    if (sci.front() == '-') {
        out += '-';
        sci.remove_prefix(1);
    }
    const std::size_t e_pos = sci.find('e');
    char digits[24];
    std::size_t k = 0;
    for (std::size_t i = 0; i < e_pos; ++i) {
        if (sci[i] != '.') digits[k++] = sci[i];
    }
    while (k > 1 && digits[k - 1] == '0')
        --k;
    int exponent = 0;
    std::string_view exp_text = sci.substr(e_pos + 1);
    if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
    std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
    const int n = exponent + 1; // value = 0.digits × 10^n
    const int kk = static_cast<int>(k);
    if (kk <= n && n <= 21) {
        out.append(digits, k);
        out.append(static_cast<std::size_t>(n - kk), '0');
    } else if (0 < n && n <= 21) {
        out.append(digits, static_cast<std::size_t>(n));
        out += '.';
        out.append(digits + n, k - static_cast<std::size_t>(n));
    } else if (-6 < n && n <= 0) {
        out += std::string_view("0.");
        out.append(static_cast<std::size_t>(-n), '0');
        out.append(digits, k);
    } else {
        out += digits[0];
        if (k > 1) {
            out += '.';
            out.append(digits + 1, k - 1);
        }
        out += 'e';
        out += (n - 1 >= 0) ? '+' : '-';
        write_int(std::abs(n - 1), out);
    }
}

} // namespace

void append_json_string(std::string_view utf8, std::string& out) {
    write_json_string(utf8, out);
}
void append_canonical_int(std::int64_t value, std::string& out) {
    write_int(value, out);
}
void append_canonical_uint(std::uint64_t value, std::string& out) {
    write_uint(value, out);
}
void append_canonical_double(double value, std::string& out) {
    write_double(value, out);
}

bool append_canonical_number_text(std::string_view literal, std::string& out) {
    const char* first = literal.data();
    const char* last = first + literal.size();
    const bool integral = literal.find_first_of(".eE") == std::string_view::npos;
    if (integral) {
        if (literal.front() == '-') {
            std::int64_t v = 0;
            auto r = std::from_chars(first, last, v);
            if (r.ec == std::errc{} && r.ptr == last) {
                append_canonical_int(v, out);
                return true;
            }
        } else {
            std::uint64_t v = 0;
            auto r = std::from_chars(first, last, v);
            if (r.ec == std::errc{} && r.ptr == last) {
                append_canonical_uint(v, out);
                return true;
            }
        }
    }
    double d = 0;
    auto r = std::from_chars(first, last, d);
    if (r.ec == std::errc::result_out_of_range) {
        // from_chars reports underflow and overflow alike; strtod tells them apart (underflow
        // gives 0 or a subnormal, as simdjson and nlohmann do).
        d = strtod_c(std::string(literal));
    } else if (r.ec != std::errc{} || r.ptr != last) {
        return false;
    }
    if (!std::isfinite(d)) return false;
    append_canonical_double(d, out);
    return true;
}

// ---------------------------------------------------------------------------------------------
// simdjson path

struct JsonCanonicalizer::Impl {
    bool fast_path = true;
    bool last_was_fast = false;
    SinglePassCanonicalizer single_pass;
    std::string padded;    // append_unpadded's copy for the full path
    std::string full_text; // and its output, for a TextBuffer
    simdjson::dom::parser parser;
    struct DomMember {
        std::string_view key;
        simdjson::dom::element value;
    };
    std::vector<std::vector<DomMember>> members_by_depth;
    std::string_view text; // the text being canonicalised, for error positions
    TextBuffer buffer;

    void write(simdjson::dom::element element, TextBuffer& out, std::size_t depth) {
        using T = simdjson::dom::element_type;
        switch (element.type()) {
        case T::OBJECT: {
            simdjson::dom::object object(element); // the type was checked
            write_object(object, out, depth);
            return;
        }
        case T::ARRAY: {
            simdjson::dom::array array(element);
            out += '[';
            bool first = true;
            for (simdjson::dom::element child : array) {
                if (!first) out += ',';
                first = false;
                write(child, out, depth + 1);
            }
            out += ']';
            return;
        }
        case T::STRING:
            write_json_string(element.get_string().value_unsafe(), out);
            return;
        case T::INT64:
            write_int(element.get_int64().value_unsafe(), out);
            return;
        case T::UINT64:
            write_uint(element.get_uint64().value_unsafe(), out);
            return;
        case T::DOUBLE:
            write_double(element.get_double().value_unsafe(), out);
            return;
        case T::BOOL:
            out += element.get_bool().value_unsafe() ? std::string_view("true")
                                                     : std::string_view("false");
            return;
        case T::NULL_VALUE:
            out += std::string_view("null");
            return;
        }
    }

    void write_object(simdjson::dom::object object, TextBuffer& out, std::size_t depth) {
        // The DOM tape allows visiting members in any order: sort them, then write once.
        // One member list per depth, sized up front (simdjson caps the depth), so the list
        // stays valid while children are written.
        auto& members = members_by_depth[depth];
        members.clear();
        for (auto [key, value] : object)
            members.push_back({key, value});
        auto by_key = [](const DomMember& a, const DomMember& b) { return a.key < b.key; };
        if (!std::is_sorted(members.begin(), members.end(), by_key))
            std::sort(members.begin(), members.end(), by_key);
        for (std::size_t i = 1; i < members.size(); ++i) {
            if (members[i - 1].key == members[i].key)
                throw duplicate_key_error(text, members[i].key);
        }
        out += '{';
        for (std::size_t i = 0; i < members.size(); ++i) {
            if (i > 0) out += ',';
            write_json_string(members[i].key, out);
            out += ':';
            write(members[i].value, out, depth + 1);
        }
        out += '}';
    }
};

JsonCanonicalizer::JsonCanonicalizer(FastPath fast_path) : impl_(std::make_unique<Impl>()) {
    impl_->fast_path = fast_path == FastPath::On;
    impl_->members_by_depth.resize(kMaxJsonDepth + 2);
}
JsonCanonicalizer::~JsonCanonicalizer() = default;

namespace {

// The slow path: simdjson refused the text. Find out why, with a position, or (for integers
// beyond 64 bits, which simdjson's DOM rejects) canonicalise it through nlohmann instead.
void append_after_simdjson_error(simdjson::error_code error, std::string_view text,
                                 std::string& out, JsonRoot root) {
    using simdjson::error_code;
    if (error == error_code::UTF8_ERROR) {
        auto at = find_invalid_utf8(text);
        throw JsonTextError(JsonIssue::InvalidUtf8, "invalid UTF-8",
                            at ? *at : std::string_view::npos);
    }
    if (error == error_code::DEPTH_ERROR) throw too_deep(std::string_view::npos);
    if (auto problem = describe_json_syntax_error(text))
        throw JsonTextError(JsonIssue::Malformed, "malformed JSON: " + problem->message,
                            problem->offset);
    if (error != error_code::NUMBER_ERROR) {
        // nlohmann accepts what simdjson refused: report simdjson's reason, position unknown.
        throw JsonTextError(JsonIssue::Malformed,
                            std::string("malformed JSON: ") + simdjson::error_message(error),
                            std::string_view::npos);
    }
    nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
    if (value.is_discarded())
        throw JsonTextError(JsonIssue::Malformed, "malformed JSON", std::string_view::npos);
    if (root == JsonRoot::Object && !value.is_object())
        throw JsonTextError(JsonIssue::NotObject,
                            std::string("not a JSON object (found ") + type_name(value) + ")",
                            first_non_space(text.data(), text.size()));
    if (auto dup = find_duplicate_key(text))
        throw JsonTextError(JsonIssue::DuplicateKey, "duplicate key " + quote_for_message(dup->key),
                            dup->offset);
    NlohmannWriter(out).write(value, 0);
}

} // namespace

void JsonCanonicalizer::append(const char* data, std::size_t size, std::string& out,
                               JsonRoot root) {
    impl_->last_was_fast =
        impl_->fast_path && impl_->single_pass.append(std::string_view(data, size), root, out);
    if (!impl_->last_was_fast) append_full(data, size, out, root);
}

void JsonCanonicalizer::append_unpadded(std::string_view text, TextBuffer& out, JsonRoot root) {
    impl_->last_was_fast = impl_->fast_path && impl_->single_pass.append(text, root, out);
    if (impl_->last_was_fast) return;
    std::string& padded = impl_->padded;
    padded.assign(text);
    padded.append(kJsonPadding, ' ');
    std::string& full = impl_->full_text;
    full.clear();
    append_full(padded.data(), text.size(), full, root);
    out += full;
}

bool JsonCanonicalizer::last_keys_repeat() const {
    return impl_->last_was_fast && impl_->single_pass.keys_repeat();
}

const std::vector<FieldType>* JsonCanonicalizer::last_fields() const {
    if (!impl_->last_was_fast) return nullptr;
    return impl_->single_pass.fields();
}

void JsonCanonicalizer::append_full(const char* data, std::size_t size, std::string& out,
                                    JsonRoot root) {
    const std::size_t mark = out.size();
    impl_->text = std::string_view(data, size);
    simdjson::dom::element document;
    const auto error = impl_->parser.parse(data, size, false).get(document);
    try {
        if (error) {
            append_after_simdjson_error(error, impl_->text, out, root);
            return;
        }
        if (root == JsonRoot::Object && document.type() != simdjson::dom::element_type::OBJECT)
            throw JsonTextError(JsonIssue::NotObject,
                                std::string("not a JSON object (found ") +
                                    type_name(document.type()) + ")",
                                first_non_space(data, size));
        impl_->buffer.clear();
        impl_->write(document, impl_->buffer, 0);
        out.append(impl_->buffer.data(), impl_->buffer.size());
    } catch (...) {
        out.resize(mark);
        throw;
    }
}

// ---------------------------------------------------------------------------------------------
// Convenience forms

namespace {

[[noreturn]] void rethrow_located(const JsonTextError& e, std::string_view text) {
    ErrorLocation where;
    if (e.offset() != std::string_view::npos) {
        const TextPosition pos = position_of(text, e.offset());
        where.line = pos.line;
        where.column = pos.column;
    }
    throw Error(ErrorKind::BadInput, e.what(), where);
}

} // namespace

std::string canonical_json_text(std::string_view text) {
    std::string padded;
    padded.reserve(text.size() + kJsonPadding);
    padded.assign(text);
    padded.append(kJsonPadding, ' ');
    JsonCanonicalizer canonicalizer;
    std::string out;
    try {
        canonicalizer.append(padded.data(), text.size(), out);
    } catch (const JsonTextError& e) {
        rethrow_located(e, text);
    }
    return out;
}

void append_canonical_json(const nlohmann::json& value, std::string& out) {
    const std::size_t mark = out.size();
    try {
        NlohmannWriter(out).write(value, 0);
    } catch (const JsonTextError& e) {
        out.resize(mark);
        throw Error(ErrorKind::BadInput, e.what());
    }
}

std::string canonical_json(const nlohmann::json& value) {
    std::string out;
    append_canonical_json(value, out);
    return out;
}

const char* json_type_name(JsonType type) {
    static constexpr const char* kNames[] = {"string", "integer", "number", "boolean",
                                             "null",   "object",  "array"};
    return kNames[static_cast<int>(type)];
}

} // namespace llmops
