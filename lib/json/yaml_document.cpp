// YAML -> JSON with positions. Built on yaml-cpp's event parser rather than YAML::Node: events
// carry the mark of every scalar and collection, tell plain from quoted scalars, and show
// duplicate keys (YAML::Node silently keeps one of them).
#include "json/yaml_document.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "core/file_io.hpp"
#include "core/text.hpp"

namespace llmops {
namespace {

using nlohmann::json;

// Alias expansion can grow a small file exponentially ("billion laughs"); stop long before
// memory runs out. No real config comes near this.
constexpr std::size_t max_values = 1'000'000;

} // namespace

std::string json_pointer_token(std::string_view token) {
    std::string out;
    for (char c : token) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

namespace {

std::size_t count_values(const json& value) {
    std::size_t n = 1;
    if (value.is_structured())
        for (const auto& item : value)
            n += count_values(item);
    return n;
}

template <typename T> bool parse_integer(std::string_view text, int base, T& out) {
    auto result = std::from_chars(text.data(), text.data() + text.size(), out, base);
    return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

bool all_of_chars(std::string_view s, bool (*pred)(char)) {
    if (s.empty()) return false;
    for (char c : s)
        if (!pred(c)) return false;
    return true;
}

bool is_octal(char c) {
    return c >= '0' && c <= '7';
}
bool is_hex(char c) {
    return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// YAML 1.2 core schema float: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool is_core_float(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t int_digits = 0, frac_digits = 0;
    while (i < s.size() && is_ascii_digit(s[i]))
        ++i, ++int_digits;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && is_ascii_digit(s[i]))
            ++i, ++frac_digits;
        if (int_digits == 0 && frac_digits == 0) return false;
    } else if (int_digits == 0) {
        return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
        if (!all_of_chars(s.substr(i), is_ascii_digit)) return false;
        i = s.size();
    }
    return i == s.size();
}

class JsonBuilder : public YAML::EventHandler {
  public:
    explicit JsonBuilder(YamlDocument& document) : doc_(document) {}

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        add_value(json(nullptr), mark, anchor, true);
    }

    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        auto it = anchors_.find(anchor);
        if (it == anchors_.end())
            fail("alias refers to an unfinished or unknown anchor (recursive alias?)", mark);
        values_ += it->second.second;
        if (values_ > max_values) fail("document is too large after alias expansion", mark);
        add_value(it->second.first, mark, 0, false, true);
    }

    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& text) override {
        if (!is_valid_utf8(text)) fail("invalid UTF-8 in a scalar", mark);
        bool merge_key = tag == "?" && text == "<<";
        add_value(resolve_scalar(tag, text, mark), mark, anchor, false, false, merge_key);
    }

    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(json::array(), mark, anchor);
    }
    void OnSequenceEnd() override { close(); }

    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(json::object(), mark, anchor);
    }
    void OnMapEnd() override {
        apply_merges(frames_.back());
        close();
    }

  private:
    struct Frame {
        json value;
        std::string pointer;
        bool is_key = false; // this collection is itself a mapping key
        YAML::anchor_t anchor = 0;
        YAML::Mark mark;
        // Mapping state: waiting for a key, or holding the key of the value to come.
        bool have_key = false;
        bool key_is_merge = false;
        std::string key;
        YAML::Mark key_mark;
        std::vector<std::pair<json, YAML::Mark>> merges;
    };

    [[noreturn]] void fail(const std::string& message, const YAML::Mark& mark) const {
        ErrorLocation where;
        where.file = doc_.source_name;
        if (!mark.is_null()) {
            where.line = mark.line + 1;
            where.column = mark.column + 1;
        }
        throw_bad_input("YAML: " + message, where);
    }

    json resolve_scalar(const std::string& tag, const std::string& text, const YAML::Mark& mark) {
        static const std::string core = "tag:yaml.org,2002:";
        if (tag == "!" || tag == core + "str" || tag == core + "binary") return text;
        bool explicit_core = tag.compare(0, core.size(), core) == 0;
        json value = resolve_plain(text, mark);
        if (explicit_core) {
            std::string kind = tag.substr(core.size());
            bool matches = (kind == "null" && value.is_null()) ||
                           (kind == "bool" && value.is_boolean()) ||
                           (kind == "int" && value.is_number_integer()) ||
                           (kind == "float" && value.is_number());
            if (kind == "float" && value.is_number_integer()) value = value.get<double>();
            if (!matches && (kind == "null" || kind == "bool" || kind == "int" || kind == "float"))
                fail("\"" + text + "\" is not a valid !!" + kind, mark);
        }
        return value; // "?" (plain) and unknown local tags resolve by content
    }

    json resolve_plain(const std::string& text, const YAML::Mark& mark) {
        std::string_view s = text;
        if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
        if (s == "true" || s == "True" || s == "TRUE") return true;
        if (s == "false" || s == "False" || s == "FALSE") return false;
        if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
            std::uint64_t n = 0;
            bool hex = s[1] == 'x';
            std::string_view digits = s.substr(2);
            if (all_of_chars(digits, hex ? is_hex : is_octal)) {
                if (!parse_integer(digits, hex ? 16 : 8, n))
                    fail("integer " + text + " is too large", mark);
                return n;
            }
            return text;
        }
        std::string_view unsigned_part = s;
        if (s[0] == '-' || s[0] == '+') unsigned_part.remove_prefix(1);
        if (all_of_chars(unsigned_part, is_ascii_digit)) {
            std::string_view signed_text = s[0] == '+' ? s.substr(1) : s;
            std::int64_t i = 0;
            if (parse_integer(signed_text, 10, i)) return i;
            std::uint64_t u = 0;
            if (parse_integer(signed_text, 10, u)) return u;
            // Beyond 64 bits: keep the magnitude as a double, as JSON parsers do.
        }
        if (is_core_float(s)) {
            std::string_view f = s[0] == '+' ? s.substr(1) : s;
            double d = 0;
            auto result = std::from_chars(f.data(), f.data() + f.size(), d);
            if (result.ec == std::errc::result_out_of_range || !std::isfinite(d))
                fail("number " + text + " is out of range", mark);
            if (result.ec != std::errc()) return text;
            return d;
        }
        std::string_view special = unsigned_part;
        if (special == ".inf" || special == ".Inf" || special == ".INF" ||
            ((s == ".nan" || s == ".NaN" || s == ".NAN"))) {
            fail(text + " (infinity / not-a-number) cannot be represented in JSON; quote it for a "
                        "string",
                 mark);
        }
        return text;
    }

    // The pointer of the value about to be added to the open collection, or nullopt when it
    // is (part of) a mapping key, which has no pointer.
    std::optional<std::string> next_pointer() const {
        if (frames_.empty()) return std::string();
        const Frame& top = frames_.back();
        if (top.is_key) return std::nullopt;
        if (top.value.is_array()) return top.pointer + "/" + std::to_string(top.value.size());
        if (!top.have_key) return std::nullopt;
        if (top.key_is_merge) return std::nullopt;
        return top.pointer + "/" + json_pointer_token(top.key);
    }

    void record(const std::optional<std::string>& pointer, const YAML::Mark& mark) {
        if (!pointer || mark.is_null()) return;
        doc_.positions.emplace(*pointer, SourcePosition{mark.line + 1L, mark.column + 1L});
    }

    void open(json empty, const YAML::Mark& mark, YAML::anchor_t anchor) {
        if (++values_ > max_values) fail("document has too many values", mark);
        Frame frame;
        auto pointer = next_pointer();
        frame.is_key = !pointer.has_value();
        if (pointer) frame.pointer = *pointer;
        record(pointer, mark);
        frame.value = std::move(empty);
        frame.anchor = anchor;
        frame.mark = mark;
        frames_.push_back(std::move(frame));
    }

    void close() {
        Frame frame = std::move(frames_.back());
        frames_.pop_back();
        if (frame.anchor != 0) anchors_[frame.anchor] = {frame.value, count_values(frame.value)};
        attach(std::move(frame.value), frame.mark, false);
    }

    // A finished scalar, null or alias.
    void add_value(json value, const YAML::Mark& mark, YAML::anchor_t anchor, bool is_null,
                   bool is_alias = false, bool merge_key = false) {
        if (!is_alias && ++values_ > max_values) fail("document has too many values", mark);
        if (anchor != 0) anchors_[anchor] = {value, 1};
        auto pointer = next_pointer();
        // An empty value's mark is where the next token starts; the key is a better place.
        if (is_null && pointer && !frames_.empty() && frames_.back().have_key) {
            record(pointer, frames_.back().key_mark);
        } else {
            record(pointer, mark);
        }
        attach(std::move(value), mark, merge_key);
    }

    void attach(json value, const YAML::Mark& mark, bool merge_key) {
        if (frames_.empty()) {
            doc_.value = std::move(value);
            return;
        }
        Frame& top = frames_.back();
        if (top.value.is_array()) {
            top.value.push_back(std::move(value));
            return;
        }
        if (!top.have_key) {
            top.have_key = true;
            top.key_is_merge = merge_key;
            top.key = value.is_string() ? value.get<std::string>() : value.dump();
            top.key_mark = mark;
            return;
        }
        top.have_key = false;
        if (top.key_is_merge) {
            top.merges.emplace_back(std::move(value), mark);
            return;
        }
        if (top.value.contains(top.key)) fail("duplicate key \"" + top.key + "\"", top.key_mark);
        top.value[top.key] = std::move(value);
    }

    // "<<: *base" or "<<: [*a, *b]": keys written in the mapping win, then earlier sources.
    void apply_merges(Frame& frame) {
        for (auto& [source, mark] : frame.merges) {
            std::vector<const json*> maps;
            if (source.is_object()) {
                maps.push_back(&source);
            } else if (source.is_array()) {
                for (const auto& item : source) {
                    if (!item.is_object()) fail("a \"<<\" merge list must hold mappings", mark);
                    maps.push_back(&item);
                }
            } else {
                fail("a \"<<\" merge value must be a mapping or a list of mappings", mark);
            }
            for (const json* map : maps)
                for (auto it = map->begin(); it != map->end(); ++it)
                    if (!frame.value.contains(it.key())) frame.value[it.key()] = it.value();
        }
    }

    YamlDocument& doc_;
    std::vector<Frame> frames_;
    std::unordered_map<YAML::anchor_t, std::pair<json, std::size_t>> anchors_;
    std::size_t values_ = 0;
};

} // namespace

ErrorLocation YamlDocument::location_of(std::string_view pointer) const {
    ErrorLocation where;
    where.file = source_name;
    std::string at(pointer);
    while (true) {
        if (auto it = positions.find(at); it != positions.end()) {
            where.line = it->second.line;
            where.column = it->second.column;
            break;
        }
        if (at.empty()) break;
        at.erase(at.rfind('/') == std::string::npos ? 0 : at.rfind('/'));
    }
    return where;
}

YamlDocument parse_yaml(std::string_view text, std::string source_name) {
    YamlDocument document;
    document.source_name = std::move(source_name);
    std::istringstream stream{std::string(text)};
    auto syntax_error = [&](const YAML::Exception& e) {
        ErrorLocation where;
        where.file = document.source_name;
        if (!e.mark.is_null()) {
            where.line = e.mark.line + 1; // yaml-cpp marks are 0-based
            where.column = e.mark.column + 1;
        }
        return Error(ErrorKind::BadInput, "YAML syntax error: " + e.msg, where);
    };
    try {
        YAML::Parser parser(stream);
        JsonBuilder builder(document);
        if (!parser.HandleNextDocument(builder)) return document; // empty stream: null
        YamlDocument extra;
        extra.source_name = document.source_name;
        JsonBuilder ignore(extra);
        if (parser.HandleNextDocument(ignore)) {
            ErrorLocation where;
            where.file = document.source_name;
            auto first = extra.positions.find("");
            if (first != extra.positions.end()) {
                where.line = first->second.line;
                where.column = first->second.column;
            }
            throw Error(ErrorKind::BadInput,
                        "YAML: the file holds several documents (\"---\"); expected one", where);
        }
    } catch (const YAML::Exception& e) {
        throw syntax_error(e);
    }
    return document;
}

YamlDocument load_yaml_file(const std::filesystem::path& path) {
    return parse_yaml(read_file(path), path.string());
}

Error schema_error_at(const YamlDocument& document, const SchemaError& error) {
    return Error(ErrorKind::BadInput, to_string(error),
                 document.location_of(error.instance_pointer));
}

void throw_schema_error(const YamlDocument& document, const SchemaError& error) {
    throw schema_error_at(document, error);
}

void validate_or_throw(const JsonSchema& schema, const YamlDocument& document) {
    auto errors = schema.validate(document.value, 10);
    if (errors.empty()) return;
    Error first = schema_error_at(document, errors.front());
    if (errors.size() == 1) throw first;
    std::string hint = "also:";
    for (std::size_t i = 1; i < errors.size(); ++i) {
        ErrorLocation where = document.location_of(errors[i].instance_pointer);
        // Appended piece by piece: GCC 12 gives a false -Wrestrict on "x" + std::string&&.
        hint += ' ';
        hint += to_string(errors[i]);
        hint += " (";
        hint += where.to_string();
        hint += ')';
        if (i + 1 < errors.size()) hint += ";";
    }
    throw Error(ErrorKind::BadInput, first.message(), first.where(), hint);
}

} // namespace llmops
